// SPDX-License-Identifier: Apache-2.0
// With guard_pages() on (the fuzzers and the soundness slices turn it on),
// the interpreter's run state ends at a PROT_NONE page: the top of the
// outermost frame (r10) is the first byte of that page, so an access above
// r10 that escaped the verifier faults instead of reading the heap.
#include <fstream>
#include <sstream>

#include "interp_test_util.hpp"
#include "runtime/guarded_memory.hpp"

namespace decade::test {
namespace {

uint64_t seen_r10 = 0;
std::string seen_perms;

// The permissions of the mapping that holds `addr`, from /proc/self/maps.
std::string perms_at(uint64_t addr) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    const auto dash = range.find('-');
    const uint64_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const uint64_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (addr >= lo && addr < hi) return perms;
  }
  return "unmapped";
}

// Called by the program with its r10 while the run is live.
uint64_t inspect_frame_top(uint64_t r10, uint64_t, uint64_t, uint64_t, uint64_t) {
  seen_r10 = r10;
  seen_perms = perms_at(r10);
  return 0;
}

uint64_t frame_top_of_a_run() {
  Platform p;
  FuncProto f;
  f.name = "inspect_frame_top";
  f.id = 1001;
  f.fn = inspect_frame_top;
  f.args = {ArgKind::Scalar};
  EXPECT_TRUE(p.add_helper(f).has_value());
  ProgramEnv env;
  env.platform = &p;
  seen_r10 = 0;
  seen_perms.clear();
  EXPECT_EQ(value("mov %r1, %r10\ncall 1001\nmov %r0, 0\nexit", nullptr, env), 0u);
  return seen_r10;
}

TEST(InterpGuardPages, FrameTopIsAGuardPageWhenAsked) {
  set_guard_pages(true);
  const uint64_t top = frame_top_of_a_run();
  set_guard_pages(false);
  EXPECT_EQ(top % 4096, 0u);
  EXPECT_EQ(seen_perms.substr(0, 3), "---") << "mapping at r10: " << seen_perms;
}

TEST(InterpGuardPages, OffByDefault) {
  ASSERT_FALSE(guard_pages());
  frame_top_of_a_run();
  EXPECT_EQ(seen_perms.substr(0, 2), "rw") << "mapping at r10: " << seen_perms;
}

}  // namespace
}  // namespace decade::test
