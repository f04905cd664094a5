// SPDX-License-Identifier: Apache-2.0
// bpf_fastcall: which spill/fill pairs around a call the verifier removes
// (verifier/fastcall.hpp). Each case lists the slots whose instructions the
// engines leave out and, per call slot, the registers the call keeps.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "verifier_test_util.hpp"

namespace decade::test {
namespace {

struct FastcallCase {
  const char* name;
  const char* text;
  std::set<uint32_t> dropped;          // slots left out
  std::map<uint32_t, uint8_t> keep;    // call slot -> registers kept (bit i for ri)
  bool fastcall = true;                // VerifyOptions::fastcall
};

std::ostream& operator<<(std::ostream& os, const FastcallCase& c) { return os << c.name; }

// r1..r5 = 1..5 spilled as clang-22 does around bpf_get_smp_processor_id
// (call 8): the nearest spill at the lowest offset. Call at slot 10.
#define FIVE_SET "r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = 5\n"
#define FIVE_SPILL                                                                                         \
  "*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r2\n*(u64 *)(r10 - 24) = r3\n*(u64 *)(r10 - 32) = r4\n" \
  "*(u64 *)(r10 - 40) = r5\n"
#define FIVE_FILL                                                                                          \
  "r5 = *(u64 *)(r10 - 40)\nr4 = *(u64 *)(r10 - 32)\nr3 = *(u64 *)(r10 - 24)\nr2 = *(u64 *)(r10 - 16)\n" \
  "r1 = *(u64 *)(r10 - 8)\n"
// One pair around call 8 with r1 at fp-8: slots 1, 2 (call), 3.
#define ONE "r1 = 1\n*(u64 *)(r10 - 8) = r1\ncall 8\nr1 = *(u64 *)(r10 - 8)\n"

const FastcallCase kCases[] = {
    {"five_pairs", FIVE_SET FIVE_SPILL "call 8\n" FIVE_FILL "r0 = r1\nr0 += r5\nexit\n",
     {5, 6, 7, 8, 9, 11, 12, 13, 14, 15}, {{10, 0x3e}}},
    {"one_pair", ONE "r0 = r1\nexit\n", {1, 3}, {{2, 0x02}}},
    {"disabled_by_option", ONE "r0 = r1\nexit\n", {}, {}, false},
    {"fill_into_other_register", "r1 = 1\n*(u64 *)(r10 - 8) = r1\ncall 8\nr2 = *(u64 *)(r10 - 8)\nr0 = r2\nexit\n", {}, {}},
    {"callee_saved_register", "r6 = 1\n*(u64 *)(r10 - 8) = r6\ncall 8\nr6 = *(u64 *)(r10 - 8)\nr0 = r6\nexit\n", {}, {}},
    // bpf_get_smp_processor_id returns a value: r0 is the call's.
    {"r0_is_clobbered", "r0 = 1\n*(u64 *)(r10 - 8) = r0\ncall 8\nr0 = *(u64 *)(r10 - 8)\nexit\n", {}, {}},
    {"narrow_spill", "r1 = 1\n*(u32 *)(r10 - 8) = r1\ncall 8\nr1 = *(u32 *)(r10 - 8)\nr0 = r1\nexit\n", {}, {}},
    {"not_after_call", "r1 = 1\n*(u64 *)(r10 - 8) = r1\ncall 8\nr2 = 1\nr1 = *(u64 *)(r10 - 8)\nr0 = r1\nexit\n", {}, {}},
    // The nearest spill must be at the function's lowest 64-bit spill offset.
    {"not_lowest_offset",
     "r1 = 1\n*(u64 *)(r10 - 8) = r1\ncall 8\nr1 = *(u64 *)(r10 - 8)\n*(u64 *)(r10 - 16) = r1\nr0 = 0\nexit\n", {}, {}},
    // The kernel's min_stack_offset: only the second call's pairs sit at the lowest offsets.
    {"second_call_only",
     "r1 = 1\nr2 = 2\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r2\ncall 8\nr2 = *(u64 *)(r10 - 16)\n"
     "r1 = *(u64 *)(r10 - 8)\n*(u64 *)(r10 - 24) = r1\n*(u64 *)(r10 - 32) = r2\ncall 8\nr2 = *(u64 *)(r10 - 32)\n"
     "r1 = *(u64 *)(r10 - 24)\nr0 = r1\nexit\n",
     {7, 8, 10, 11}, {{9, 0x06}}},
    // Only the nearest pairs that match form the pattern.
    {"partial_pattern",
     "r1 = 1\nr2 = 2\n*(u32 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r2\ncall 8\nr2 = *(u64 *)(r10 - 16)\n"
     "r1 = *(u32 *)(r10 - 8)\nr0 = r2\nexit\n",
     {3, 5}, {{4, 0x04}}},
    // Any other access to a pattern slot keeps every pattern of the function.
    {"slot_read_elsewhere", ONE "r2 = r10\nr2 += -8\nr0 = *(u64 *)(r2 + 0)\nexit\n", {}, {}},
    {"slot_written_elsewhere", ONE "r2 = r10\nr2 += -8\n*(u64 *)(r2 + 0) = r1\nr0 = 0\nexit\n", {}, {}},
    {"slot_read_variable_offset",
     "r6 = *(u32 *)(r1 + 12)\nr6 &= 7\nr6 += 1\nr7 = 0\nr7 -= r6\n" ONE "r1 = r10\nr1 += r7\nr0 = *(u8 *)(r1 + 0)\nexit\n",
     {}, {}},
    {"slot_written_by_helper", ONE "r1 = r10\nr1 += -8\nr2 = 8\ncall 16\nr0 = 0\nexit\n", {}, {}},
    {"slot_written_by_callee", ONE "r1 = r10\nr1 += -8\ncall f\nr0 = 0\nexit\nf:\nr0 = 1\n*(u64 *)(r1 + 0) = r0\nexit\n",
     {}, {}},
    // A slot above the pattern area is free to use.
    {"other_slot_ok", "r1 = 1\n*(u64 *)(r10 - 16) = r1\ncall 8\nr1 = *(u64 *)(r10 - 16)\nr2 = 3\n*(u32 *)(r10 - 4) = r2\n"
                      "r0 = *(u32 *)(r10 - 4)\nexit\n",
     {1, 3}, {{2, 0x02}}},
    // Functions are judged apart: the callee's pattern goes, the caller's
    // (its slot read through a pointer) stays.
    {"per_function",
     ONE "r1 = r10\nr1 += -8\nr0 = *(u64 *)(r1 + 0)\ncall f\nexit\nf:\nr1 = 1\n*(u64 *)(r10 - 8) = r1\ncall 8\n"
         "r1 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n",
     {10, 12}, {{11, 0x02}}},
    // A jump into the pattern would reach a fill without its spill.
    {"jump_to_fill",
     "r1 = 1\nr6 = 0\n*(u64 *)(r10 - 8) = r1\ncall 8\nl: r1 = *(u64 *)(r10 - 8)\nr6 += 1\nif r6 < 3 goto l\nr0 = r1\nexit\n",
     {}, {}},
    // ...but the outermost spill may be a target: the whole pattern follows it.
    {"jump_to_first_spill", "r1 = 1\nr2 = 2\nif r2 > 1 goto l\nr2 = 3\nl: *(u64 *)(r10 - 8) = r1\ncall 8\nr1 = *(u64 *)(r10 - 8)\nr0 = r1\nexit\n",
     {4, 6}, {{5, 0x02}}},
    // A pattern around a helper that is not fastcall is verified and kept,
    // and does not stop the fastcall one (the kernel's helper_call_does_not_prevent_bpf_fastcall).
    {"other_helper_pattern_kept", ONE "*(u64 *)(r10 - 8) = r1\ncall 5\nr1 = *(u64 *)(r10 - 8)\nr0 = r1\nexit\n",
     {1, 3}, {{2, 0x02}}},
};

class Fastcall : public ::testing::TestWithParam<FastcallCase> {};

TEST_P(Fastcall, Recognised) {
  const FastcallCase& c = GetParam();
  VerifierEnv env;
  VerifyOptions opts;
  opts.fastcall = c.fastcall;
  auto r = env.verify_text(c.text, "xdp", opts);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  const VerifiedProgram& vp = *r->program;
  std::set<uint32_t> dropped;
  std::map<uint32_t, uint8_t> keep;
  for (size_t i = 0; i < vp.facts().size(); ++i) {
    const uint32_t pc = vp.program().insns[i].pc;
    if (vp.facts()[i].fastcall_dropped) dropped.insert(pc);
    if (vp.facts()[i].fastcall_keep) keep[pc] = vp.facts()[i].fastcall_keep;
  }
  EXPECT_EQ(dropped, c.dropped);
  EXPECT_EQ(keep, c.keep);
}

INSTANTIATE_TEST_SUITE_P(Cases, Fastcall, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<FastcallCase>& i) { return std::string(i.param.name); });

// A fastcall kfunc changes r0 and its argument registers: r1 (its argument)
// cannot be in the pattern, r2 can.
TEST(FastcallKfunc, ArgumentRegistersAreClobbered) {
  VerifierEnv env;
  auto p = env.assemble_program(
      "r1 = 7\nr2 = 9\n*(u64 *)(r10 - 16) = r2\n*(u64 *)(r10 - 8) = r1\ncall_kfunc 0, 0\nr1 = *(u64 *)(r10 - 8)\n"
      "r2 = *(u64 *)(r10 - 16)\nr0 = r2\nexit\n");
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  // Reordered so that r2 is nearest: only it can pair.
  auto q = env.assemble_program(
      "r1 = 7\nr2 = 9\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r2\ncall_kfunc 0, 0\nr2 = *(u64 *)(r10 - 16)\n"
      "r1 = *(u64 *)(r10 - 8)\nr0 = r2\nexit\n");
  ASSERT_TRUE(q.has_value()) << q.error().to_string();
  const FuncProto* popcount = env.platform().kfunc("decade_popcount64");
  ASSERT_NE(popcount, nullptr);
  ASSERT_TRUE(popcount->flags & kHelperFastcall);
  EXPECT_EQ(popcount->fastcall_clobbers, 0x03);
  auto run = [&](const Program& prog) {
    VerifyInput in;
    in.program = &prog;
    in.platform = &env.platform();
    in.type = env.platform().program_type("xdp");
    in.kfuncs = {popcount};
    auto r = verify(in);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    std::set<uint32_t> dropped;
    if (r)
      for (size_t i = 0; i < r->program->facts().size(); ++i)
        if (r->program->facts()[i].fastcall_dropped) dropped.insert(r->program->program().insns[i].pc);
    return dropped;
  };
  EXPECT_EQ(run(*p), (std::set<uint32_t>{}));  // the nearest spill is r1: no pattern at all
  EXPECT_EQ(run(*q), (std::set<uint32_t>{3, 5}));
}

// The kernel's cumulative_stack_depth: the main function uses all 512
// bytes and calls one whose only stack is a removable pattern's slot. The
// engines drop that spill and fill, so the slot does not count in the call
// chain's stack; kept as written (VerifyOptions::fastcall false) it does.
TEST(FastcallStack, RemovedSlotsLeaveTheCallChain) {
  VerifierEnv env;
  auto p = env.assemble_program(
      "r1 = 42\n*(u64 *)(r10 - 512) = r1\ncall f\nr0 = 0\nexit\n"
      "f:\n*(u64 *)(r10 - 8) = r1\ncall 8\nr1 = *(u64 *)(r10 - 8)\nexit\n");
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  auto dropped = env.verify_program(*p, "xdp", {});
  EXPECT_TRUE(dropped.has_value()) << dropped.error().to_string();
  VerifyOptions kept;
  kept.fastcall = false;
  auto r = env.verify_program(*p, "xdp", kept);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierStackLimit) << r.error().to_string();
  // A pattern slot the function also reaches otherwise keeps the pattern and counts.
  auto q = env.assemble_program(
      "r1 = 42\n*(u64 *)(r10 - 512) = r1\ncall f\nr0 = 0\nexit\n"
      "f:\n*(u64 *)(r10 - 8) = r1\ncall 8\nr1 = *(u64 *)(r10 - 8)\n*(u64 *)(r10 - 8) = r1\nexit\n");
  ASSERT_TRUE(q.has_value()) << q.error().to_string();
  auto k = env.verify_program(*q, "xdp", {});
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().code, ErrorCode::VerifierStackLimit) << k.error().to_string();
}

}  // namespace
}  // namespace decade::test
