// SPDX-License-Identifier: Apache-2.0
// The alloca extension (docs/isa-extensions.md, "alloca"): `dst = alloca
// src` takes round_up(umax(src), 8) bytes from the bottom of the frame; the
// size must be a number bounded to fit the frame's remaining room, the
// pointer reaches [p, p + umax(src)) only, the area starts uninitialised,
// each alloca has one placement on every path, and fixed accesses stay
// above the allocation area.
#include <gtest/gtest.h>

#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

struct AllocaCase {
  const char* name;
  const char* text;
  ErrorCode code;
  int64_t insn = -1;
  uint32_t max_stack = 0;  // 0: the default
  bool divided = false;
};

std::ostream& operator<<(std::ostream& os, const AllocaCase& c) { return os << c.name; }

// r0 = a number in [1, 64] (bpf_get_prandom_u32 masked), then r0 = its area.
#define ALLOC_1_TO_64 "call 7\nr1 = r0\nr1 &= 63\nr1 += 1\nr0 = alloca r1\n"
// r1 = the context (xdp) saved in r6; r0 = a 32-byte area (insns 0-2).
#define CTX_AND_32 "r6 = r1\nr1 = 32\nr0 = alloca r1\n"

const AllocaCase kCases[] = {
    {"constant_size", "r1 = 64\nr0 = alloca r1\nr2 = 7\n*(u64 *)(r0 + 56) = r2\nr0 = *(u64 *)(r0 + 56)\nexit\n", E::Ok},
    {"bounded_size_last_byte", ALLOC_1_TO_64 "r2 = 0\n*(u64 *)(r0 + 56) = r2\nr0 = 0\nexit\n", E::Ok},
    {"bounded_size_past_bound", ALLOC_1_TO_64 "r2 = 0\n*(u64 *)(r0 + 64) = r2\nr0 = 0\nexit\n", E::VerifierAllocaBounds, 6},
    // Below a second area lies the first: not reachable through the second's pointer.
    {"below_the_area", "r1 = 8\nr0 = alloca r1\nr1 = 8\nr0 = alloca r1\nr2 = 0\n*(u64 *)(r0 - 8) = r2\nr0 = 0\nexit\n",
     E::VerifierAllocaBounds, 5},
    // The accessible range is umax exactly, not the 8-byte rounded reservation.
    {"past_unrounded_bound", "r1 = 12\nr0 = alloca r1\nr2 = 0\n*(u32 *)(r0 + 8) = r2\n*(u32 *)(r0 + 12) = r2\nexit\n",
     E::VerifierAllocaBounds, 4},
    {"unbounded_size", "call 7\nr1 = r0\nr0 = alloca r1\nr0 = 0\nexit\n", E::VerifierAllocaSize, 2},
    {"pointer_size", "r1 = r10\nr0 = alloca r1\nr0 = 0\nexit\n", E::VerifierAllocaSize, 1},
    {"zero_size", "r1 = 0\nr0 = alloca r1\nr0 = 0\nexit\n", E::VerifierAllocaSize, 1},
    {"into_the_frame_pointer", "r1 = 8\nr10 = alloca r1\nr0 = 0\nexit\n", E::VerifierReadOnly, 1},
    {"uninitialised_size", "r0 = alloca r3\nr0 = 0\nexit\n", E::VerifierUninitRegister, 0},
    // 512 bytes, 8 of them the function's own: 504 fit, 505 do not.
    {"fills_the_frame", "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr1 = 504\nr0 = alloca r1\nr0 = 0\nexit\n", E::Ok},
    {"over_the_frame", "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr1 = 505\nr0 = alloca r1\nr0 = 0\nexit\n", E::VerifierAllocaSize, 3},
    {"second_over_the_frame", "r1 = 256\nr0 = alloca r1\nr1 = 257\nr0 = alloca r1\nr0 = 0\nexit\n", E::VerifierAllocaSize, 3},
    {"raised_stack_size", "r1 = 2048\nr0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 2040) = r2\nr0 = 0\nexit\n", E::Ok, -1, 4096},
    // The area starts uninitialised, byte by byte like any stack.
    {"read_before_write", "r1 = 16\nr0 = alloca r1\nr0 = *(u64 *)(r0 + 0)\nexit\n", E::VerifierUninitStack, 2},
    {"read_other_half", "r1 = 16\nr0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 0) = r2\nr0 = *(u64 *)(r0 + 8)\nexit\n",
     E::VerifierUninitStack, 4},
    // Two areas do not overlap: each keeps its own value.
    {"two_areas",
     "r1 = 16\nr0 = alloca r1\nr6 = r0\nr1 = 16\nr0 = alloca r1\nr2 = 1\n*(u64 *)(r6 + 8) = r2\nr2 = 2\n"
     "*(u64 *)(r0 + 8) = r2\nr0 = *(u64 *)(r6 + 8)\nif r0 != 1 goto bad\nr0 = 0\nexit\nbad: r0 = *(u64 *)(r2 + 0)\nexit\n",
     E::Ok},
    // A variable index bounded below the size's bound, and one that is not.
    {"variable_index", ALLOC_1_TO_64 "r6 = r0\ncall 7\nr0 &= 7\nr0 <<= 3\nr6 += r0\nr2 = 0\n*(u64 *)(r6 + 0) = r2\nr0 = 0\nexit\n",
     E::Ok},
    {"variable_index_past", ALLOC_1_TO_64 "r6 = r0\ncall 7\nr0 &= 15\nr0 <<= 3\nr6 += r0\nr2 = 0\n*(u64 *)(r6 + 0) = r2\nr0 = 0\nexit\n",
     E::VerifierAllocaBounds, 11},
    // A spilled and filled pointer keeps its area.
    {"spilled_pointer_keeps_bound",
     "r1 = 16\nr0 = alloca r1\n*(u64 *)(r10 - 8) = r0\nr2 = *(u64 *)(r10 - 8)\nr3 = 0\n*(u64 *)(r2 + 16) = r3\nr0 = 0\nexit\n",
     E::VerifierAllocaBounds, 5},
    // Helper memory: inside the area, and one byte past it.
    {"helper_buffer", CTX_AND_32 "r3 = r0\nr1 = r6\nr2 = 0\nr4 = 32\ncall 189\nr0 = 0\nexit\n", E::Ok},
    {"helper_buffer_past", CTX_AND_32 "r3 = r0\nr1 = r6\nr2 = 0\nr4 = 33\ncall 189\nr0 = 0\nexit\n", E::VerifierAllocaBounds, 7},
    // One placement per alloca: not in a loop, not after different areas on different paths.
    {"in_a_loop", "r6 = 0\nl: r1 = 8\nr0 = alloca r1\nr6 += 1\nif r6 < 3 goto l\nr0 = 0\nexit\n", E::VerifierAllocaPlacement, 2},
    {"paths_disagree", "call 7\nif r0 > 5 goto a\nr1 = 8\nr0 = alloca r1\na: r1 = 16\nr0 = alloca r1\nr0 = 0\nexit\n",
     E::VerifierAllocaPlacement, 5},
    // Paths may bound the size differently: the placement is the same.
    {"sizes_differ_by_path", "call 7\nif r0 > 5 goto a\nr1 = 8\ngoto b\na: r1 = 32\nb: r0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 0) = r2\nr0 = 0\nexit\n",
     E::Ok},
    {"smaller_path_bounds_access",
     "call 7\nif r0 > 5 goto a\nr1 = 8\ngoto b\na: r1 = 32\nb: r0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 24) = r2\nr0 = 0\nexit\n",
     E::VerifierAllocaBounds, 7},
    // A fixed access (through r10) below the function's own bytes would reach the area.
    {"fixed_access_into_area",
     "r1 = 8\nr0 = alloca r1\nr2 = r10\nr2 += -8\nr2 += -496\nr3 = 0\n*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit\n",
     E::VerifierAllocaPlacement, 6},
    // The area goes with its frame; the call chain counts a function's own
    // bytes and its allocations, not the frame's bottom where they sit.
    {"chain_counts_allocations",
     "r1 = 64\nr0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 0) = r2\ncall f\nr0 = 0\nexit\n"
     "f: r2 = 0\n*(u64 *)(r10 - 64) = r2\nr0 = 0\nexit\n", E::Ok},
    {"chain_over_with_allocations",
     "r1 = 504\nr0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 0) = r2\ncall f\nr0 = 0\nexit\n"
     "f: r1 = 504\nr0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 0) = r2\nr0 = 0\nexit\n", E::VerifierStackLimit, 4},
    {"divided_frames_allocate_alone",
     "r1 = 504\nr0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 0) = r2\ncall f\nr0 = 0\nexit\n"
     "f: r1 = 504\nr0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 0) = r2\nr0 = 0\nexit\n", E::Ok, -1, 0, true},
    // A callee may use its caller's area through the pointer, within bounds.
    {"callee_writes_callers_area",
     "r1 = 16\nr0 = alloca r1\nr6 = r0\nr1 = r0\ncall f\nr0 = *(u64 *)(r6 + 8)\nexit\n"
     "f: r2 = 3\n*(u64 *)(r1 + 8) = r2\nr0 = 0\nexit\n", E::Ok},
    {"callee_past_callers_area",
     "r1 = 16\nr0 = alloca r1\nr1 = r0\ncall f\nr0 = 0\nexit\n"
     "f: r2 = 3\n*(u64 *)(r1 + 16) = r2\nr0 = 0\nexit\n", E::VerifierAllocaBounds, 7},
};

class AllocaCases : public ::testing::TestWithParam<AllocaCase> {};

TEST_P(AllocaCases, Verdict) {
  const AllocaCase& c = GetParam();
  run_stack_case(c.name, c.text, c.max_stack, c.divided, c.code, c.insn);
}

INSTANTIATE_TEST_SUITE_P(Alloca, AllocaCases, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<AllocaCase>& i) { return std::string(i.param.name); });

// The placements the engines get: from the frame's bottom upwards, each
// area 8-byte aligned; the frame the engines give covers the deepest area.
TEST(AllocaFacts, AreasArePlacedFromTheFrameBottom) {
  VerifierEnv env;
  auto p = env.assemble_program(
      "r1 = 12\nr0 = alloca r1\nr2 = 0\n*(u64 *)(r0 + 0) = r2\nr1 = 16\nr0 = alloca r1\n*(u64 *)(r0 + 0) = r2\n"
      "r0 = 0\nexit\n");
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  VerifyOptions o;
  o.max_stack = 1024;
  auto r = env.verify_program(*p, "xdp", o);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  const auto& facts = r->program->facts();
  EXPECT_EQ(facts[1].alloca_offset, 1024);
  EXPECT_EQ(facts[5].alloca_offset, 1024 - 16);
  EXPECT_EQ(facts[0].alloca_offset, -1);
  EXPECT_EQ(r->program->frame_size(), 1024u);
}

}  // namespace
}  // namespace decade::test
