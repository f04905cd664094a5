// SPDX-License-Identifier: Apache-2.0
// Jump tables (clang-22 switches compiled to gotox) and calls through
// function pointers (clang-19 callx), loaded, verified and run under every
// engine for a range of inputs, against the same computation in C++.
#include <gtest/gtest.h>

#include "api_test_util.hpp"

namespace decade {
namespace {

using test::obj;

uint64_t pick_ref(uint64_t x, uint64_t y) {
  switch (x) {
    case 0: return y * 3;
    case 1: return y ^ 0x55;
    case 2: return y + 1000;
    case 3: return y << 4;
    case 4: return y / 3;
    case 5: return y - 9;
    default: return 7;
  }
}

uint64_t main_ref(uint64_t v) {
  uint64_t r = 0;
  switch (v & 7) {
    case 0: r = v * 7; break;
    case 1: r = v + 201; break;
    case 2: r = v ^ 302; break;
    case 3: r = v >> 1; break;
    case 4: r = v * v; break;
    case 5: r = v - 5; break;
    case 6: r = v | 0x1000; break;
    default: r = 807;
  }
  return static_cast<uint32_t>(r + pick_ref(v >> 1, v));
}

uint64_t second_ref(uint64_t n) { return static_cast<uint32_t>(pick_ref(n % 8, 100 + n)); }
uint64_t global_ref(uint64_t n) {
  const int x = static_cast<int>(n % 7), y = static_cast<int>(n);
  const int r = x == 0 ? y + 40 : x == 1 ? y * 17 : x == 2 ? y ^ 77 : x == 3 ? y << 5 : x == 4 ? 3 - y : -1;
  return static_cast<uint32_t>(r);
}
uint64_t branch_ref(uint64_t n) { return static_cast<uint32_t>(n & 1 ? n + 10 : n & 2 ? n * 10 : n ^ 10); }
uint64_t spill_ref(uint64_t n) { return static_cast<uint32_t>(n * 3 + (n & 1 ? 2 : 1)); }

class Indirect : public ::testing::TestWithParam<std::string> {
 protected:
  // Runs `prog` of `file` on raw memory of 0..max bytes; r2 is the length.
  void check(const char* file, const char* prog, uint64_t (*ref)(uint64_t), size_t max) {
    auto o = BpfObject::open(obj(file));
    ASSERT_TRUE(o) << o.error().to_string();
    LoadOptions lo;
    lo.engine = GetParam();
    auto st = o->load(lo);
    ASSERT_TRUE(st) << st.error().to_string();
    auto p = o->program(prog);
    ASSERT_TRUE(p) << p.error().to_string();
    EXPECT_EQ(p->engine(), GetParam());
    std::vector<uint8_t> mem(max);
    for (size_t n = 0; n <= max; ++n) {
      auto r = p->test_run({.data = std::span<const uint8_t>(mem.data(), n)});
      ASSERT_TRUE(r) << prog << " n=" << n << ": " << r.error().to_string();
      EXPECT_EQ(r->retval, ref(n)) << prog << " n=" << n;
    }
  }
};

TEST_P(Indirect, SwitchJumpTableInMain) { check("loader/progs/switch_jt.jt.c22.bpf.o", "jt_main", main_ref, 40); }
TEST_P(Indirect, SwitchJumpTableInSharedSubprogram) {
  check("loader/progs/switch_jt.jt.c22.bpf.o", "jt_second", second_ref, 20);
}
TEST_P(Indirect, SwitchJumpTableInGlobalFunction) {
  check("loader/progs/switch_jt.jt.c22.bpf.o", "jt_global", global_ref, 20);
}
TEST_P(Indirect, CallxBranchChosen) { check("loader/progs/func_ptr.bpf.o", "fp_branch", branch_ref, 20); }
TEST_P(Indirect, CallxThroughStack) { check("loader/progs/func_ptr.bpf.o", "fp_spill", spill_ref, 20); }

INSTANTIATE_TEST_SUITE_P(Api, Indirect, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
