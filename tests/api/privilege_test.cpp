// SPDX-License-Identifier: Apache-2.0
// The privilege model through the API (Grant::Privileged, docs/verifier.md
// "Privilege"), on every engine: without the grant pointer leaks and
// uninitialised stack reads are refused; with it they load, a stored or
// returned pointer is a number, and a program that reads stack it never
// wrote reads zeros, never what an earlier run left there.
#include <gtest/gtest.h>

#include "api_test_util.hpp"

namespace decade {
namespace {

// r1 = 0x1234 ; *(u64 *)(r10 - 8) = r1 ; r0 = 0 ; exit  (leaves 0x1234 on the stack)
const uint8_t kDirty[] = {0xb7, 0x01, 0, 0, 0x34, 0x12, 0, 0, 0x7b, 0x1a, 0xf8, 0xff, 0, 0, 0, 0,
                          0xb7, 0x00, 0, 0, 0,    0,    0, 0, 0x95, 0,    0,    0,    0, 0, 0, 0};
// r0 = *(u64 *)(r10 - 8) ; exit  (reads a slot it never wrote)
const uint8_t kReadUninit[] = {0x79, 0xa0, 0xf8, 0xff, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
// r0 = r10 ; exit  (returns its frame pointer)
const uint8_t kReturnFp[] = {0xbf, 0xa0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};

class Privilege : public ::testing::TestWithParam<std::string> {
 protected:
  Result<BpfObject> loaded(std::span<const uint8_t> code, bool privileged) const {
    auto o = BpfObject::from_bytecode(code);
    if (!o) return o;
    if (privileged)
      if (auto s = o->grant(Grant::Privileged); !s) return std::unexpected(s.error());
    LoadOptions lo;
    lo.engine = GetParam();
    if (auto s = o->load(lo); !s) return std::unexpected(s.error());
    return o;
  }
};

TEST_P(Privilege, UninitialisedStackNeedsTheGrant) {
  auto o = loaded(kReadUninit, false);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code, ErrorCode::VerifierUninitStack);
  EXPECT_EQ(o.error().insn, 0);
}

TEST_P(Privilege, UninitialisedStackReadsZeroNotAnEarlierRun) {
  auto dirty = loaded(kDirty, false);
  ASSERT_TRUE(dirty) << dirty.error().to_string();
  auto reader = loaded(kReadUninit, true);
  ASSERT_TRUE(reader) << reader.error().to_string();
  const uint8_t mem[4] = {};
  for (int i = 0; i < 3; ++i) {
    // The same thread's previous run left 0x1234 where the reader looks.
    auto d = dirty->program("")->test_run({.data = mem});
    ASSERT_TRUE(d) << d.error().to_string();
    auto r = reader->program("")->test_run({.data = mem});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->retval, 0u) << GetParam();
  }
}

TEST_P(Privilege, ReturnedPointerIsANumber) {
  auto refused = loaded(kReturnFp, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::VerifierPointerLeak);
  EXPECT_EQ(refused.error().insn, 1);
  auto o = loaded(kReturnFp, true);
  ASSERT_TRUE(o) << o.error().to_string();
  const uint8_t mem[4] = {};
  auto r = o->program("")->test_run({.data = mem});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_NE(r->retval, 0u);  // an address of the engine's stack, as root's program would get
}

TEST(PrivilegeGrant, UnknownGrantIsRefused) {
  auto o = BpfObject::from_bytecode(kReturnFp);
  ASSERT_TRUE(o);
  auto s = o->grant(static_cast<Grant>(4));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Api, Privilege, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
