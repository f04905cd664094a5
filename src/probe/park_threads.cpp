// SPDX-License-Identifier: Apache-2.0
#include "probe/park_threads.hpp"

#include <dirent.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

namespace decade::probe {
namespace {

// One parking at a time (callers hold site.cpp's mutex).
struct Park {
  std::atomic<int> arrived{0};
  std::atomic<int> left{0};
  std::atomic<uint32_t> release{0};  // a futex word: parked threads sleep on it
  uint64_t from = 0;
  uint32_t len = 0;
  const std::vector<PcMove>* moves = nullptr;
};
Park g_park;

void on_park(int, siginfo_t*, void* uc) {
  const int saved = errno;
  g_park.arrived.fetch_add(1, std::memory_order_acq_rel);
  // Sleep rather than spin: the threads not yet parked need the CPUs.
  while (!g_park.release.load(std::memory_order_acquire))
    ::syscall(SYS_futex, &g_park.release, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
#if defined(__x86_64__)
  auto& pc = static_cast<ucontext_t*>(uc)->uc_mcontext.gregs[REG_RIP];
  const uint64_t at = uint64_t(pc);
  if (at > g_park.from && at < g_park.from + g_park.len)
    for (const PcMove& m : *g_park.moves)
      if (g_park.from + m.first == at) pc = greg_t(m.second);
#else
  (void)uc;
#endif
  g_park.left.fetch_add(1, std::memory_order_acq_rel);
  errno = saved;
}

bool install() {
  struct sigaction sa {};
  sa.sa_sigaction = on_park;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  return sigaction(park_signal(), &sa, nullptr) == 0;
}

std::vector<pid_t> other_threads() {
  std::vector<pid_t> out;
  const pid_t self = pid_t(::syscall(SYS_gettid));
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(d)) {
      const pid_t tid = pid_t(std::atoi(e->d_name));
      if (tid > 0 && tid != self) out.push_back(tid);
    }
    ::closedir(d);
  }
  return out;
}

bool alive(pid_t tid) { return ::syscall(SYS_tgkill, ::getpid(), tid, 0) == 0; }

// Waits until every signalled thread that still exists has arrived.
bool wait_arrived(const std::vector<pid_t>& sent) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (g_park.arrived.load(std::memory_order_acquire) < int(sent.size())) {
    if (std::chrono::steady_clock::now() > deadline) {
      int live = 0;
      for (pid_t t : sent) live += alive(t);
      return g_park.arrived.load(std::memory_order_acquire) >= live;  // the rest exited
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  return true;
}

}  // namespace

int park_signal() { return SIGRTMIN + 7; }

Status with_threads_parked(const std::function<Status()>& write, uint64_t from, uint32_t len,
                           const std::vector<PcMove>& moves) {
  static const bool installed = install();
  if (!installed) return make_error(ErrorCode::ProbeAttachFailed, "cannot install the thread-parking signal handler");
  g_park.arrived = 0;
  g_park.left = 0;
  g_park.release = 0;
  g_park.from = from;
  g_park.len = len;
  g_park.moves = &moves;
  // Allocate before the first signal: a parked thread may hold a malloc lock.
  const std::vector<pid_t> others = other_threads();
  std::vector<pid_t> sent;
  sent.reserve(others.size());
  for (pid_t tid : others)
    if (::syscall(SYS_tgkill, ::getpid(), tid, park_signal()) == 0) sent.push_back(tid);
  Status s = ok();
  if (!wait_arrived(sent))
    s = make_error(ErrorCode::ProbeAttachFailed, "a thread did not stop for patching (is the park signal blocked?)");
  if (s) s = write();
  g_park.release.store(1, std::memory_order_release);
  ::syscall(SYS_futex, &g_park.release, FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
  // Late arrivals (threads counted as exited that were only slow) must not
  // read g_park after it is reused: wait for everyone who arrived to leave.
  while (g_park.left.load(std::memory_order_acquire) < g_park.arrived.load(std::memory_order_acquire))
    std::this_thread::yield();
  return s;
}

}  // namespace decade::probe
