// SPDX-License-Identifier: Apache-2.0
// The bpf_timer service (timer.hpp): one registry of initialised timers,
// keyed by the address of their field, and one thread that sleeps until
// the earliest expiry and runs its callback.
#include "runtime/timer.hpp"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/engine.hpp"
#include "runtime/map.hpp"

namespace decade {

struct MapTimers::Core {
  Map& map;
  bool stopped = false;  // the map is going away: no more timers
  uint64_t fired = 0, failed = 0;
  explicit Core(Map& m) : map(m) {}
};

namespace {

uint64_t clock_ns(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t sat_add(uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

// One initialised timer. `seq` changes with every start, cancel and
// release and is never reused, so an expiry queued before one of them
// (or for a field whose memory now holds another map's timer) does nothing.
struct Timer {
  std::shared_ptr<MapTimers::Core> core;
  clockid_t clock = CLOCK_MONOTONIC;
  std::shared_ptr<Executable> prog;  // kept alive while it may be called back
  uint64_t callback = 0;
  uint64_t seq = 0;
  bool armed = false;
};

// Every timer of the process, under one lock: timer operations are rare
// next to map operations, and one lock keeps the rules plain.
struct Registry {
  std::mutex mu;
  std::condition_variable idle;  // a callback ended
  std::unordered_map<const uint8_t*, Timer> timers;
  uint64_t next_seq = 1;
  // The callback running now on the service thread, and its map.
  const uint8_t* running = nullptr;
  const MapTimers::Core* running_core = nullptr;
  std::thread::id running_thread;

  // Whether the caller is the thread running `timer`'s callback.
  bool in_callback_of(const uint8_t* timer) const {
    return running == timer && running_thread == std::this_thread::get_id();
  }
};

// Never destroyed: a map may release its timers from another static's
// destructor at exit.
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

// The thread, started at the first start(): a queue of expiries on the
// monotonic clock. Ended (joined) at exit.
class TimerService {
 public:
  static TimerService& get() {
    static TimerService service;
    return service;
  }

  void schedule(uint64_t deadline, const uint8_t* timer, uint64_t seq) {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    queue_.push(Entry{deadline, timer, seq});
    cv_.notify_one();
  }

  ~TimerService() {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
      cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  struct Entry {
    uint64_t deadline;
    const uint8_t* timer;
    uint64_t seq;
    bool operator>(const Entry& o) const { return deadline > o.deadline; }
  };

  void loop() {
    std::unique_lock lock(mu_);
    while (!quit_) {
      if (queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      const uint64_t now = clock_ns(CLOCK_MONOTONIC);
      const Entry e = queue_.top();
      if (e.deadline > now) {
        // steady_clock is CLOCK_MONOTONIC; a far deadline is looked at again daily.
        const uint64_t wait = std::min<uint64_t>(e.deadline - now, uint64_t{86'400} * 1'000'000'000u);
        cv_.wait_for(lock, std::chrono::nanoseconds(wait));
        continue;
      }
      queue_.pop();
      lock.unlock();
      fire(e.timer, e.seq);
      lock.lock();
    }
  }

  static void fire(const uint8_t* timer, uint64_t seq);

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_;
  std::thread thread_;
  bool quit_ = false;
};

// Runs `timer`'s callback if this expiry is still the current one, as an
// outermost run of the program that set it, with (map, key, value).
void TimerService::fire(const uint8_t* timer, uint64_t seq) {
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  auto it = r.timers.find(timer);
  if (it == r.timers.end() || it->second.seq != seq || !it->second.armed || it->second.core->stopped) return;
  Timer& t = it->second;
  t.armed = false;
  std::shared_ptr<MapTimers::Core> core = t.core;
  std::shared_ptr<Executable> prog = t.prog;
  Map& map = core->map;
  uint8_t* value = const_cast<uint8_t*>(timer) - map.def().timer_off;
  // The key the kernel passes: the array index, or the hash element's key,
  // copied (the element may be deleted while its callback runs).
  std::vector<uint8_t> key(std::max<uint32_t>(map.def().key_size, 8));
  if (!prog || !map.key_of_value(value, key.data())) return;
  r.running = timer;
  r.running_core = core.get();
  r.running_thread = std::this_thread::get_id();
  RunRequest req;
  req.callback = t.callback;
  req.r1 = reinterpret_cast<uint64_t>(&map);
  req.r2 = reinterpret_cast<uint64_t>(key.data());
  req.r3 = reinterpret_cast<uint64_t>(value);
  lock.unlock();
  const bool ok = prog->run(req).has_value();
  prog.reset();  // may be the program's last owner: never under the lock
  lock.lock();
  ++core->fired;
  if (!ok) ++core->failed;
  r.running = nullptr;
  r.running_core = nullptr;
  r.running_thread = {};
  r.idle.notify_all();
}

}  // namespace

long timer_init(Map& map, const uint8_t* timer, uint64_t clock) {
  // Clock ids are below 16 (MAX_CLOCKS); alarm and CPU-time clocks are refused.
  if (clock >= 16 || (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME && clock != CLOCK_BOOTTIME)) return -EINVAL;
  MapTimers* owner = map.timers();
  if (!owner) return -EINVAL;
  // The field must be in one of this map's elements: inner maps of one
  // map-in-map share a definition, so the verifier cannot tell them apart.
  std::vector<uint8_t> key(std::max<uint32_t>(map.def().key_size, 8));
  if (!map.key_of_value(timer - map.def().timer_off, key.data())) return -EINVAL;
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  if (r.timers.contains(timer)) return -EBUSY;
  if (owner->core()->stopped) return -EPERM;
  Timer t;
  t.core = owner->core();
  t.clock = static_cast<clockid_t>(clock);
  t.seq = r.next_seq++;
  r.timers.emplace(timer, std::move(t));
  return 0;
}

long timer_set_callback(const uint8_t* timer, std::shared_ptr<Executable> prog, uint64_t callback) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.timers.find(timer);
  if (it == r.timers.end()) return -EINVAL;
  if (it->second.core->stopped) return -EPERM;
  // The previous program goes with `prog`, after the lock.
  std::swap(it->second.prog, prog);
  it->second.callback = callback;
  return 0;
}

long timer_start(const uint8_t* timer, uint64_t nsecs, uint64_t flags) {
  if (flags & ~(kBpfFTimerAbs | kBpfFTimerCpuPin)) return -EINVAL;
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  auto it = r.timers.find(timer);
  if (it == r.timers.end() || !it->second.prog) return -EINVAL;
  Timer& t = it->second;
  const uint64_t now = clock_ns(CLOCK_MONOTONIC);
  uint64_t deadline = sat_add(now, nsecs);
  if (flags & kBpfFTimerAbs) {
    // A time on the timer's clock, as the same distance from now on the
    // monotonic one (a time already past expires at once).
    const uint64_t on_clock = t.clock == CLOCK_MONOTONIC ? now : clock_ns(t.clock);
    deadline = nsecs > on_clock ? sat_add(now, nsecs - on_clock) : now;
  }
  t.seq = r.next_seq++;
  t.armed = true;
  const uint64_t seq = t.seq;
  lock.unlock();
  TimerService::get().schedule(deadline, timer, seq);
  return 0;
}

long timer_cancel(const uint8_t* timer) {
  std::shared_ptr<Executable> old;  // dropped after the lock
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  auto it = r.timers.find(timer);
  if (it == r.timers.end()) return -EINVAL;
  if (r.in_callback_of(timer)) return -EDEADLK;
  Timer& t = it->second;
  const long was_armed = t.armed ? 1 : 0;
  t.armed = false;
  t.seq = r.next_seq++;
  old = std::move(t.prog);
  t.callback = 0;
  // Its callback may be running on the service thread: cancel returns after it.
  r.idle.wait(lock, [&] { return r.running != timer; });
  return was_armed;
}

MapTimers::MapTimers(Map& map) : core_(std::make_shared<Core>(map)) {}

MapTimers::~MapTimers() { stop(); }

void MapTimers::release(const uint8_t* value) {
  if (!value) return;
  std::shared_ptr<Executable> old;
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.timers.find(value + core_->map.def().timer_off);
  if (it == r.timers.end() || it->second.core != core_) return;
  old = std::move(it->second.prog);
  r.timers.erase(it);
}

void MapTimers::stop() {
  std::vector<std::shared_ptr<Executable>> gone;  // dropped after the lock
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  core_->stopped = true;
  for (auto it = r.timers.begin(); it != r.timers.end();) {
    if (it->second.core == core_) {
      gone.push_back(std::move(it->second.prog));
      it = r.timers.erase(it);
    } else {
      ++it;
    }
  }
  // A callback of this map reads its values: wait for it, unless it is the
  // caller (a map cannot be freed by its own callback, but stay safe).
  r.idle.wait(lock, [&] { return r.running_core != core_.get() || r.running_thread == std::this_thread::get_id(); });
}

MapTimers::Stats MapTimers::stats() const {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  Stats s;
  for (const auto& [addr, t] : r.timers)
    if (t.core == core_) {
      ++s.initialised;
      s.armed += t.armed ? 1 : 0;
    }
  s.fired = core_->fired;
  s.failed = core_->failed;
  return s;
}

}  // namespace decade
