// SPDX-License-Identifier: Apache-2.0
// BpfObject::set_program_flags (libbpf's bpf_program__set_flags) and its C
// form: BPF_F_STRICT_ALIGNMENT makes the verifier refuse a misaligned packet
// load the default accepts; BPF_F_ANY_ALIGNMENT overrides it; other bits
// are refused by name.
#include <gtest/gtest.h>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace decade {
namespace {

const std::string kObj = test::obj("api/progs/strict_align.bpf.o");

TEST(ProgramFlags, StrictAlignmentRefusesMisalignedPacketLoad) {
  auto plain = BpfObject::open(kObj);
  ASSERT_TRUE(plain) << plain.error().to_string();
  ASSERT_TRUE(plain->load({})) << "accepted without the flag";

  auto strict = BpfObject::open(kObj);
  ASSERT_TRUE(strict);
  ASSERT_TRUE(strict->set_program_flags("first_word", kProgFlagStrictAlignment));
  auto s = strict->load({});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::VerifierMisaligned) << s.error().to_string();
  EXPECT_NE(s.error().kernel.find("misaligned packet access off 2+"), std::string::npos) << s.error().to_string();

  auto both = BpfObject::open(kObj);
  ASSERT_TRUE(both);
  ASSERT_TRUE(both->set_program_flags("first_word", kProgFlagStrictAlignment | kProgFlagAnyAlignment));
  EXPECT_TRUE(both->load({}));
}

TEST(ProgramFlags, UnsupportedBitsAndUnknownPrograms) {
  auto o = BpfObject::open(kObj);
  ASSERT_TRUE(o);
  auto bad = o->set_program_flags("first_word", 4);  // BPF_F_TEST_RND_HI32
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::Unsupported);
  EXPECT_NE(bad.error().message.find("0x4"), std::string::npos) << bad.error().to_string();
  auto missing = o->set_program_flags("nope", kProgFlagStrictAlignment);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::ProgramNotFound);
  ASSERT_TRUE(o->load({}));
  EXPECT_FALSE(o->set_program_flags("first_word", kProgFlagStrictAlignment)) << "after load";
}

TEST(ProgramFlags, CApi) {
  decade_object* obj = nullptr;
  ASSERT_EQ(decade_object_open(kObj.c_str(), &obj), 0);
  EXPECT_EQ(decade_object_set_program_flags(obj, "first_word", 1), 0);
  EXPECT_LT(decade_object_set_program_flags(obj, "first_word", 8), 0);
  EXPECT_LT(decade_object_load(obj, nullptr), 0);
  decade_object_close(obj);
}

}  // namespace
}  // namespace decade
