// SPDX-License-Identifier: Apache-2.0
#include "runtime/run_control.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <thread>

#include <unistd.h>

namespace decade {
namespace {

using Clock = std::chrono::steady_clock;

// One thread for every deadline of the process, started by the first one
// and never stopped (leaked, as it may be waited on during static
// destruction). Runs leave it before their RunControl dies, under its
// mutex, so it never touches a control that is gone.
class Watchdog {
 public:
  static Watchdog& get() {
    static Watchdog* w = new Watchdog();
    return *w;
  }
  void add(Clock::time_point when, RunControl* c) {
    std::lock_guard lock(mu_);
    if (!started_) {
      std::thread([this] { loop(); }).detach();
      started_ = true;
    }
    const bool earliest = due_.empty() || when < due_.begin()->first;
    due_.emplace(when, c);
    if (earliest) cv_.notify_one();
  }
  void remove(RunControl* c) {
    std::lock_guard lock(mu_);
    for (auto it = due_.begin(); it != due_.end(); ++it)
      if (it->second == c) {
        due_.erase(it);
        return;
      }
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (due_.empty()) {
        cv_.wait(lock);
        continue;
      }
      const auto next = due_.begin()->first;
      if (Clock::now() < next) {
        cv_.wait_until(lock, next);
        continue;
      }
      RunControl* c = due_.begin()->second;
      due_.erase(due_.begin());
      const auto kicks = c->stop_deferred(StopReason::Timeout);
      lock.unlock();  // the run's end (its control leaving) may wait for it
      RunControl::send(kicks);
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, RunControl*> due_;
  bool started_ = false;
};

}  // namespace

ErrorCode stop_error_code(uint32_t reason) {
  return reason == static_cast<uint32_t>(StopReason::Timeout) ? ErrorCode::ExecTimeout : ErrorCode::ExecCancelled;
}

const char* stop_message(uint32_t reason) {
  return reason == static_cast<uint32_t>(StopReason::Timeout) ? "the run's deadline passed" : "cancelled by the host";
}

RunControl::~RunControl() {
  if (timed_) Watchdog::get().remove(this);
  if (token_) token_->remove(this);
}

void RunControl::watch(std::shared_ptr<CancelState> token) {
  if (!token || token_) return;
  token_ = std::move(token);
  token_->add(this);
}

void RunControl::set_deadline(std::chrono::steady_clock::time_point deadline) {
  if (timed_) return;
  timed_ = true;
  Watchdog::get().add(deadline, this);
}

void RunControl::stop(StopReason why) { send(stop_deferred(why)); }

std::vector<RunControl::Kick> RunControl::stop_deferred(StopReason why) {
  std::vector<Kick> kicks;
  std::lock_guard lock(mu_);
  if (reason_.load(std::memory_order_relaxed)) return kicks;
  const auto r = static_cast<uint32_t>(why);
  reason_.store(r, std::memory_order_relaxed);
  // seq_cst: the engine's hook then reads what the run executes (seq_cst),
  // and the run, after publishing it, reads its word (interp/run.cpp,
  // enter_code): one of the two sees the other's write.
  for (const Attached& a : words_) {
    a.word->store(r, std::memory_order_seq_cst);
    if (a.on_stop) a.on_stop(a.arg);
  }
  // A stop from inside the run (a helper on the run's own thread) needs no
  // interrupt: the run reads its word when the helper returns. One
  // interrupt per thread, however many runs nest on it.
  const pid_t self = gettid();
  for (const Attached& a : words_)
    if (a.interrupt && a.tid != self &&
        std::none_of(kicks.begin(), kicks.end(), [&](const Kick& k) { return k.tid == a.tid; }))
      kicks.push_back({a.interrupt, a.tid});
  return kicks;
}

void RunControl::send(const std::vector<Kick>& kicks) {
  for (const Kick& k : kicks) k.fn(k.tid);
}

void RunControl::attach(StopWord* w, InterruptFn interrupt, OnStopFn on_stop, void* arg) {
  std::lock_guard lock(mu_);
  words_.push_back({w, interrupt, interrupt ? gettid() : 0, on_stop, arg});
  w->store(reason_.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void RunControl::detach(StopWord* w) {
  std::lock_guard lock(mu_);
  std::erase_if(words_, [w](const Attached& a) { return a.word == w; });
}

void CancelState::cancel() {
  std::vector<RunControl::Kick> kicks;
  {
    std::lock_guard lock(mu_);
    cancelled_.store(true, std::memory_order_release);
    for (RunControl* c : runs_)
      for (const RunControl::Kick& k : c->stop_deferred(StopReason::Cancelled)) kicks.push_back(k);
  }
  RunControl::send(kicks);  // without the lock, which the runs' ends take
}

void CancelState::add(RunControl* c) {
  std::lock_guard lock(mu_);
  runs_.push_back(c);
  if (cancelled_.load(std::memory_order_relaxed)) c->stop(StopReason::Cancelled);
}

void CancelState::remove(RunControl* c) {
  std::lock_guard lock(mu_);
  runs_.erase(std::remove(runs_.begin(), runs_.end(), c), runs_.end());
}

uint64_t timed_loop_refill(uint64_t* slice_start_ns) {
  const auto now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
  if (*slice_start_ns == 0) {
    *slice_start_ns = now;
    return kTimedLoopCount;
  }
  return now - *slice_start_ns >= kTimedLoopSliceNs ? 0 : kTimedLoopCount;
}

}  // namespace decade
