// SPDX-License-Identifier: Apache-2.0
// The C API (decade.h): handles, negative errno returns with the Decade code
// as the thread's last error, map access and test runs, exercised the way a
// C host uses them.
#include <gtest/gtest.h>

#include <cerrno>

#include <cstdlib>
#include <cstring>
#include <string>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace {

using decade::test::obj;

TEST(CApi, OpenLoadRunAndMaps) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(obj("loader/progs/map_hash.bpf.o").c_str(), &o), 0) << decade_last_error();
  EXPECT_EQ(decade_object_program_count(o), 1u);
  EXPECT_EQ(decade_object_map_count(o), 4u);
  ASSERT_EQ(decade_object_load(o, nullptr), 0) << decade_last_error();
  decade_program* p = decade_object_find_program(o, "map_hash");
  ASSERT_NE(p, nullptr);
  EXPECT_STREQ(decade_program_name(p), "map_hash");
  EXPECT_STREQ(decade_program_type(p), "syscall");
  EXPECT_EQ(decade_object_program_at(o, 0), p);
  EXPECT_EQ(decade_object_program_at(o, 1), nullptr);
  uint64_t verify_ns = 0, compile_ns = 0;
  decade_program_load_times(p, &verify_ns, &compile_ns);
  EXPECT_GT(verify_ns, 0u);
  EXPECT_GT(compile_ns, 0u);
  decade_program_load_times(nullptr, &verify_ns, nullptr);
  EXPECT_EQ(verify_ns, 0u);
  struct decade_test_run run = {};
  run.sz = sizeof run;
  ASSERT_EQ(decade_program_test_run(p, &run), 0) << decade_last_error();
  EXPECT_EQ(run.retval, 10u);

  decade_map* h = decade_object_find_map(o, "h");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(decade_map_type(h), 1u);
  EXPECT_EQ(decade_map_key_size(h), 4u);
  uint32_t k = 1, v = 0;
  ASSERT_EQ(decade_map_lookup(h, &k, &v), 0);
  EXPECT_EQ(v, 1u);  // the program stored 1 under key 1
  uint32_t k2 = 77, v2 = 770;
  EXPECT_EQ(decade_map_lookup(h, &k2, &v), -ENOENT);
  EXPECT_EQ(decade_last_error_code(), 605);  // MapKeyNotFound
  EXPECT_STREQ(decade_error_name(decade_last_error_code()), "MapKeyNotFound");
  EXPECT_NE(std::string(decade_last_error()).find("E605"), std::string::npos);
  ASSERT_EQ(decade_map_update(h, &k2, &v2, DECADE_NOEXIST), 0);
  EXPECT_EQ(decade_map_update(h, &k2, &v2, DECADE_NOEXIST), -EEXIST);
  EXPECT_EQ(decade_last_error_code(), 604);                              // MapKeyExists
  EXPECT_EQ(decade_map_update(h, &k2, &v2, 7), -EINVAL);                 // bad flags
  EXPECT_EQ(decade_last_error_code(), 1);                                // InvalidArgument
  uint32_t first = 0;
  ASSERT_EQ(decade_map_get_next_key(h, nullptr, &first), 0);
  char* dump = decade_map_dump(h);
  ASSERT_NE(dump, nullptr);
  EXPECT_NE(std::string(dump).find("{\"key\": 77, \"value\": 770}"), std::string::npos) << dump;
  std::free(dump);
  ASSERT_EQ(decade_map_delete(h, &k2), 0);
  EXPECT_EQ(decade_map_delete(h, &k2), -ENOENT);
  EXPECT_EQ(decade_object_find_map(o, "nope"), nullptr);
  EXPECT_EQ(decade_object_find_program(o, "nope"), nullptr);
  decade_object_close(o);
}

TEST(CApi, ErrorsAreCodesWithInstructionIndex) {
  decade_object* o = nullptr;
  EXPECT_EQ(decade_object_open("/nonexistent.o", &o), -EIO);
  EXPECT_EQ(decade_last_error_code(), 2);  // IoError
  EXPECT_EQ(decade_object_open(nullptr, &o), -EINVAL);
  EXPECT_EQ(decade_last_error_code(), 1);  // InvalidArgument
  // mov r0, r3 ; exit: r3 is uninitialised, rejected at instruction 0.
  const uint8_t code[] = {0xbf, 0x30, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
  ASSERT_EQ(decade_object_from_bytecode(code, sizeof code, nullptr, &o), 0);
  const int rc = decade_object_load(o, nullptr);
  EXPECT_EQ(rc, -EACCES);  // a rejection, as the kernel's
  EXPECT_GE(decade_last_error_code(), 700);
  EXPECT_LT(decade_last_error_code(), 800);
  EXPECT_EQ(decade_last_error_insn(), 0);
  decade_object_close(o);
  // A verified raw program on the interpreter: r1 = memory, r2 = its length.
  const uint8_t ret_len[] = {0xbf, 0x20, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
  ASSERT_EQ(decade_object_from_bytecode(ret_len, sizeof ret_len, "raw", &o), 0);
  struct decade_load_opts lo = {};
  lo.sz = sizeof lo;
  lo.engine = "interp";
  ASSERT_EQ(decade_object_load(o, &lo), 0) << decade_last_error();
  decade_program* p = decade_object_find_program(o, nullptr);
  ASSERT_NE(p, nullptr);
  uint8_t mem[3] = {1, 2, 3}, out[3] = {};
  struct decade_test_run run = {};
  run.sz = sizeof run;
  run.data_in = mem;
  run.data_size_in = 3;
  run.data_out = out;
  run.data_size_out = sizeof out;
  ASSERT_EQ(decade_program_test_run(p, &run), 0) << decade_last_error();
  EXPECT_EQ(run.retval, 3u);
  EXPECT_EQ(run.data_size_out, 3u);
  EXPECT_EQ(std::memcmp(mem, out, 3), 0);
  decade_object_close(o);
}

int count_records(void* ctx, const void* data, size_t size) {
  auto* n = static_cast<int*>(ctx);
  uint64_t v = 0;
  if (size == 8) std::memcpy(&v, data, 8);
  if (v == 7) ++*n;
  return 0;
}

TEST(CApi, GlobalDataAndRingBuffer) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(obj("loader/progs/global_data.bpf.o").c_str(), &o), 0) << decade_last_error();
  size_t size = 0;
  auto* limit = static_cast<int32_t*>(decade_object_global_var(o, "limit", &size));
  ASSERT_NE(limit, nullptr) << decade_last_error();
  ASSERT_EQ(size, 4u);
  *limit = 100;
  ASSERT_EQ(decade_object_load(o, nullptr), 0) << decade_last_error();
  struct decade_test_run run = {};
  run.sz = sizeof run;
  ASSERT_EQ(decade_program_test_run(decade_object_find_program(o, "global_data"), &run), 0);
  EXPECT_EQ(run.retval, 102u);
  EXPECT_EQ(decade_object_global(o, ".rodata", &size), nullptr);  // frozen after load
  const void* ro = decade_object_global_view(o, ".rodata", &size);
  ASSERT_NE(ro, nullptr);
  decade_object_close(o);

  ASSERT_EQ(decade_object_open(obj("loader/progs/map_ringbuf.bpf.o").c_str(), &o), 0);
  ASSERT_EQ(decade_object_load(o, nullptr), 0) << decade_last_error();
  int seen = 0;
  decade_ring_buffer* rb = nullptr;
  ASSERT_EQ(decade_ring_buffer_new(decade_object_find_map(o, "rb"), count_records, &seen, &rb), 0);
  EXPECT_GE(decade_ring_buffer_fd(rb), 0);
  run = {};
  run.sz = sizeof run;
  ASSERT_EQ(decade_program_test_run(decade_object_find_program(o, "map_ringbuf"), &run), 0);
  ASSERT_EQ(decade_program_test_run(decade_object_find_program(o, "map_ringbuf"), &run), 0);
  EXPECT_EQ(decade_ring_buffer_poll(rb, 1000), 2);
  EXPECT_EQ(seen, 2);
  decade_ring_buffer_free(rb);
  decade_object_close(o);
}

}  // namespace
