// SPDX-License-Identifier: Apache-2.0
// The stack size a host sets (VerifyOptions::max_stack) and the divided
// stack (VerifyOptions::divided_stack, the divstack extension): the limit
// bounds each frame and, unless divided, every call chain together; the
// default is the kernel's 512 (docs/isa-extensions.md, "stack").
#include <gtest/gtest.h>

#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

struct StackCase {
  const char* name;
  const char* text;
  uint32_t max_stack;  // 0: the default
  bool divided;
  ErrorCode code;
  int64_t insn = -1;
};

std::ostream& operator<<(std::ostream& os, const StackCase& c) { return os << c.name; }

// f uses 1024 bytes below its r10, as does the main program before calling it.
#define CHAIN_2x1024                                                            \
  "r2 = 0\n*(u64 *)(r10 - 1024) = r2\ncall f\nexit\n"                           \
  "f: r2 = 0\n*(u64 *)(r10 - 1024) = r2\nr0 = 0\nexit\n"

// Eight frames of 1024 bytes each: main, f1..f7.
#define DEPTH_8x1024                                                                                  \
  "r2 = 0\n*(u64 *)(r10 - 1024) = r2\ncall f1\nexit\n"                                                \
  "f1: *(u64 *)(r10 - 1024) = r2\ncall f2\nexit\nf2: *(u64 *)(r10 - 1024) = r2\ncall f3\nexit\n"       \
  "f3: *(u64 *)(r10 - 1024) = r2\ncall f4\nexit\nf4: *(u64 *)(r10 - 1024) = r2\ncall f5\nexit\n"       \
  "f5: *(u64 *)(r10 - 1024) = r2\ncall f6\nexit\nf6: *(u64 *)(r10 - 1024) = r2\ncall f7\nexit\n"

// bpf_xdp_load_bytes(ctx, 0, fp-1536, 1024): a helper writing 1024 stack bytes.
#define XDP_LOAD_1024_AT_1536 "r2 = 0\nr3 = r10\nr3 += -1536\nr4 = 1024\ncall 189\n"

const StackCase kCases[] = {
    // The kernel's rule by default: one frame of 1024 bytes is refused.
    {"frame_1024_default", "r2 = 0\n*(u64 *)(r10 - 1024) = r2\nr0 = 0\nexit\n", 0, false, E::VerifierOutOfBounds, 1},
    {"frame_1024_raised", "r2 = 0\n*(u64 *)(r10 - 1024) = r2\nr0 = *(u64 *)(r10 - 1024)\nexit\n", 2048, false, E::Ok},
    {"frame_at_raised_limit", "r2 = 0\n*(u64 *)(r10 - 2048) = r2\nr0 = 0\nexit\n", 2048, false, E::Ok},
    {"frame_past_raised_limit", "r2 = 0\n*(u64 *)(r10 - 2056) = r2\nr0 = 0\nexit\n", 2048, false, E::VerifierOutOfBounds, 1},
    // A helper's memory argument is bounded by the raised size too.
    {"helper_buffer_in_raised_frame", XDP_LOAD_1024_AT_1536 "r0 = *(u64 *)(r10 - 1536)\nexit\n", 2048, false, E::Ok},
    {"helper_buffer_past_raised_frame", XDP_LOAD_1024_AT_1536 "r0 = 0\nexit\n", 1024, false, E::VerifierOutOfBounds, 4},
    // The chain's frames add up against the same size...
    {"chain_over_raised_size", CHAIN_2x1024, 1536, false, E::VerifierStackLimit, 2},
    {"chain_fits_raised_size", CHAIN_2x1024, 2048, false, E::Ok},
    // ...unless the stack is divided: each frame alone, eight frames deep.
    {"chain_divided", CHAIN_2x1024, 1024, true, E::Ok},
    {"chain_divided_default_size", "r2 = 0\n*(u64 *)(r10 - 512) = r2\ncall f\nexit\n"
                                   "f: r2 = 0\n*(u64 *)(r10 - 512) = r2\nr0 = 0\nexit\n", 0, true, E::Ok},
    {"divided_frame_still_bounded", CHAIN_2x1024, 512, true, E::VerifierOutOfBounds, 1},
    {"divided_callee_frame_bounded",
     "call f\nexit\nf: r2 = 0\n*(u64 *)(r10 - 1032) = r2\nr0 = 0\nexit\n", 1024, true, E::VerifierOutOfBounds, 3},
    {"divided_eight_frames", DEPTH_8x1024 "f7: *(u64 *)(r10 - 1024) = r2\nr0 = 0\nexit\n", 1024, true, E::Ok},
    {"divided_nine_frames", DEPTH_8x1024 "f7: call f8\nexit\nf8: r0 = 0\nexit\n", 1024, true, E::VerifierCallDepth, 22},
    // Slots past the first 512 bytes are compared exactly when pruning:
    // the two paths store different offsets there and join before the
    // load; the second must not be pruned by the first (its offset puts
    // the store above r10).
    {"deep_slot_not_pruned",
     "call 7\nif r0 > 5 goto a\nr2 = -16\n*(u64 *)(r10 - 1024) = r2\ngoto j\na: r2 = 16\n*(u64 *)(r10 - 1024) = r2\n"
     "j: r3 = *(u64 *)(r10 - 1024)\nr4 = r10\nr4 += -8\nr4 += r3\nr5 = 0\n*(u64 *)(r4 + 0) = r5\nr0 = 0\nexit\n",
     2048, false, E::VerifierOutOfBounds, 12},
};

class StackCases : public ::testing::TestWithParam<StackCase> {};

TEST_P(StackCases, Verdict) {
  const StackCase& c = GetParam();
  run_stack_case(c.name, c.text, c.max_stack, c.divided, c.code, c.insn);
}

INSTANTIATE_TEST_SUITE_P(Stack, StackCases, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<StackCase>& i) { return std::string(i.param.name); });

// Sizes outside [512, 65536] or not a multiple of 8 are the host's mistake.
TEST(StackSize, OutOfRangeSizesAreInvalidArguments) {
  VerifierEnv env;
  auto p = env.assemble_program("r0 = 0\nexit\n");
  ASSERT_TRUE(p.has_value());
  for (const uint32_t size : {256u, 516u, 65544u, 1u << 20}) {
    VerifyOptions o;
    o.max_stack = size;
    auto r = env.verify_program(*p, "xdp", o);
    ASSERT_FALSE(r.has_value()) << size;
    EXPECT_EQ(r.error().code, E::InvalidArgument) << size;
  }
}

// The engines' frame: 512 unless a function uses more, then the next power of two.
TEST(StackSize, FrameSizeFollowsTheDeepestFunction) {
  VerifierEnv env;
  const std::pair<const char*, uint32_t> progs[] = {
      {"r2 = 0\n*(u64 *)(r10 - 8) = r2\nr0 = 0\nexit\n", 512},
      {"r2 = 0\n*(u64 *)(r10 - 520) = r2\nr0 = 0\nexit\n", 1024},
      {CHAIN_2x1024, 1024},
      {"call f\nexit\nf: r2 = 0\n*(u64 *)(r10 - 3000) = r2\nr0 = 0\nexit\n", 4096},
  };
  for (const auto& [text, want] : progs) {
    auto p = env.assemble_program(text);
    ASSERT_TRUE(p.has_value());
    VerifyOptions o;
    o.max_stack = 4096;
    auto r = env.verify_program(*p, "xdp", o);
    ASSERT_TRUE(r.has_value()) << text << r.error().to_string();
    EXPECT_EQ(r->program->frame_size(), want) << text;
  }
}

}  // namespace
}  // namespace decade::test
