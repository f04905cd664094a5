// SPDX-License-Identifier: Apache-2.0
#include "jit/x86_64/interrupt.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <ucontext.h>

#include <atomic>
#include <mutex>
#include <string>

#include "jit/x86_64/executable.hpp"

namespace decade::jit::x64 {

namespace {

// Set and read on the run's own thread only (the handler runs there too);
// constinit keeps the access free of lazy initialisation in the handler.
constinit thread_local JitState* t_running = nullptr;

// A native address inside a function, cold path or thunk of `code` whose
// instruction the pc map knows: the address itself, or (in a prologue,
// epilogue or thunk, which belong to no instruction) the return address
// into the instruction that called it, found among the few words on top of
// the stack. 0 when neither names one. The words may reach past the JIT's
// frames into a caller's, whose redzones AddressSanitizer poisons: only
// values are compared, nothing is dereferenced.
__attribute__((no_sanitize("address"))) uint64_t attributed_pc(const JitCode& code, uint64_t rip, uint64_t rsp) {
  if (code.slot_at(rip) >= 0) return rip;
  const uint64_t lo = code.mem.base() + code.layout.body, hi = code.mem.base() + code.layout.text_end;
  const auto* words = reinterpret_cast<const uint64_t*>(rsp);
  for (int i = 0; i < 12; ++i)  // the deepest thunk pushes seven registers
    if (words[i] > lo && words[i] <= hi && code.slot_at(words[i] - 1) >= 0) return words[i] - 1;
  return 0;
}

void on_interrupt(int, siginfo_t*, void* ctx) {
  JitState* st = t_running;
  std::atomic_signal_fence(std::memory_order_acquire);
  if (!st || !st->code) return;
  auto* uc = static_cast<ucontext_t*>(ctx);
  greg_t* g = uc->uc_mcontext.gregs;
  JitHot& h = st->hot;
  const JitCode& code = *st->code;
  const auto rip = static_cast<uint64_t>(g[REG_RIP]);
  const uint64_t base = code.mem.base();
  // In the functions and their out-of-line code r12 is this run's JitHot
  // and saved_rsp the innermost trampoline's: the fault exit unwinds from
  // any depth. A stale signal (the stop of an earlier run) finds the word 0.
  if (rip < base + code.layout.body || rip >= base + code.layout.text_end) return;
  if (static_cast<uint64_t>(g[REG_R12]) != reinterpret_cast<uint64_t>(&h)) return;
  if (!h.stop.load(std::memory_order_relaxed) || h.fault_code || !h.saved_rsp) return;
  // The critical section of a bpf_spin_lock is never cut: its unlock is a
  // call, after which the code reads the word.
  if (st->rc && st->rc->held.holds_lock()) return;
  // An address no instruction owns (the prologue of a function a
  // trampoline entered, the epilogue of one returning to it) cannot name
  // where the run stopped: the thread is left alone, and it reads its stop
  // word within a few instructions, at the function's entry check or in
  // the C++ the epilogue returns to (run_callback, the trampoline's caller).
  const uint64_t at = attributed_pc(code, rip, static_cast<uint64_t>(g[REG_RSP]));
  if (!at) return;
  h.fault_native = at;
  h.fault_code = static_cast<uint32_t>(ErrorCode::ExecCancelled);  // glue::fault_error_code tells a timeout apart
  g[REG_RIP] = static_cast<greg_t>(base + code.layout.fault_unwind);
}

// The signal: chosen by the host (set_interrupt_signal) until the first
// interrupt installs its handler, fixed from then on. 0: the default.
std::mutex g_signal_mu;
int g_signal = 0;                      // under g_signal_mu
std::atomic<int> g_installed{0};       // the signal whose handler is installed, 0 before

int chosen_signal() { return g_signal ? g_signal : SIGRTMIN + 6; }

// Installs the handler for the chosen signal once; returns that signal.
int installed_signal() {
  if (const int s = g_installed.load(std::memory_order_acquire)) return s;
  const std::lock_guard g(g_signal_mu);
  if (const int s = g_installed.load(std::memory_order_relaxed)) return s;
  struct sigaction sa {};
  sa.sa_sigaction = on_interrupt;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  const int s = chosen_signal();
  sigaction(s, &sa, nullptr);
  g_installed.store(s, std::memory_order_release);
  return s;
}

}  // namespace

int interrupt_signal() {
  if (const int s = g_installed.load(std::memory_order_acquire)) return s;
  const std::lock_guard g(g_signal_mu);
  return chosen_signal();
}

Status set_interrupt_signal(int signo) {
  if (signo < SIGRTMIN || signo > SIGRTMAX)
    return make_error(ErrorCode::InvalidArgument, "JIT stop signal " + std::to_string(signo) +
                                                      " is not a real-time signal (" + std::to_string(SIGRTMIN) +
                                                      ".." + std::to_string(SIGRTMAX) + ")");
  const std::lock_guard g(g_signal_mu);
  if (const int s = g_installed.load(std::memory_order_relaxed)) {
    if (s == signo) return ok();
    // A stop in flight may still send the old signal: its handler stays.
    return make_error(ErrorCode::InvalidArgument, "JIT stop signal is " + std::to_string(s) +
                                                      " since a JIT run was first stopped; choose it before");
  }
  struct sigaction old {};
  if (sigaction(signo, nullptr, &old) != 0 || old.sa_handler != SIG_DFL)
    return make_error(ErrorCode::InvalidArgument,
                      "JIT stop signal " + std::to_string(signo) + " already has a handler or is ignored");
  g_signal = signo;
  return ok();
}

void interrupt_thread(pid_t tid) { syscall(SYS_tgkill, getpid(), tid, installed_signal()); }

InterruptScope::InterruptScope(JitState& st) : saved_(t_running) {
  t_running = &st;
  std::atomic_signal_fence(std::memory_order_release);
}

InterruptScope::~InterruptScope() {
  std::atomic_signal_fence(std::memory_order_release);
  t_running = saved_;
}

}  // namespace decade::jit::x64
