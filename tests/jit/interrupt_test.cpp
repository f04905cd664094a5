// SPDX-License-Identifier: Apache-2.0
// Stopping JIT code from outside (jit/x86_64/interrupt.hpp): loops read no
// stop word, so a loop that makes no call stops only because the stop
// interrupts its thread and the handler moves it to the fault exit.
#include <chrono>
#include <thread>

#include "jit_test_util.hpp"
#include "runtime/run_control.hpp"

namespace decade::jit::test {
namespace {

using Clock = std::chrono::steady_clock;

// 2^64 iterations of two instructions and no call; the checked budget
// (2^62 instructions) would end it after hours.
constexpr const char* kEndless = "mov %r0, 0\nadd %r0, 1\njne %r0, 0, -2\nexit";

Result<uint64_t> stopped_run(StopReason why, int64_t* took_ms) {
  auto exe = compile_checked(assembled(kEndless), env_of());
  if (!exe) return std::unexpected(exe.error());
  RunControl control;
  RunRequest req;
  req.insn_budget = uint64_t{1} << 62;
  req.control = &control;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    control.stop(why);
  });
  const auto t0 = Clock::now();
  auto r = (*exe)->run(req);
  *took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  stopper.join();
  return r;
}

TEST(JitInterrupt, LoopWithoutCallsStopsAtAnInstructionOfTheLoop) {
  int64_t took = 0;
  auto r = stopped_run(StopReason::Cancelled, &took);
  ASSERT_FALSE(r) << "ran to the end";
  EXPECT_EQ(r.error().code, ErrorCode::ExecCancelled) << r.error().to_string();
  EXPECT_TRUE(r.error().insn == 1 || r.error().insn == 2) << r.error().to_string();
  EXPECT_LT(took, 2000);
}

TEST(JitInterrupt, DeadlineOfALoopWithoutCallsIsExecTimeout) {
  int64_t took = 0;
  auto r = stopped_run(StopReason::Timeout, &took);
  ASSERT_FALSE(r) << "ran to the end";
  EXPECT_EQ(r.error().code, ErrorCode::ExecTimeout) << r.error().to_string();
  EXPECT_LT(took, 2000);
}

// The same thread runs again after a stop: the signal's handler is left
// installed and a later run that nobody stops ends normally.
TEST(JitInterrupt, RunAfterAStopEndsNormally) {
  int64_t took = 0;
  ASSERT_FALSE(stopped_run(StopReason::Cancelled, &took));
  RunControl control;
  RunRequest req;
  req.control = &control;
  auto exe = compile_checked(assembled("mov %r0, 0\nadd %r0, 1\njlt %r0, 1000, -2\nexit"), env_of());
  ASSERT_TRUE(exe.has_value());
  auto r = (*exe)->run(req);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, 1000u);
}

}  // namespace
}  // namespace decade::jit::test
