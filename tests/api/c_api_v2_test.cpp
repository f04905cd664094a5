// SPDX-License-Identifier: Apache-2.0
// The C API's second version (DECADE_C_API_VERSION 2): libbpf-style errno
// returns beside the Decade code, versions and features, option structs
// checked by sz, the verifier log, verify-only, program types by handle and
// batch map operations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace {

using decade::ErrorCode;
using decade::test::obj;

// mov r0, r3 ; exit: r3 is uninitialised, rejected at instruction 0.
constexpr uint8_t kRejected[] = {0xbf, 0x30, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
// r0 = 1 ; exit.
constexpr uint8_t kReturnOne[] = {0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};

TEST(CApiV2, VersionAndFeatures) {
  EXPECT_EQ(decade_version(), static_cast<uint32_t>(DECADE_VERSION));
  EXPECT_EQ(DECADE_VERSION, DECADE_VERSION_CODE(DECADE_VERSION_MAJOR, DECADE_VERSION_MINOR, DECADE_VERSION_PATCH));
  const std::string v = std::to_string(DECADE_VERSION_MAJOR) + "." + std::to_string(DECADE_VERSION_MINOR) + "." +
                        std::to_string(DECADE_VERSION_PATCH);
  EXPECT_EQ(v, decade_version_string());
  // Every engine of the build is a feature, and the list ends.
  for (const auto& e : decade::engines()) EXPECT_EQ(decade_has_feature(e.c_str()), 1) << e;
  EXPECT_EQ(decade_has_feature("map_batch"), 1);
  EXPECT_EQ(decade_has_feature("verifier_log"), 1);
  EXPECT_EQ(decade_has_feature("ext:bitmanip"), 1);  // decade::extensions(), docs/isa-extensions.md
  EXPECT_EQ(decade_has_feature("no_such_feature"), 0);
  EXPECT_EQ(decade_has_feature(nullptr), 0);
  size_t n = 0;
  while (decade_feature_at(n)) ++n;
  EXPECT_GE(n, decade::engines().size() + 2);
}

// The documented mapping (docs/embedding.md), one row per family.
TEST(CApiV2, ErrnoMapping) {
  const struct {
    ErrorCode code;
    int err;
  } rows[] = {
      {ErrorCode::InvalidArgument, -EINVAL},   {ErrorCode::IoError, -EIO},
      {ErrorCode::Unsupported, -EOPNOTSUPP},   {ErrorCode::OutOfMemory, -ENOMEM},
      {ErrorCode::DecodeUnknownOpcode, -EINVAL}, {ErrorCode::AsmSyntax, -EINVAL},
      {ErrorCode::ExecOutOfBounds, -EFAULT},   {ErrorCode::ExecCancelled, -ECANCELED},
      {ErrorCode::ExecTimeout, -ETIMEDOUT},    {ErrorCode::ElfMalformed, -EINVAL},
      {ErrorCode::BtfMalformed, -EINVAL},      {ErrorCode::MapNotFound, -ENOENT},
      {ErrorCode::MapKeyNotFound, -ENOENT},    {ErrorCode::MapKeyExists, -EEXIST},
      {ErrorCode::MapFull, -E2BIG},            {ErrorCode::MapMemoryLimit, -ENOMEM},
      {ErrorCode::ProgramNotFound, -ENOENT},   {ErrorCode::VerifierReject, -EACCES},
      {ErrorCode::VerifierUninitRegister, -EACCES}, {ErrorCode::VerifierBudget, -E2BIG},
      {ErrorCode::VerifierMemoryLimit, -ENOMEM}, {ErrorCode::VerifierNotGranted, -EPERM},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(decade_error_errno(static_cast<int>(r.code)), r.err) << decade_error_name(static_cast<int>(r.code));
  }
  EXPECT_EQ(decade_error_errno(0), 0);
  EXPECT_STREQ(decade_strerror(-ENOENT), std::strerror(ENOENT));
  EXPECT_STREQ(decade_strerror(EACCES), std::strerror(EACCES));
}

// libbpf's OPTS_VALID: a smaller struct is read as far as it goes, a larger
// one only when what this library does not know is zero; sz must cover sz.
TEST(CApiV2, OptionStructsCheckedBySize) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_from_bytecode(kReturnOne, sizeof kReturnOne, "raw", &o), 0);
  struct Bigger {
    decade_load_opts base;
    uint64_t future;
  } big = {};
  big.base.sz = sizeof big;
  big.future = 1;
  EXPECT_EQ(decade_object_load(o, &big.base), -EINVAL);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::InvalidArgument));
  decade_load_opts zero_sz = {};
  EXPECT_EQ(decade_object_load(o, &zero_sz), -EINVAL);
  // The first version of the struct ended before the memory limits and the log.
  decade_load_opts old = {};
  old.sz = offsetof(decade_load_opts, max_verifier_memory);
  old.map_memory = 1;  // beyond the caller's sz: not read
  EXPECT_EQ(decade_object_load(o, &old), 0) << decade_last_error();
  decade_object_close(o);

  ASSERT_EQ(decade_object_from_bytecode(kReturnOne, sizeof kReturnOne, "raw", &o), 0);
  big.future = 0;
  ASSERT_EQ(decade_object_load(o, &big.base), 0) << decade_last_error();
  decade_program* p = decade_object_find_program(o, nullptr);
  decade_test_run run = {};
  EXPECT_EQ(decade_program_test_run(p, &run), -EINVAL);  // sz 0
  run.sz = offsetof(decade_test_run, cancel);            // before cancellation existed
  run.timeout_ns = 1;                                    // not read
  ASSERT_EQ(decade_program_test_run(p, &run), 0) << decade_last_error();
  EXPECT_EQ(run.retval, 1u);
  decade_object_close(o);
}

TEST(CApiV2, VerifyOnlyWithLog) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_from_bytecode(kReturnOne, sizeof kReturnOne, "raw", &o), 0);
  char log[4096] = "x";
  decade_verify_opts vo = {};
  vo.sz = sizeof vo;
  vo.log_buf = log;
  vo.log_size = sizeof log;
  vo.log_level = 2;
  EXPECT_EQ(decade_object_verify(o, &vo), 0) << decade_last_error();
  EXPECT_GT(std::strlen(log), 0u);
  EXPECT_EQ(decade_object_verify(o, nullptr), 0);
  // A log larger than the buffer is cut and stays NUL-terminated.
  char small[8];
  std::memset(small, 'x', sizeof small);
  vo.log_buf = small;
  vo.log_size = sizeof small;
  EXPECT_EQ(decade_object_verify(o, &vo), 0);
  EXPECT_EQ(std::strlen(small), sizeof small - 1);
  vo.program = "nope";
  EXPECT_EQ(decade_object_verify(o, &vo), -ENOENT);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::ProgramNotFound));
  decade_object_close(o);

  ASSERT_EQ(decade_object_from_bytecode(kRejected, sizeof kRejected, "raw", &o), 0);
  vo = {};
  vo.sz = sizeof vo;
  vo.log_buf = log;
  vo.log_size = sizeof log;
  log[0] = '\0';
  EXPECT_EQ(decade_object_verify(o, &vo), -EACCES);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::VerifierUninitRegister));
  EXPECT_EQ(decade_last_error_insn(), 0);
  EXPECT_GT(std::strlen(log), 0u);  // the rejection, even at level 0
  decade_object_close(o);
}

TEST(CApiV2, LoadFillsTheLogOfARejection) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_from_bytecode(kRejected, sizeof kRejected, "raw", &o), 0);
  char log[4096] = "";
  decade_load_opts lo = {};
  lo.sz = sizeof lo;
  lo.log_buf = log;
  lo.log_size = sizeof log;
  EXPECT_EQ(decade_object_load(o, &lo), -EACCES);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::VerifierUninitRegister));
  EXPECT_EQ(decade_last_error_insn(), 0);
  EXPECT_GT(std::strlen(log), 0u);
  decade_object_close(o);
  // With a level, an accepted program's log too.
  ASSERT_EQ(decade_object_from_bytecode(kReturnOne, sizeof kReturnOne, "raw", &o), 0);
  log[0] = '\0';
  lo.log_level = 1;
  EXPECT_EQ(decade_object_load(o, &lo), 0) << decade_last_error();
  EXPECT_GT(std::strlen(log), 0u);
  decade_object_close(o);
}

// A raw program run as xdp (r0 = 1 is valid for both), in every engine.
TEST(CApiV2, ProgramSetType) {
  for (const auto& engine : decade::engines()) {
    decade_object* o = nullptr;
    ASSERT_EQ(decade_object_from_bytecode(kReturnOne, sizeof kReturnOne, "raw", &o), 0);
    decade_program* p = decade_object_find_program(o, nullptr);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(decade_program_set_type(p, nullptr), -EINVAL);
    EXPECT_EQ(decade_program_set_type(p, "no_such_type"), -ENOENT);
    EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::ProgramTypeNotFound));
    ASSERT_EQ(decade_program_set_type(p, "xdp"), 0) << decade_last_error();
    EXPECT_STREQ(decade_program_type(p), "xdp");
    decade_load_opts lo = {};
    lo.sz = sizeof lo;
    lo.engine = engine.c_str();
    ASSERT_EQ(decade_object_load(o, &lo), 0) << decade_last_error();
    uint8_t packet[64] = {};
    decade_test_run run = {};
    run.sz = sizeof run;
    run.data_in = packet;
    run.data_size_in = sizeof packet;
    ASSERT_EQ(decade_program_test_run(p, &run), 0) << engine << ": " << decade_last_error();
    EXPECT_EQ(run.retval, 1u) << engine;
    EXPECT_LT(decade_program_set_type(p, "socket_filter"), 0);  // after load
    decade_object_close(o);
  }
}

TEST(CApiV2, BatchOperations) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(obj("loader/progs/map_hash.bpf.o").c_str(), &o), 0) << decade_last_error();
  ASSERT_EQ(decade_object_load(o, nullptr), 0) << decade_last_error();
  decade_map* h = decade_object_find_map(o, "h");
  ASSERT_NE(h, nullptr);
  const uint32_t keys[] = {10, 11, 12}, values[] = {100, 110, 120};
  uint32_t count = 3;
  decade_map_batch_opts bo = {};
  bo.sz = sizeof bo;
  bo.elem_flags = DECADE_NOEXIST;
  ASSERT_EQ(decade_map_update_batch(h, keys, values, &count, &bo), 0) << decade_last_error();
  EXPECT_EQ(count, 3u);
  count = 3;
  EXPECT_EQ(decade_map_update_batch(h, keys, values, &count, &bo), -EEXIST);
  bo.elem_flags = 0;
  bo.flags = 1;
  count = 3;
  EXPECT_EQ(decade_map_update_batch(h, keys, values, &count, &bo), -EINVAL);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::MapBadFlags));

  // The walk, two at a time, until -ENOENT: the map holds the three keys
  // (the program, which would add key 1, does not run here).
  std::vector<uint32_t> seen;
  uint32_t pos = 0, ks[2], vs[2];
  const void* in = nullptr;
  for (int i = 0; i < 10; ++i) {
    count = 2;
    const int rc = decade_map_lookup_batch(h, in, &pos, ks, vs, &count, nullptr);
    ASSERT_TRUE(rc == 0 || rc == -ENOENT) << rc << " " << decade_last_error();
    for (uint32_t j = 0; j < count; ++j) {
      EXPECT_EQ(vs[j], ks[j] * 10);
      seen.push_back(ks[j]);
    }
    if (rc == -ENOENT) break;
    in = &pos;
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<uint32_t>{10, 11, 12}));

  count = 2;
  ASSERT_EQ(decade_map_delete_batch(h, keys, &count, nullptr), 0) << decade_last_error();
  EXPECT_EQ(count, 2u);
  uint32_t v = 0;
  EXPECT_EQ(decade_map_lookup(h, &keys[0], &v), -ENOENT);
  EXPECT_EQ(decade_map_lookup(h, &keys[2], &v), 0);
  decade_object_close(o);
}

}  // namespace
