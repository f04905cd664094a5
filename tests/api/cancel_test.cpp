// SPDX-License-Identifier: Apache-2.0
// Stopping runs from outside (issue 14): a cancel token used from another
// thread, a deadline per run and per program, in both engines, and what a
// stopped run gives back (docs/runtime-control.md).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "api_test_util.hpp"
#include "decade/decade.h"
#include "decade/stop_signal.hpp"

namespace decade::test {
namespace {

using Clock = std::chrono::steady_clock;
const char* kObj = "api/progs/cancel.bpf.o";
constexpr const char* kEngines[] = {"interp", "jit"};

int64_t ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// The program's instruction at `pc` as the disassembly prints it.
std::string insn_at(const BpfProgram& p, int64_t pc) {
  const std::string text = p.disassembly(false);
  const std::string key = std::to_string(pc) + ": ";
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    const size_t k = line.find_first_not_of(' ');
    if (k != std::string::npos && line.compare(k, key.size(), key) == 0) return line.substr(k + key.size());
    pos = end + 1;
  }
  return {};
}

// "goto -0x9", "if r1 > 0x3 goto -0x5": a backward jump.
bool is_jump_back(const std::string& insn) {
  return insn.starts_with("goto -") || (insn.starts_with("if ") && insn.find(" goto -") != std::string::npos);
}

// Whether `pc` lies in a loop of the program: between a backward jump and
// its target.
bool in_loop(const BpfProgram& p, int64_t pc) {
  const std::string text = p.disassembly(false);
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    const size_t colon = line.find(": ");
    const size_t back = line.find("goto -0x");
    if (colon == std::string::npos || back == std::string::npos) continue;
    const int64_t at = std::stoll(line.substr(0, colon));
    const int64_t to = at + 1 - std::stoll(line.substr(back + 6), nullptr, 16);
    if (to <= pc && pc <= at) return true;
  }
  return false;
}

// Where nested_loops may stop: at its outer bpf_loop call (between two
// callback iterations: both engines), or, in the JIT, which interrupts the
// thread wherever it is, at an instruction of a callback (after the main
// function's exit).
bool stopped_at_loop_call(const BpfProgram& p, const char* engine, int64_t pc) {
  if (insn_at(p, pc) == "call 0xb5") return true;
  if (std::string(engine) != "jit") return false;
  int64_t first_exit = 0;
  while (!insn_at(p, first_exit).empty() && insn_at(p, first_exit) != "exit") ++first_exit;
  return pc > first_exit && !insn_at(p, pc).empty();
}

struct Loaded {
  BpfObject obj;
  BpfProgram prog;
};

Loaded load(const char* engine, const char* program) {
  auto o = BpfObject::open(obj(kObj));
  EXPECT_TRUE(o) << o.error().to_string();
  auto s = o->load({.engine = engine});
  EXPECT_TRUE(s) << s.error().to_string();
  auto p = o->program(program);
  EXPECT_TRUE(p) << p.error().to_string();
  return {std::move(*o), *p};
}

// Two nested bpf_loop(1 << 23) calls (2^46 callbacks) stopped by a token
// from another thread: ExecCancelled at the outer bpf_loop call (or in a
// callback), quickly.
TEST(Cancel, NestedBpfLoopsFromAnotherThread) {
  for (const char* engine : kEngines) {
    SCOPED_TRACE(engine);
    Loaded l = load(engine, "nested_loops");
    CancelToken token;
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      token.cancel();
    });
    const auto t0 = Clock::now();
    auto r = l.prog.test_run({.cancel = &token});
    const int64_t took = ms_since(t0);
    canceller.join();
    ASSERT_FALSE(r) << "ran to the end";
    EXPECT_EQ(r.error().code, ErrorCode::ExecCancelled) << r.error().to_string();
    EXPECT_TRUE(stopped_at_loop_call(l.prog, engine, r.error().insn)) << r.error().to_string();
    EXPECT_LT(took, 2000);
    EXPECT_TRUE(token.cancelled());
    // The token stays cancelled: a later run using it stops at once.
    auto again = l.prog.test_run({.cancel = &token});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::ExecCancelled);
  }
}

// The same program with a deadline of 30 ms: ExecTimeout, within a bound.
TEST(Cancel, NestedBpfLoopsDeadline) {
  for (const char* engine : kEngines) {
    SCOPED_TRACE(engine);
    Loaded l = load(engine, "nested_loops");
    const auto t0 = Clock::now();
    auto r = l.prog.test_run({.timeout_ns = 30'000'000});
    const int64_t took = ms_since(t0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::ExecTimeout) << r.error().to_string();
    EXPECT_TRUE(stopped_at_loop_call(l.prog, engine, r.error().insn)) << r.error().to_string();
    EXPECT_GE(took, 30);
    EXPECT_LT(took, 2000);
  }
}

// The program's default deadline applies when the run sets none; the
// run's own overrides it.
TEST(Cancel, ProgramDefaultDeadline) {
  for (const char* engine : kEngines) {
    SCOPED_TRACE(engine);
    Loaded l = load(engine, "nested_iters");
    l.prog.set_timeout(20'000'000);
    auto t0 = Clock::now();
    auto r = l.prog.test_run({});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::ExecTimeout);
    EXPECT_LT(ms_since(t0), 2000);
    t0 = Clock::now();
    r = l.prog.test_run({.timeout_ns = 60'000'000});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::ExecTimeout);
    EXPECT_GE(ms_since(t0), 60);
  }
}

// Nested open-coded iterator loops: the interpreter stops the run at a
// back-edge, the instruction a backward jump; the JIT, whose loops carry no
// check, interrupts it wherever it is (docs/runtime-control.md): an
// instruction of the loop.
TEST(Cancel, BackEdgesOfVerifiedCode) {
  for (const char* engine : kEngines) {
    SCOPED_TRACE(engine);
    Loaded l = load(engine, "nested_iters");
    CancelToken token;
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      token.cancel();
    });
    const auto t0 = Clock::now();
    auto r = l.prog.test_run({.cancel = &token});
    const int64_t took = ms_since(t0);
    canceller.join();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::ExecCancelled) << r.error().to_string();
    if (std::string(engine) == "interp") {
      EXPECT_TRUE(is_jump_back(insn_at(l.prog, r.error().insn))) << insn_at(l.prog, r.error().insn);
    }
    EXPECT_TRUE(in_loop(l.prog, r.error().insn)) << r.error().insn << ": " << insn_at(l.prog, r.error().insn);
    EXPECT_LT(took, 2000);
  }
}

// A run started inside another on the same thread (here by a host helper,
// as by a probe hit in a function a helper calls) is part of it: the
// enclosing run's token stops it too. Before, it ran to its end (seconds).
const BpfProgram* g_inner = nullptr;
std::atomic<int> g_inner_code{-1};

uint64_t run_inner(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  const uint32_t rounds = 256;
  auto r = g_inner->test_run({.ctx = as_bytes(rounds)});
  g_inner_code = r ? 0 : static_cast<int>(r.error().code);
  return 0;
}

TEST(Cancel, RunStartedInsideARunInheritsItsStop) {
  for (const char* engine : kEngines) {
    SCOPED_TRACE(engine);
    auto o = BpfObject::open(obj("api/progs/cancel_nested.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    ASSERT_TRUE(o->add_helper({.name = "run_inner", .id = 1000, .fn = run_inner}));
    ASSERT_TRUE(o->allow_helper("syscall", 1000));
    ASSERT_TRUE(o->load({.engine = engine}));
    auto outer = o->program("calls_host");
    auto inner = o->program("count_rounds");
    ASSERT_TRUE(outer && inner);
    g_inner = &*inner;
    g_inner_code = -1;
    CancelToken token;
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      token.cancel();
    });
    const auto t0 = Clock::now();
    auto r = outer->test_run({.cancel = &token});
    const int64_t took = ms_since(t0);
    canceller.join();
    EXPECT_EQ(g_inner_code.load(), static_cast<int>(ErrorCode::ExecCancelled));
    // The outer run stops when the helper returns (the JIT reads its word
    // after calls) or ends: it has no loop left to stop in.
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::ExecCancelled) << r.error().to_string();
    }
    EXPECT_LT(took, 2000);
  }
}

// Runs holding a bpf_spin_lock, a ring buffer record and an iterator,
// cancelled at random points from another thread: every run ends
// cancelled, the lock is free afterwards, the counts it guards agree, and
// no reserved record is left behind (a leaked one would stop the consumer
// for good).
TEST(Cancel, RandomPointsWhileHolding) {
  for (const char* engine : kEngines) {
    SCOPED_TRACE(engine);
    Loaded l = load(engine, "hold_all");
    auto ring_map = l.obj.map("records");
    ASSERT_TRUE(ring_map);
    uint64_t consumed = 0;
    auto rb = RingBuffer::create(*ring_map, [&](std::span<const uint8_t>) {
      ++consumed;
      return 0;
    });
    ASSERT_TRUE(rb);
    std::mt19937 rng(14);
    int cancelled = 0;
    for (int round = 0; round < 40; ++round) {
      CancelToken token;
      const auto delay = std::chrono::microseconds(rng() % 3000);
      std::thread canceller([&] {
        std::this_thread::sleep_for(delay);
        token.cancel();
      });
      auto r = l.prog.test_run({.cancel = &token});
      canceller.join();
      if (!r) {
        EXPECT_EQ(r.error().code, ErrorCode::ExecCancelled) << r.error().to_string();
        ++cancelled;
      }
      ASSERT_TRUE(rb->consume());
    }
    EXPECT_GT(cancelled, 30);
    auto state = l.obj.map("state");
    ASSERT_TRUE(state);
    struct {
      uint32_t lock;
      uint32_t pad;
      uint64_t a, b;
    } s{};
    ASSERT_TRUE(state->lookup(as_bytes(uint32_t{0}), std::span<uint8_t>(reinterpret_cast<uint8_t*>(&s), sizeof s)));
    EXPECT_EQ(s.lock, 0u) << "a stopped run left the lock held";
    EXPECT_EQ(s.a, s.b) << "a critical section was cut";
    EXPECT_GT(s.a, 0u);
    // Nothing reserved is left: a run with a deadline (not a token) now
    // produces records the consumer reaches.
    ASSERT_TRUE(rb->consume());
    const uint64_t before = consumed;
    auto r = l.prog.test_run({.timeout_ns = 5'000'000});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::ExecTimeout);
    ASSERT_TRUE(rb->consume());
    EXPECT_GT(consumed, before);
  }
}

// Descriptors open in this process.
size_t open_fds() {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) n += !e.path().empty();
  return n;
}

// A stopped run that holds a socket reference (a sockmap lookup not yet
// given back with bpf_sk_release) gives it back: once the host deletes the
// map's entry, the map's duplicate of the descriptor is closed. Before, the
// reference stayed taken and the descriptor open for good.
TEST(Cancel, StoppedRunGivesBackSocketReference) {
  for (const char* engine : kEngines) {
    for (const bool by_token : {true, false}) {
      SCOPED_TRACE(std::string(engine) + (by_token ? " cancel" : " deadline"));
      auto o = BpfObject::open(obj("api/progs/sock_maps.bpf.o"));
      ASSERT_TRUE(o) << o.error().to_string();
      ASSERT_TRUE(o->load({.engine = engine}));
      auto socks = o->map("socks");
      auto prog = o->program("hold_sock");
      ASSERT_TRUE(socks && prog);
      int pair[2];
      ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
      const size_t before = open_fds();
      ASSERT_TRUE(socks->update(uint32_t{0}, uint64_t(pair[0])));
      EXPECT_EQ(open_fds(), before + 1);  // the map's duplicate
      CancelToken token;
      std::thread canceller([&] {
        if (!by_token) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        token.cancel();
      });
      const std::array<uint8_t, 64> packet{};  // key 0
      auto r = prog->test_run({.data = packet, .cancel = by_token ? &token : nullptr,
                               .timeout_ns = by_token ? uint64_t{0} : uint64_t{20'000'000}});
      canceller.join();
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, by_token ? ErrorCode::ExecCancelled : ErrorCode::ExecTimeout);
      ASSERT_TRUE(socks->erase(as_bytes(uint32_t{0})));
      EXPECT_EQ(open_fds(), before) << "the stopped run kept its socket reference";
      close(pair[0]);
      close(pair[1]);
    }
  }
}

// The JIT's stop signal chosen by the host (decade::set_jit_stop_signal and
// the C API): signals it cannot use are refused with InvalidArgument, the
// chosen one is the one a stop sends, and it is fixed from the first stop.
// The state is the process's: the checks run in a fresh process (a death
// test in the threadsafe style re-runs this test alone), each failing one
// exiting with its own code.
int stop_signal_checks() {
  struct sigaction host {};
  host.sa_handler = [](int) {};
  sigaction(SIGRTMIN + 3, &host, nullptr);  // a signal the host uses itself
  static std::atomic<int> default_hits{0};
  host.sa_handler = [](int) { ++default_hits; };
  sigaction(SIGRTMIN + 6, &host, nullptr);  // the default, used by the host too
  for (const int bad : {0, SIGUSR1, SIGRTMIN - 1, SIGRTMAX + 1, SIGRTMIN + 7, SIGRTMIN + 3}) {
    auto s = set_jit_stop_signal(bad);
    if (s || s.error().code != ErrorCode::InvalidArgument) return 10;
  }
  if (decade_set_jit_stop_signal(SIGRTMIN + 3) != -EINVAL) return 11;
  if (decade_last_error_code() != static_cast<int>(ErrorCode::InvalidArgument)) return 12;
  if (jit_stop_signal() != SIGRTMIN + 6) return 13;
  if (!set_jit_stop_signal(SIGRTMIN + 5)) return 14;  // changed before the first stop
  if (decade_set_jit_stop_signal(SIGRTMIN + 4) != 0 || decade_jit_stop_signal() != SIGRTMIN + 4) return 15;
  Loaded l = load("jit", "nested_iters");
  CancelToken token;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    token.cancel();
  });
  auto r = l.prog.test_run({.cancel = &token});
  canceller.join();
  if (r || r.error().code != ErrorCode::ExecCancelled) return 16;
  struct sigaction now {};
  sigaction(SIGRTMIN + 4, nullptr, &now);
  if (now.sa_handler == SIG_DFL || default_hits != 0) return 17;  // the stop sent SIGRTMIN + 4
  if (set_jit_stop_signal(SIGRTMIN + 5) || !set_jit_stop_signal(SIGRTMIN + 4)) return 18;
  return 0;
}

TEST(Cancel, JitStopSignalIsChosenByTheHost) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(stop_signal_checks()), ::testing::ExitedWithCode(0), "");
}

// The C API: a token made and cancelled through it, a per-call deadline
// and the program's default, with the instruction in decade_last_error_insn.
TEST(Cancel, CApi) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(obj(kObj).c_str(), &o), 0) << decade_last_error();
  decade_load_opts lo{};
  lo.sz = sizeof lo;
  ASSERT_EQ(decade_object_load(o, &lo), 0) << decade_last_error();
  decade_program* p = decade_object_find_program(o, "nested_iters");
  ASSERT_NE(p, nullptr);
  decade_cancel_token* t = decade_cancel_token_new();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(decade_cancel_token_cancelled(t), 0);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    decade_cancel_token_cancel(t);
  });
  decade_test_run run{};
  run.sz = sizeof run;
  run.cancel = t;
  EXPECT_EQ(decade_program_test_run(p, &run), -ECANCELED) << decade_last_error();
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::ExecCancelled));
  canceller.join();
  EXPECT_GE(decade_last_error_insn(), 0);
  EXPECT_EQ(decade_cancel_token_cancelled(t), 1);
  decade_cancel_token_free(t);
  decade_test_run timed{};
  timed.sz = sizeof timed;
  timed.timeout_ns = 10'000'000;
  EXPECT_EQ(decade_program_test_run(p, &timed), -ETIMEDOUT);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::ExecTimeout));
  decade_program_set_timeout(p, 10'000'000);
  decade_test_run plain{};
  plain.sz = sizeof plain;
  EXPECT_EQ(decade_program_test_run(p, &plain), -ETIMEDOUT);
  EXPECT_STREQ(decade_error_name(310), "ExecTimeout");
  decade_object_close(o);
}

}  // namespace
}  // namespace decade::test
