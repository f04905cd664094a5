// SPDX-License-Identifier: Apache-2.0
// A map of a type Decade lacks (cgrp_storage, user_ringbuf, ...) fails only
// the programs that reference it, with MapBadType at the instruction that
// loads the map; the object's other programs load and run.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "api_test_util.hpp"

namespace decade {
namespace {

class UnsupportedMaps : public ::testing::TestWithParam<std::string> {};

TEST_P(UnsupportedMaps, OnlyTheirUsersFail) {
  struct User {
    const char* prog;
    int64_t insn;  // the ld_imm64 of the map
  };
  for (const User& u : {User{"uses_cgrp_storage", 4}, User{"uses_user_ringbuf", 4}}) {
    auto o = BpfObject::open(test::obj("api/progs/unsupported_maps.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    for (const char* other : {"uses_cgrp_storage", "uses_user_ringbuf"})
      ASSERT_TRUE(o->set_autoload(other, std::string(other) == u.prog));
    auto s = o->load({.engine = GetParam()});
    ASSERT_FALSE(s) << u.prog;
    EXPECT_EQ(s.error().code, ErrorCode::MapBadType) << s.error().to_string();
    EXPECT_EQ(s.error().insn, u.insn) << s.error().to_string();
  }
  auto o = BpfObject::open(test::obj("api/progs/unsupported_maps.bpf.o"));
  ASSERT_TRUE(o);
  ASSERT_TRUE(o->set_autoload("uses_cgrp_storage", false));
  ASSERT_TRUE(o->set_autoload("uses_user_ringbuf", false));
  auto s = o->load({.engine = GetParam()});
  ASSERT_TRUE(s) << s.error().to_string();
  std::array<uint8_t, 64> packet{};
  auto r = o->program("plain")->test_run({.data = packet});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 2u);
  auto m = o->map("cgroups");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type_name(), "cgrp_storage");
}

// Verification without a load gives the same verdicts: the users of the
// cgrp_storage and user_ringbuf maps fail with MapBadType at the map's load (they
// used to be verified as if the maps held plain values), the others pass.
TEST(UnsupportedMapsVerify, VerdictsMatchLoad) {
  auto o = BpfObject::open(test::obj("api/progs/unsupported_maps.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto reports = o->verify_programs("", 0, 0, 0);
  ASSERT_TRUE(reports) << reports.error().to_string();
  ASSERT_EQ(reports->size(), 3u);
  for (const VerifyReport& r : *reports) {
    if (r.program == "plain") {
      EXPECT_TRUE(r.accepted) << r.error.to_string();
      continue;
    }
    EXPECT_FALSE(r.accepted) << r.program;
    EXPECT_EQ(r.error.code, ErrorCode::MapBadType) << r.program << ": " << r.error.to_string();
    EXPECT_EQ(r.error.insn, 4) << r.program;
  }
}

INSTANTIATE_TEST_SUITE_P(Api, UnsupportedMaps, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
