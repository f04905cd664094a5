// SPDX-License-Identifier: Apache-2.0
// CPU slots (cpu.hpp). Taking and giving back a slot is on every run's
// entry, and a probe hit is a run: it must cost a few plain stores, not
// locked instructions (a locked instruction right after the probe stub has
// pushed twenty registers waits for all of them to reach the cache, about
// 10 ns each on the development VM). So a slot has two ways of being held:
//
//  - Taken: `held` goes 0 -> 1 by an atomic exchange and back by a release
//    store. Any thread, any slot.
//  - Biased: a thread that keeps taking the same slot while nobody waits
//    keeps it between its runs (`held` stays 1, `owner` names the
//    thread's BiasRecord). Its runs then enter by storing its record's
//    `inside` = 1 and checking that it is still the owner, and leave by
//    storing `inside` = 0: no locked instruction. Another thread takes a
//    biased slot away (revoke) by clearing `owner` with a
//    compare-exchange, then membarrier(): every running thread of the
//    process passes a full barrier, so either the owner's store of
//    `inside` = 1 is visible to the revoker, or the owner's following
//    load of `owner` sees the revocation (a store-then-load on each side,
//    the barrier pairing them; a thread that is not running has passed
//    one at its context switch). The revoker then waits for `inside` = 0
//    and holds the slot as if it had taken it. `inside` lives in the
//    thread's record, not in the slot: a former owner that has not yet
//    seen its revocation writes only its own word, never that of the
//    slot's next owner. Records are never freed (a revoker may still read
//    one after its thread ended) and are reused by later threads, which
//    at worst makes a revoker wait for another run to end. A revocation costs tens of microseconds, so a slot that
//    was revoked needs twice as many consecutive takes by one thread
//    before it is biased again (up to kMaxStreak), and an owner that
//    leaves while threads wait gives its bias up itself.
//
// Waiting for a slot sleeps on a futex with a timeout: a release store is
// not ordered before the following load of the waiter count, so a waiter
// that registers at that instant may miss its wake-up; it looks again
// after kWaitTimeout.
#include "runtime/cpu.hpp"

#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace decade {
namespace {

// Parses a cpulist such as "0-3,8-11" and returns the highest index + 1.
uint32_t parse_cpulist(const std::string& s) {
  uint32_t highest = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = s.find(',', i);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(i, end - i);
    size_t dash = part.find('-');
    std::string last = dash == std::string::npos ? part : part.substr(dash + 1);
    try {
      highest = std::max<uint32_t>(highest, static_cast<uint32_t>(std::stoul(last)) + 1);
    } catch (...) {
      // Malformed entry: ignore it, the fallback below still applies.
    }
    i = end + 1;
  }
  return highest;
}

uint32_t detect_possible() {
  std::ifstream f("/sys/devices/system/cpu/possible");
  std::string line;
  uint32_t n = 0;
  if (f && std::getline(f, line)) n = parse_cpulist(line);
  n = std::max<uint32_t>(n, std::thread::hardware_concurrency());
  return std::clamp<uint32_t>(n, 1, 4096);
}

constexpr uint32_t kUnset = UINT32_MAX;
constexpr uint32_t kMaxStreak = 1u << 20;   // after many revocations: about one per million takes
constexpr long kWaitTimeoutNs = 1'000'000;  // a waiter that missed its wake-up looks again after 1 ms

using detail::BiasRecord;
using detail::SlotWord;
using CpuThread = detail::CpuThread;

// Records of ended threads, for the next ones.
std::mutex g_records_mu;
BiasRecord* g_free_records = nullptr;

BiasRecord* claim_record() {
  std::lock_guard lock(g_records_mu);
  if (BiasRecord* r = g_free_records) {
    g_free_records = r->next_free;
    return r;
  }
  return new BiasRecord();  // never freed (above)
}

void release_record(BiasRecord* r) {
  std::lock_guard lock(g_records_mu);
  r->next_free = g_free_records;
  g_free_records = r;
}

long futex(std::atomic<uint32_t>* word, int op, uint32_t val, const timespec* timeout) {
  return ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, val, timeout, nullptr, 0);
}

bool membarrier_registered() {
  static const bool ok = ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  return ok;
}

void drop_bias_at_exit(CpuThread* t);

// Gives the thread's bias back when it exits (registered on its first
// bias, so threads that never get one pay nothing).
struct BiasReaper {
  ~BiasReaper() { drop_bias_at_exit(&detail::t_cpu); }
};

struct SlotTable {
  std::unique_ptr<SlotWord[]> slots;
  uint32_t n;
  std::atomic<uint32_t> next_home{0};  // spreads the threads' first choices
  // Threads waiting for a slot, and a counter they sleep on.
  std::atomic<uint32_t> waiters{0};
  std::atomic<uint32_t> generation{0};

  // SlotWord::need starts at 16: consecutive takes before a slot is first biased.
  SlotTable() : slots(new SlotWord[possible_cpus()]), n(possible_cpus()) {
    detail::g_slot_words = slots.get();
    detail::g_slot_waiters = &waiters;
  }

  bool try_take(uint32_t i) {
    return !slots[i].held.load(std::memory_order_relaxed) && !slots[i].held.exchange(1, std::memory_order_acquire);
  }
  // Home first, then the others in order; n on failure.
  uint32_t scan(uint32_t home) {
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t i = home + k < n ? home + k : home + k - n;
      if (try_take(i)) return i;
    }
    return n;
  }
  // Takes a biased slot away from its owner, one whose owner is between
  // runs if there is one; n when no slot is biased.
  uint32_t revoke_one(uint32_t home) {
    for (const bool idle_only : {true, false})
      for (uint32_t k = 0; k < n; ++k) {
        const uint32_t i = home + k < n ? home + k : home + k - n;
        SlotWord& s = slots[i];
        BiasRecord* o = s.owner.load(std::memory_order_relaxed);
        if (!o || (idle_only && o->inside.load(std::memory_order_relaxed))) continue;
        if (!s.owner.compare_exchange_strong(o, nullptr, std::memory_order_acq_rel)) continue;
        ::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
        // The owner's run (if one is inside) ends as any holder's does.
        for (uint32_t spins = 0; o->inside.load(std::memory_order_acquire); ++spins) {
          if (spins < 64) {
            std::this_thread::yield();
          } else {
            const timespec ts{0, 50'000};
            ::nanosleep(&ts, nullptr);
          }
        }
        s.need = std::min(s.need * 2, kMaxStreak);
        return i;  // `held` is still 1: the slot is now this thread's
      }
    return n;
  }
  uint32_t take(uint32_t home) {
    if (uint32_t i = scan(home); i < n) return i;
    waiters.fetch_add(1);
    uint32_t i;
    for (;;) {
      const uint32_t g = generation.load();
      if ((i = scan(home)) < n || (i = revoke_one(home)) < n) break;
      const timespec ts{0, kWaitTimeoutNs};
      futex(&generation, FUTEX_WAIT_PRIVATE, g, &ts);
    }
    waiters.fetch_sub(1);
    return i;
  }
  void wake_waiters() {
    if (!waiters.load(std::memory_order_relaxed)) return;
    generation.fetch_add(1);
    futex(&generation, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr);
  }
  void give_back(uint32_t i) {
    slots[i].held.store(0, std::memory_order_release);
    wake_waiters();
  }

  // After a take of slot i by t: bias it to t when t has taken it
  // `need` times in a row and nobody waits.
  void maybe_bias(CpuThread& t, uint32_t i) {
    SlotWord& s = slots[i];
    if (s.last != &t) {
      s.last = &t;
      s.streak = 0;
    }
    if (++s.streak < s.need || waiters.load(std::memory_order_relaxed) || !membarrier_registered()) return;
    if (!t.rec) {
      thread_local BiasReaper reaper;  // cold: the first bias of the thread registers its exit hook
      (void)reaper;
      t.rec = claim_record();
    }
    // This run is inside before the bias is published: a revoker that
    // sees the owner then waits for the run to end.
    t.rec->inside.store(1, std::memory_order_relaxed);
    s.owner.store(t.rec, std::memory_order_release);
    t.biased = true;
  }

  void leave_biased(CpuThread& t) {
    if (waiters.load(std::memory_order_relaxed)) {
      // Let the waiters in without a revocation: give the bias up.
      BiasRecord* self = t.rec;
      t.biased = false;
      if (slots[t.home].owner.compare_exchange_strong(self, nullptr, std::memory_order_acq_rel)) {
        t.rec->inside.store(0, std::memory_order_relaxed);
        give_back(t.home);
        return;
      }
    }
    t.rec->inside.store(0, std::memory_order_release);
  }
};

// Leaked: threads may exit during static destruction. A plain pointer, so
// a run's entry reaches the table with one load, not a guard check.
constinit std::atomic<SlotTable*> g_table{nullptr};

[[gnu::noinline, gnu::cold]] SlotTable& make_table() {
  static SlotTable* t = new SlotTable();  // once, whichever thread comes first
  g_table.store(t, std::memory_order_release);
  return *t;
}

inline SlotTable& table() {
  SlotTable* t = g_table.load(std::memory_order_acquire);
  return t ? *t : make_table();
}

void drop_bias_at_exit(CpuThread* t) {
  if (t->biased) {
    t->biased = false;
    BiasRecord* self = t->rec;
    if (table().slots[t->home].owner.compare_exchange_strong(self, nullptr, std::memory_order_acq_rel))
      table().give_back(t->home);
    // Otherwise a revoker holds the slot now.
  }
  if (t->rec) release_record(t->rec);
  t->rec = nullptr;
}

uint32_t home_of(CpuThread& t) {
  if (t.home == kUnset) t.home = table().next_home.fetch_add(1, std::memory_order_relaxed) % table().n;
  return t.home;
}

}  // namespace

uint32_t possible_cpus() {
  static const uint32_t n = detect_possible();
  return n;
}

uint32_t current_cpu() { return home_of(detail::t_cpu); }

namespace detail {

void enter_slow(CpuThread& t) {
  SlotTable& tab = table();
  if (t.biased) {  // revoked (CpuSlot::enter_biased): the revoker holds it now
    t.rec->inside.store(0, std::memory_order_release);
    t.biased = false;
  }
  t.home = tab.take(home_of(t));
  tab.maybe_bias(t, t.home);
}

void leave_slow(CpuThread& t) {
  if (t.biased) {
    table().leave_biased(t);
  } else {
    table().give_back(t.home);
  }
}

}  // namespace detail

}  // namespace decade
