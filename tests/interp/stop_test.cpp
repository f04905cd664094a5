// SPDX-License-Identifier: Apache-2.0
// Stopping the interpreter at back-edges (docs/runtime-control.md): only a
// jump whose target is not after it (or gotox) reads the stop word, through
// the backward twin of its handler, and only while a stop is pending for a
// run of its code: translation gives every jump its plain handler and a
// stop swaps the twins into the code the stopped run executes until it ends
// (run.cpp, hold_checks). Every form a loop can be closed with (each
// condition, 64 and 32 bits, immediate and register, the forwarded
// variants, ja, superinstructions ending in a branch) stops a run whose
// control was stopped, at that jump, in the verified and the checked
// translation; forward jumps do not stop a run; other runs of the same code
// go on; a stop that lands as the run tail-calls reaches the target.
#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "interp/threaded.hpp"
#include "interp_test_util.hpp"
#include "runtime/registry.hpp"
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
      // Poll-free until a stop: the back-edge runs its plain handler.
      ASSERT_FALSE((*tp)->back_edges.empty());
      EXPECT_EQ(interp::detail::checking_back_edges(**tp), 0u);
      expect_error(stopped_run(**tp, mem), ErrorCode::ExecCancelled, l.back_edge);
      // The run is over: its code is back to the plain handlers.
      EXPECT_EQ(interp::detail::checking_back_edges(**tp), 0u);
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

// A run of `tp` on `mem` (the loop's release flag at +0, its count at +8).
Result<uint64_t> run_on(const interp::detail::TProgram& tp, std::vector<uint8_t>& mem, RunControl* control) {
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(mem.data());
  req.r2 = mem.size();
  req.regions.push_back({reinterpret_cast<uintptr_t>(mem.data()), mem.size(), true});
  req.control = control;
  req.insn_budget = uint64_t{1} << 62;  // checked code: the loop ends by its stop, not its budget
  return interp::detail::run_program(tp, req, nullptr, nullptr);
}

void set_u64(std::vector<uint8_t>& mem, size_t at, uint64_t v) {
  __atomic_store_n(reinterpret_cast<uint64_t*>(mem.data() + at), v, __ATOMIC_RELAXED);
}

// Waits for a run that was stopped; if it has not ended after 10 s (it did
// not see the stop), releases its loop through the flag at +0 of `mem`, so
// that the test fails instead of hanging.
Result<uint64_t> await_stopped(std::future<Result<uint64_t>>& f, std::vector<uint8_t>& mem) {
  if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "the stopped run did not stop";
    set_u64(mem, 0, 1);
  }
  return f.get();
}

// Counts r0 up to the count at +8, or until the flag at +0 is set; the
// back-edge is slot 5.
const char* const kCountLoop =
    "ldxdw %r3, [%r1+8]\nmov %r0, 0\n"
    "add %r0, 1\nldxdw %r2, [%r1+0]\njne %r2, 0, +1\njlt %r0, %r3, -4\n"
    "exit";

// One run cancelled from another thread, again and again, while three
// threads run the same translated code without a stop (two stoppable, one
// not): each stop makes the shared code check until the stopped run ends,
// the stopped run ends cancelled at the back-edge, the others see no stop,
// loop on and return their full counts, and the plain handlers come back.
// Before the code was made to check, the stopped run would not stop.
TEST(InterpStop, StoppingOneRunLeavesOtherRunsOfTheCodeGoing) {
  for (const bool checked : {false, true}) {
    SCOPED_TRACE(checked ? "checked" : "verified");
    auto tp = interp::detail::translate(program(kCountLoop), {}, checked, {});
    ASSERT_TRUE(tp) << tp.error().to_string();
    const interp::detail::TProgram& code = **tp;
    ASSERT_EQ(code.back_edges.size(), 1u);
    std::atomic<bool> done{false};
    std::atomic<uint64_t> runs{0}, wrong{0};
    std::vector<std::thread> others;
    for (int t = 0; t < 3; ++t)
      others.emplace_back([&, t] {
        std::vector<uint8_t> mem(16, 0);
        set_u64(mem, 8, 50'000);
        while (!done.load()) {
          RunControl own;  // never stopped
          auto r = run_on(code, mem, t == 2 ? nullptr : &own);
          if (!r || *r != 50'000) wrong.fetch_add(1);
          runs.fetch_add(1);
        }
      });
    for (int round = 0; round < 10; ++round) {
      std::vector<uint8_t> mem(16, 0);
      set_u64(mem, 8, ~uint64_t{0});  // until stopped
      RunControl control;
      std::promise<void> started;
      std::packaged_task<Result<uint64_t>()> task([&] {
        started.set_value();
        return run_on(code, mem, &control);
      });
      auto f = task.get_future();
      std::thread stopped(std::move(task));
      started.get_future().wait();
      std::this_thread::sleep_for(std::chrono::milliseconds(round % 3 * 5));
      control.stop(StopReason::Cancelled);
      const auto r = await_stopped(f, mem);
      stopped.join();
      expect_error(r, ErrorCode::ExecCancelled, 5);
    }
    const uint64_t before = runs.load();
    while (runs.load() < before + 6) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    done = true;
    for (auto& t : others) t.join();
    EXPECT_EQ(wrong.load(), 0u);
    EXPECT_EQ(interp::detail::checking_back_edges(code), 0u);  // poll-free again
  }
}

const Platform& standard() {
  static const Platform p = Platform::standard();
  return p;
}

RunControl* g_stopping = nullptr;            // what helper 1001 stops
const interp::detail::TProgram* g_entry = nullptr;
size_t g_checking_in_helper = 0;             // the entry's checking back-edges right after the stop
uint64_t stop_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  g_stopping->stop(StopReason::Cancelled);
  g_checking_in_helper = interp::detail::checking_back_edges(*g_entry);
  return 0;
}

// The stop lands just before the run tail-calls (helper 1001 stops the
// run's own control, so the stop reads the entry program as the code the
// run executes and makes that check), then the run tail-calls into a
// program whose loop ends only when stopped: in place from the outermost
// frame, and as a nested run from a subprogram. The run makes the target
// check itself when it enters it and reads the stop: it ends cancelled at
// the target's back-edge (slot 3), and both programs are poll-free after.
TEST(InterpStop, StopLandingAsTheRunTailCallsReachesTheTarget) {
  // Slot 0 of the entry's back-edge, never taken (r6 is not 0), keeps a
  // back-edge in the entry program for the stop to make check.
  const char* const top =
      "mov %r6, %r1\njeq %r6, 0, -1\ncall 1001\n"
      "mov %r1, %r6\nlddw_map_idx %r2, 0\nmov %r3, 0\ncall 12\nmov %r0, 7\nexit";
  const char* const from_subprogram =
      "mov %r6, %r1\njeq %r6, 0, -1\ncall 1001\nmov %r1, %r6\ncall local hop\nexit\n"
      "hop:\nlddw_map_idx %r2, 0\nmov %r3, 0\ncall 12\nmov %r0, 7\nexit";
  const char* const target = "mov %r0, 0\nadd %r0, 1\nldxdw %r2, [%r1+0]\njeq %r2, 0, -3\nexit";
  for (const char* entry : {top, from_subprogram}) {
    SCOPED_TRACE(entry);
    MapDef d;
    d.name = "progs";
    d.type = MapType::ProgArray;
    d.key_size = d.value_size = 4;
    d.max_entries = 1;
    auto pa = create_map(d);
    ASSERT_TRUE(pa) << pa.error().to_string();
    Platform platform = standard();
    FuncProto f;
    f.name = "stop_own_run";
    f.id = 1001;
    f.fn = stop_helper;
    ASSERT_TRUE(platform.add_helper(f).has_value());
    ProgramEnv env;
    env.platform = &platform;
    env.maps = {pa->get()};
    auto h = std::make_shared<ProgramHandle>();
    h->executable = checked(target, env);
    ASSERT_TRUE(h->executable);
    h->profile.program_type = "raw";
    const uint32_t id = register_program(h);
    uint32_t slot = 0;
    ASSERT_EQ((*pa)->host_update(&slot, &id, 0), 0);
    auto e = checked(entry, env);
    ASSERT_TRUE(e);
    const interp::detail::TProgram* entry_code = interp::detail::threaded_code(*e);
    const interp::detail::TProgram* target_code = interp::detail::threaded_code(*h->executable);
    ASSERT_TRUE(entry_code && target_code);
    EXPECT_EQ(interp::detail::checking_back_edges(*target_code), 0u);

    std::vector<uint8_t> mem(16, 0);
    RunControl control;
    g_stopping = &control;
    g_entry = entry_code;
    g_checking_in_helper = 0;
    auto f_run = std::async(std::launch::async, [&] {
      RunRequest req;
      req.r1 = reinterpret_cast<uint64_t>(mem.data());
      req.regions.push_back({reinterpret_cast<uintptr_t>(mem.data()), mem.size(), true});
      req.control = &control;
      req.insn_budget = uint64_t{1} << 62;  // the loop ends by its stop, not its budget
      return e->run(req);
    });
    const auto r = await_stopped(f_run, mem);
    expect_error(r, ErrorCode::ExecCancelled, 3);
    EXPECT_EQ(g_checking_in_helper, 1u);  // the stop made the entry's code check
    EXPECT_EQ(interp::detail::checking_back_edges(*entry_code), 0u);
    EXPECT_EQ(interp::detail::checking_back_edges(*target_code), 0u);
  }
}

}  // namespace
}  // namespace decade::test
