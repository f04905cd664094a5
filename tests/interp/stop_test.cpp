// SPDX-License-Identifier: Apache-2.0
// Stopping the interpreter at back-edges (docs/runtime-control.md): only a
// jump whose target is not after it reads the stop word, through the
// backward twin of its handler (translate.cpp). Every form a loop can be
// closed with (each condition, 64 and 32 bits, immediate and register, the
// forwarded variants, ja, superinstructions ending in a branch) stops a run
// whose control was stopped, at that jump, in the verified and the checked
// translation; forward jumps do not stop a run.
#include <string>
#include <vector>

#include "interp/threaded.hpp"
#include "interp_test_util.hpp"
#include "runtime/run_control.hpp"

namespace decade::test {
namespace {

using interp::detail::Kind;

// A run of `tp` whose control was stopped before it started.
Result<uint64_t> stopped_run(const interp::detail::TProgram& tp, std::vector<uint8_t>& mem) {
  RunControl control;
  control.stop(StopReason::Cancelled);
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(mem.data());
  req.r2 = mem.size();
  req.regions.push_back({reinterpret_cast<uintptr_t>(mem.data()), mem.size(), true});
  req.control = &control;
  return interp::detail::run_program(tp, req, nullptr, nullptr);
}

struct Loop {
  std::string text;
  int64_t back_edge;        // the index of the jump that closes the loop
  int64_t fused = -1;       // where the verified translation has a superinstruction ending in it
  Kind fused_kind = Kind::JA;
};

// Conditions that hold for r0 = 1 against 1 (imm) or r2 = 1 (reg).
const char* const kConds[] = {"jeq", "jge", "jset", "jsge", "jle", "jsle"};
// ... and against 0 (r2 = 0).
const char* const kCondsZero[] = {"jgt", "jne", "jsgt"};
// ... and against 2 (r2 = 2).
const char* const kCondsTwo[] = {"jlt", "jslt"};

std::vector<Loop> loops() {
  std::vector<Loop> out = {
      // ADD64_IMM_JNE64_IMM and ADD64_IMM_ADD64_REG_JNE64_IMM: the branch is
      // the superinstruction's last part.
      {"mov %r0, 0\nadd %r0, 1\njne %r0, 0, -2\nexit", 2, 1, Kind::ADD64_IMM_JNE64_IMM},
      {"mov %r0, 0\nmov %r2, 1\nadd %r0, 1\nadd %r0, %r2\njne %r0, 0, -3\nexit", 4, 2,
       Kind::ADD64_IMM_ADD64_REG_JNE64_IMM},
      {"mov %r0, 0\nadd %r0, 1\nja -2\nexit", 2},
  };
  auto add = [&](const char* cond, int value) {
    for (const char* width : {"", "32"}) {
      const std::string j = std::string(cond) + width;
      const std::string v = std::to_string(value);
      const std::string head = "mov %r0, 1\nmov %r2, " + v + "\n";
      // Plain (r3 is read by no jump), dst forwarded (or wrote r0), src forwarded (or wrote r2).
      out.push_back({head + "mov %r3, 7\n" + j + " %r0, " + v + ", -2\nexit", 3});
      out.push_back({head + "mov %r3, 7\n" + j + " %r0, %r2, -2\nexit", 3});
      out.push_back({head + "or %r0, 0\n" + j + " %r0, " + v + ", -2\nexit", 3});
      out.push_back({head + "or %r0, 0\n" + j + " %r0, %r2, -2\nexit", 3});
      out.push_back({head + "or %r2, 0\n" + j + " %r0, %r2, -2\nexit", 3});
    }
  };
  for (const char* c : kConds) add(c, 1);
  for (const char* c : kCondsZero) add(c, 0);
  for (const char* c : kCondsTwo) add(c, 2);
  return out;
}

TEST(InterpStop, EveryFormOfBackEdgeStops) {
  size_t variants = 0;
  for (const Loop& l : loops()) {
    SCOPED_TRACE(l.text);
    for (const bool checked : {false, true}) {
      auto tp = interp::detail::translate(program(l.text), {}, checked, {});
      ASSERT_TRUE(tp) << tp.error().to_string();
      std::vector<uint8_t> mem(64);
      expect_error(stopped_run(**tp, mem), ErrorCode::ExecCancelled, l.back_edge);
      if (checked) continue;
      const auto& code = (*tp)->code;
      if (l.fused >= 0) {
        EXPECT_EQ(code[static_cast<size_t>(l.fused)].kind, l.fused_kind);
      }
      const Kind k = code[static_cast<size_t>(l.back_edge)].kind;
      variants += interp::detail::plain_kind(k) != k;
    }
  }
  // The forwarded variants were reached: three of every five loops per
  // condition and width (and the superinstructions' branch parts).
  EXPECT_GE(variants, 3u * 2u * 11u);
}

// Forward jumps read no stop word: a stopped run of a program without a
// back-edge runs to its end.
TEST(InterpStop, ForwardJumpsDoNotStop) {
  const char* text = "mov %r0, 1\njeq %r0, 1, +1\nmov %r0, 5\nja +0\njne %r0, 1, +1\nadd %r0, 2\nexit";
  for (const bool checked : {false, true}) {
    auto tp = interp::detail::translate(program(text), {}, checked, {});
    ASSERT_TRUE(tp) << tp.error().to_string();
    std::vector<uint8_t> mem(64);
    auto r = stopped_run(**tp, mem);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(*r, 3u);
  }
}

}  // namespace
}  // namespace decade::test
