// SPDX-License-Identifier: Apache-2.0
// The C API's stack size (decade_load_opts.stack_size and
// decade_verify_opts.stack_size, read when sz covers them) and its wide
// host functions (struct decade_function_wide: 6 to 12 arguments, the
// stackargs extension), from raw bytecode on both engines.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>

#include "decade/decade.h"
#include "decade/decade.hpp"

namespace {

using decade::ErrorCode;

// r1 = 7; *(u64 *)(r10 - 1024) = r1; r0 = *(u64 *)(r10 - 1024); exit
constexpr uint8_t kFrame1024[] = {0xb7, 0x01, 0, 0, 7, 0, 0, 0,  0x7b, 0x1a, 0x00, 0xfc, 0, 0, 0, 0,
                                  0x79, 0xa0, 0x00, 0xfc, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};

int load_with(const char* engine, uint32_t stack_size, size_t sz, uint64_t* retval) {
  decade_object* o = nullptr;
  if (decade_object_from_bytecode(kFrame1024, sizeof kFrame1024, "raw", &o) != 0) return -1000;
  decade_load_opts lo = {};
  lo.sz = sz;
  lo.engine = engine;
  lo.stack_size = stack_size;
  int rc = decade_object_load(o, &lo);
  if (rc == 0) {
    decade_test_run run = {};
    run.sz = sizeof run;
    rc = decade_program_test_run(decade_object_find_program(o, nullptr), &run);
    *retval = run.retval;
  }
  decade_object_close(o);
  return rc;
}

TEST(CApiStack, StackSizeRaisesTheFrame) {
  for (const char* engine : {"interp", "jit"}) {
    uint64_t r = 0;
    EXPECT_EQ(load_with(engine, 0, sizeof(decade_load_opts), &r), -EACCES) << engine;
    EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::VerifierOutOfBounds)) << engine;
    EXPECT_EQ(load_with(engine, 2048, sizeof(decade_load_opts), &r), 0) << engine << decade_last_error();
    EXPECT_EQ(r, 7u) << engine;
    // A caller built before the field: not read, the kernel's 512 holds.
    EXPECT_EQ(load_with(engine, 2048, offsetof(decade_load_opts, stack_size), &r), -EACCES) << engine;
    EXPECT_EQ(load_with(engine, 100, sizeof(decade_load_opts), &r), -EINVAL) << engine;
  }
}

TEST(CApiStack, VerifyTakesTheStackSize) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_from_bytecode(kFrame1024, sizeof kFrame1024, "raw", &o), 0);
  decade_verify_opts vo = {};
  vo.sz = sizeof vo;
  EXPECT_EQ(decade_object_verify(o, &vo), -EACCES);
  vo.stack_size = 1024;
  EXPECT_EQ(decade_object_verify(o, &vo), 0) << decade_last_error();
  decade_object_close(o);
}

uint64_t weigh(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7,
               uint64_t a8, uint64_t a9, uint64_t a10, uint64_t a11, uint64_t a12) {
  return a1 + 2 * a2 + 3 * a3 + 4 * a4 + 5 * a5 + 6 * a6 + 7 * a7 + 8 * a8 + 9 * a9 + 10 * a10 + 11 * a11 +
         12 * a12;
}

constexpr uint32_t kWideId = 30001;
// r1..r5 = 1..5; *(u64 *)(r11 - 8) = 6; *(u64 *)(r11 - 16) = 7; call 30001; exit
constexpr uint8_t kCallWide[] = {
    0xb7, 0x01, 0, 0, 1, 0, 0, 0, 0xb7, 0x02, 0, 0, 2, 0, 0, 0, 0xb7, 0x03, 0, 0, 3, 0, 0, 0,
    0xb7, 0x04, 0, 0, 4, 0, 0, 0, 0xb7, 0x05, 0, 0, 5, 0, 0, 0, 0x7a, 0x0b, 0xf8, 0xff, 6, 0, 0, 0,
    0x7a, 0x0b, 0xf0, 0xff, 7, 0, 0, 0, 0x85, 0, 0, 0, kWideId & 0xff, kWideId >> 8, 0, 0,
    0x95, 0, 0, 0, 0, 0, 0, 0};

TEST(CApiStack, WideHelperTakesStackArguments) {
  for (const char* engine : {"interp", "jit"}) {
    decade_object* o = nullptr;
    ASSERT_EQ(decade_object_from_bytecode(kCallWide, sizeof kCallWide, "raw", &o), 0);
    decade_function_wide f = {};
    f.sz = sizeof f;
    f.name = "test_weigh";
    f.id = kWideId;
    f.fn = weigh;
    f.stack_args = 0;  // outside 1..7
    EXPECT_EQ(decade_object_add_helper_wide(o, &f), -EINVAL);
    f.stack_args = 2;
    ASSERT_EQ(decade_object_add_helper_wide(o, &f), 0) << decade_last_error();
    decade_load_opts lo = {};
    lo.sz = sizeof lo;
    lo.engine = engine;
    ASSERT_EQ(decade_object_load(o, &lo), 0) << engine << decade_last_error();
    decade_test_run run = {};
    run.sz = sizeof run;
    ASSERT_EQ(decade_program_test_run(decade_object_find_program(o, nullptr), &run), 0) << decade_last_error();
    EXPECT_EQ(run.retval, 1u + 4 + 9 + 16 + 25 + 36 + 49) << engine;  // arguments 8-12 are 0
    decade_object_close(o);
  }
}

}  // namespace
