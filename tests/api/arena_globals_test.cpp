// SPDX-License-Identifier: Apache-2.0
// __arena global variables (tests/api/progs/arena_globals*.v4.bpf.c) on
// every engine: initialised from the object, kept between runs, placed at
// the arena's start in pages the allocator treats as taken, and reachable
// in a 4 GiB arena whose first page has low 32 bits 0; the arena's guards.
#include <gtest/gtest.h>

#include <string>

#include "api_test_util.hpp"

namespace decade {
namespace {

class ArenaGlobals : public ::testing::TestWithParam<std::string> {
 protected:
  int64_t run(BpfObject& o, const char* prog) {
    auto r = o.program(prog)->test_run({});
    EXPECT_TRUE(r) << prog << ": " << r.error().to_string();
    return r ? static_cast<int64_t>(r->retval) : INT64_MIN;
  }
};

TEST_P(ArenaGlobals, InitialisedKeptAndPlacedFirst) {
  auto o = BpfObject::open(test::obj("api/progs/arena_globals.v4.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto s = o->load({.engine = GetParam()});
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(run(*o, "bump"), 6);
  EXPECT_EQ(run(*o, "bump"), 7);
  EXPECT_EQ(run(*o, "last_entry"), 70);
  EXPECT_EQ(run(*o, "first_free_page"), 2);  // the globals take pages 0 and 1
}

TEST_P(ArenaGlobals, FourGiBArenaReachesItsFirstPage) {
  auto o = BpfObject::open(test::obj("api/progs/arena_globals_4g.v4.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.engine = GetParam();
  lo.map_memory = lo.object_map_memory = uint64_t{8} << 30;
  auto s = o->load(lo);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(run(*o, "read_first"), 42);
  EXPECT_EQ(run(*o, "read_first"), 43);
}

// Loads in the 32 KiB below the first page and above the last read zero
// (the kernel's guard); a byte further is outside the program's memory.
TEST_P(ArenaGlobals, GuardsReadZeroAndEndThere) {
  auto o = BpfObject::open(test::obj("api/progs/arena_guard.v4.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto s = o->load({.engine = GetParam()});
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(run(*o, "guard_edges"), 7);
  for (const char* prog : {"below_guard", "above_guard"}) {
    auto r = o->program(prog)->test_run({});
    ASSERT_FALSE(r) << prog << " returned " << r->retval;
    EXPECT_EQ(r.error().code, ErrorCode::ExecOutOfBounds) << prog << ": " << r.error().to_string();
  }
}

INSTANTIATE_TEST_SUITE_P(Api, ArenaGlobals, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
