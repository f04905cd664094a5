// SPDX-License-Identifier: Apache-2.0
// Every small program of may_goto, jumps and a counter that the verifier
// accepts must end, whatever count its may_goto starts with: the run-time
// count bounds only the loops that go through a may_goto's fall-through;
// once it runs out the may_goto jumps every time, so a loop through that
// jump must end on its own. The programs are enumerated exhaustively (a
// first instruction setting r0, three drawn from an alphabet, exit) and run
// by a model of the ISA with the count starting at 0..3 and then expired;
// a run that has not ended after 10,000 steps never will (r0 only grows,
// and every exit test is `r0 > 10` or `r0 < 5`). The verifier once pruned
// the state of a may_goto reached again through its own jump as a bounded
// loop and accepted `l: may_goto l`, which then ran forever.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "verifier_test_util.hpp"

namespace decade::test {
namespace {

enum class Op { Set0, Set11, Add1, MayGoto, Goto, JgtTen, JltFive };
struct Step {
  Op op;
  int off = 0;
};

std::vector<Step> alphabet() {
  std::vector<Step> a{{Op::Add1}, {Op::Set0}, {Op::Set11}};
  for (int off : {-3, -2, -1, 0, 1}) a.push_back({Op::MayGoto, off});
  for (int off : {-3, -2, -1, 1}) a.push_back({Op::Goto, off});
  for (int off : {-3, -2, -1, 1}) a.push_back({Op::JgtTen, off});
  for (int off : {-2, -1, 1}) a.push_back({Op::JltFive, off});
  return a;
}

std::string text(const std::vector<Step>& p) {
  std::string s;
  for (const Step& st : p) {
    const std::string off = (st.off >= 0 ? "+" : "") + std::to_string(st.off);
    switch (st.op) {
      case Op::Set0: s += "r0 = 0\n"; break;
      case Op::Set11: s += "r0 = 11\n"; break;
      case Op::Add1: s += "r0 += 1\n"; break;
      case Op::MayGoto: s += "may_goto " + off + "\n"; break;
      case Op::Goto: s += "goto " + off + "\n"; break;
      case Op::JgtTen: s += "if r0 > 10 goto " + off + "\n"; break;
      case Op::JltFive: s += "if r0 < 5 goto " + off + "\n"; break;
    }
  }
  return s + "exit\n";
}

// Whether the program exits within the step limit when the may_goto count
// starts at `count` (then falls through while positive, jumps at 0).
bool ends(const std::vector<Step>& p, int count) {
  uint64_t r0 = 0;
  int pc = 0;
  for (int steps = 0; steps < 10000; ++steps) {
    if (pc < 0 || pc > static_cast<int>(p.size())) return true;  // out of range: the verifier refuses it
    if (pc == static_cast<int>(p.size())) return true;           // exit
    const Step& s = p[static_cast<size_t>(pc)];
    int next = pc + 1;
    switch (s.op) {
      case Op::Set0: r0 = 0; break;
      case Op::Set11: r0 = 11; break;
      case Op::Add1: ++r0; break;
      case Op::MayGoto:
        if (count > 0) --count;
        else next = pc + 1 + s.off;
        break;
      case Op::Goto: next = pc + 1 + s.off; break;
      case Op::JgtTen: if (r0 > 10) next = pc + 1 + s.off; break;
      case Op::JltFive: if (r0 < 5) next = pc + 1 + s.off; break;
    }
    pc = next;
  }
  return false;
}

TEST(MayGotoTermination, AcceptedSmallProgramsEnd) {
  const std::vector<Step> a = alphabet();
  VerifierEnv env;
  // A small budget: a program refused for it is refused, which the
  // property allows; it keeps the whole enumeration to a few seconds.
  VerifyOptions opts;
  opts.max_insns_processed = 4000;
  size_t accepted = 0, endless_refused = 0, total = 0;
  for (const Step first : {Step{Op::Set0}, Step{Op::Set11}})
    for (const Step& x : a)
      for (const Step& y : a)
        for (const Step& z : a) {
          const std::vector<Step> p{first, x, y, z};
          auto prog = env.assemble_program(text(p).c_str());
          if (!prog) continue;  // a jump out of range
          ++total;
          bool always_ends = true;
          for (int count = 0; count <= 3; ++count) always_ends = always_ends && ends(p, count);
          auto r = env.verify_program(*prog, "socket_filter", opts);
          if (!r) {
            if (!always_ends) ++endless_refused;
            continue;
          }
          ++accepted;
          EXPECT_TRUE(always_ends) << "accepted a program that may run forever:\n" << text(p);
        }
  std::printf("may_goto programs: %zu assembled, %zu accepted, %zu endless ones refused\n", total, accepted,
              endless_refused);
  // The enumeration covers both sides: programs accepted, and endless ones refused.
  EXPECT_GT(accepted, 1000u) << total;
  EXPECT_GT(endless_refused, 100u) << total;
}

}  // namespace
}  // namespace decade::test
