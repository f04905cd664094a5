// SPDX-License-Identifier: Apache-2.0
// Result forwarding (src/interp/forward.cpp): which reads take the previous
// result from `last`, where the mirror is lost (joins that disagree,
// function entries, calls, fetching atomics, gotox), and random programs
// with loops, calls and atomics that give the same result, stores and
// errors through the verified translation (forwarded and fused) as through
// the checked one.
#include <random>
#include <string>

#include "interp/threaded.hpp"
#include "interp_test_util.hpp"

namespace decade::test {
namespace {

using interp::detail::kFwdD;
using interp::detail::kFwdS;
using interp::detail::Kind;
using interp::detail::TProgram;

std::unique_ptr<TProgram> verified_form(std::string_view text) {
  auto tp = interp::detail::translate(program(text), {}, false, {});
  EXPECT_TRUE(tp.has_value()) << (tp ? "" : tp.error().to_string());
  return tp ? std::move(*tp) : nullptr;
}

Result<uint64_t> run_form(const TProgram& tp, std::vector<uint8_t>& mem) { return run_translated(tp, mem); }

uint8_t fwd_flags(const TProgram& tp, size_t i) { return tp.code[i].flags & (kFwdD | kFwdS); }

struct ForwardCase {
  const char* name;
  const char* text;
  size_t index;   // code index of the instruction under test
  uint8_t flags;  // kFwdD / kFwdS expected there
  uint64_t expect;
};

class Forwarded : public ::testing::TestWithParam<ForwardCase> {};

TEST_P(Forwarded, MarksTheReadAndKeepsTheResult) {
  const ForwardCase& c = GetParam();
  auto tp = verified_form(c.text);
  ASSERT_TRUE(tp);
  EXPECT_EQ(fwd_flags(*tp, c.index), c.flags);
  std::vector<uint8_t> mem(16);
  auto r = run_form(*tp, mem);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(*r, c.expect);
  std::vector<uint8_t> mem2(16);
  EXPECT_EQ(run(c.text, &mem2).value_or(~0ull), c.expect);  // the checked interpreter agrees
}

const ForwardCase kCases[] = {
    {"dst_after_write", "mov %r0, 1\nadd %r0, 2\nexit", 1, kFwdD, 3},
    {"src_after_write", "mov %r2, 5\nmov %r0, %r2\nexit", 1, kFwdS, 5},
    {"other_register", "mov %r2, 5\nmov %r0, 1\nadd %r2, 1\nmov %r0, %r2\nexit", 2, 0, 6},
    {"chain_32", "mov32 %r3, -1\nlsh32 %r3, 4\nrsh32 %r3, 8\nmov %r0, %r3\nexit", 2, kFwdD, 0x00fffffful},
    {"both_operands", "mov %r2, 7\nadd %r2, %r2\nmov %r0, %r2\nexit", 1, kFwdD | kFwdS, 14},
    {"through_a_store", "mov %r2, 3\nstxdw [%r10-8], %r2\nadd %r2, 1\nmov %r0, %r2\nexit", 2, kFwdD, 4},
    {"store_address_and_value", "mov %r2, %r10\nstxdw [%r2-8], %r2\nldxdw %r0, [%r10-8]\nsub %r0, %r10\nexit", 1,
     kFwdD | kFwdS, 0},
    {"load_address", "mov %r3, %r1\nadd %r3, 4\nldxw %r0, [%r3+0]\nexit", 2, kFwdS, 0},
    {"branch_operand", "mov %r2, 9\njgt %r2, 8, +1\nexit\nmov %r0, 1\nexit", 1, kFwdD, 1},
    {"join_that_agrees", "mov %r2, 1\njeq %r1, 0, +1\nstxdw [%r10-8], %r2\nadd %r2, 1\nmov %r0, %r2\nexit", 3, kFwdD,
     2},
    {"join_that_disagrees", "mov %r2, 1\njeq %r2, 0, +1\nmov %r3, 1\nadd %r2, 1\nmov %r0, %r2\nexit", 3, 0, 2},
    {"loop_back_edge", "mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 10, loop\nexit", 1, kFwdD, 10},
    {"function_entry", "mov %r1, 5\ncall local f\nexit\nf:\nmov %r0, %r1\nadd %r0, 1\nexit", 3, 0, 6},
    {"after_local_call", "mov %r0, 5\ncall local f\nadd %r0, 1\nexit\nf:\nmov %r0, 9\nexit", 2, 0, 10},
    {"fetch_writes_src",
     "mov %r2, 1\nstxdw [%r10-8], %r2\nlock fetch add [%r10-8], %r2\nadd %r2, 1\nmov %r0, %r2\nexit", 3, 0, 2},
    {"cmpxchg_writes_r0",
     "mov %r2, 4\nstxdw [%r10-8], %r2\nmov %r0, 4\nmov %r3, 8\nlock cmpxchg [%r10-8], %r3\nadd %r0, 1\nexit", 5, 0,
     5},
};

INSTANTIATE_TEST_SUITE_P(Interp, Forwarded, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Forward, UnfusedReadsRunAsTheirVariant) {
  // neg and add32 never fuse: the forwarded read runs as its _FD handler.
  auto tp = verified_form("mov32 %r0, 5\nneg %r0\nadd32 %r0, 9\nexit");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->code[1].kind, Kind::NEG64_FD);
  EXPECT_EQ(tp->code[2].kind, Kind::ADD32_IMM_FD);
  std::vector<uint8_t> mem(8);
  EXPECT_EQ(run_form(*tp, mem).value_or(0), 4u);
}

TEST(Forward, NothingWithGotox) {
  // gotox may enter any instruction: no mirror can be known anywhere.
  auto tp = verified_form("mov %r0, 7\nadd %r0, 1\nmov %r1, 4\ngotox %r1\nmov %r0, 1\nexit");
  ASSERT_TRUE(tp);
  for (size_t i = 0; i + 1 < tp->code.size(); ++i) EXPECT_EQ(fwd_flags(*tp, i), 0) << i;
}

TEST(Forward, CheckedTranslationForwardsNothing) {
  auto tp = interp::detail::translate(program("mov %r0, 1\nadd %r0, 2\nexit"), {}, true, {});
  ASSERT_TRUE(tp.has_value());
  for (const auto& t : (*tp)->code) EXPECT_EQ(t.flags & (kFwdD | kFwdS), 0);
}

// Random programs over r0, r2-r5 with bounded loops (counter r9, untouched
// by the body), local calls (a leaf function over r1-r5 and r0), fetching
// atomics on the stack, and forward branches, so that the mirror meets
// joins, back edges, function entries and returns.
std::string random_program(std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* data[] = {"%r0", "%r2", "%r3", "%r4", "%r5"};
  const char* alu[] = {"add", "sub", "mul", "and", "or", "xor", "mov", "lsh", "rsh", "arsh"};
  const char* conds[] = {"jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset"};
  auto reg = [&] { return std::string(data[pick(5)]); };
  auto imm = [&] { return std::to_string(pick(41) - 20); };
  auto alu_insn = [&](const std::string& d) {
    const std::string op = alu[pick(10)];
    const bool shift = op == "lsh" || op == "rsh" || op == "arsh";
    const std::string w = pick(3) == 0 ? "32" : "";
    const std::string b = shift ? std::to_string(pick(w.empty() ? 64 : 32)) : (pick(2) ? reg() : imm());
    return op + w + " " + d + ", " + b + "\n";
  };
  std::string text = "mov %r0, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\nstxdw [%r10-8], %r2\n";
  constexpr int kBlocks = 6;
  for (int b = 0; b < kBlocks; ++b) {
    const std::string top = "B" + std::to_string(b);
    const bool loop = pick(3) == 0;
    if (loop) text += "mov %r9, " + std::to_string(1 + pick(4)) + "\n";
    text += top + ":\n";
    const int n = 2 + pick(5);
    for (int i = 0; i < n; ++i) {
      const std::string d = reg();
      switch (pick(9)) {
        case 0: text += "call local f\n"; break;
        case 1: text += "lock fetch add [%r10-8], " + d + "\n"; break;
        case 2: text += "stxdw [%r10-16], " + d + "\nldxdw " + reg() + ", [%r10-16]\n"; break;
        case 3: text += "ldxw " + d + ", [%r1+" + std::to_string(pick(5) * 4) + "]\n"; break;
        case 4:
          text += std::string(conds[pick(11)]) + " " + d + ", " + (pick(2) ? reg() : imm()) + ", E" +
                  std::to_string(b) + "\n";
          break;
        case 5: text += "neg " + d + "\n"; break;
        default: text += alu_insn(d);
      }
    }
    text += "E" + std::to_string(b) + ":\n" + alu_insn(reg());
    if (loop) text += "sub %r9, 1\njne %r9, 0, " + top + "\n";
  }
  text += "exit\nf:\n";
  for (int i = 0, n = 1 + pick(4); i < n; ++i) text += alu_insn(pick(2) ? "%r0" : "%r" + std::to_string(1 + pick(5)));
  return text + "exit\n";
}

TEST(ForwardRandom, VerifiedTranslationAgreesWithChecked) {
  std::mt19937 rng(20261204);
  size_t forwarded = 0;
  for (int n = 0; n < 1000; ++n) {
    const std::string text = random_program(rng);
    std::vector<uint8_t> mem(32);
    for (auto& b : mem) b = static_cast<uint8_t>(rng());
    auto v = expect_translations_agree(text, mem);
    ASSERT_TRUE(v) << text;
    for (const auto& t : v->code) forwarded += (t.flags & (kFwdD | kFwdS)) != 0;
  }
  EXPECT_GT(forwarded, 5000u);  // the generator does exercise forwarding
}

}  // namespace
}  // namespace decade::test
