// SPDX-License-Identifier: Apache-2.0
// The verifier's memory budget through the public APIs: LoadOptions,
// verify_programs and the C API's decade_load_opts all pass it on, and a
// program that outgrows it fails with VerifierMemoryLimit at the
// instruction where it ran out.
#include <gtest/gtest.h>

#include <cerrno>

#include <cstdint>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace decade {
namespace {

// r1 = 0; l: r1 += 1; if r1 != 0 goto l; r0 = 0; exit — a new state at the
// loop head (insn 1) on each of 2^64 iterations.
const uint8_t kEndless[] = {0xb7, 0x01, 0, 0, 0, 0, 0, 0, 0x07, 0x01, 0, 0, 1, 0, 0, 0, 0x55, 0x01, 0xfe, 0xff, 0, 0, 0, 0,
                            0xb7, 0x00, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
constexpr uint64_t kSmall = uint64_t{1} << 20;
constexpr uint64_t kManyInsns = 100'000'000;

TEST(VerifierMemoryApi, LoadOptionsBudget) {
  for (const std::string& engine : engines()) {
    SCOPED_TRACE(engine);
    auto o = BpfObject::from_bytecode(kEndless);
    ASSERT_TRUE(o) << o.error().to_string();
    LoadOptions lo;
    lo.engine = engine;
    lo.max_verifier_insns = kManyInsns;
    lo.max_verifier_memory = kSmall;
    auto s = o->load(lo);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::VerifierMemoryLimit) << s.error().to_string();
    EXPECT_EQ(s.error().insn, 1);
  }
}

TEST(VerifierMemoryApi, VerifyProgramsBudget) {
  auto o = BpfObject::from_bytecode(kEndless);
  ASSERT_TRUE(o) << o.error().to_string();
  auto reports = o->verify_programs("", 0, kManyInsns, kSmall);
  ASSERT_TRUE(reports) << reports.error().to_string();
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_FALSE((*reports)[0].accepted);
  EXPECT_EQ((*reports)[0].error.code, ErrorCode::VerifierMemoryLimit);
  EXPECT_EQ((*reports)[0].error.insn, 1);
}

TEST(VerifierMemoryApi, CApiBudget) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_from_bytecode(kEndless, sizeof kEndless, nullptr, &o), 0);
  struct decade_load_opts lo = {};
  lo.sz = sizeof lo;
  lo.max_verifier_insns = kManyInsns;
  lo.max_verifier_memory = kSmall;
  EXPECT_EQ(decade_object_load(o, &lo), -ENOMEM);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::VerifierMemoryLimit));
  EXPECT_EQ(decade_last_error_insn(), 1);
  decade_object_close(o);
}

}  // namespace
}  // namespace decade
