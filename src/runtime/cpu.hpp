// SPDX-License-Identifier: Apache-2.0
// "CPUs" for per-CPU maps and bpf_get_smp_processor_id.
//
// A kernel program runs with preemption disabled, so the CPU it runs on is
// its own for the whole run and per-CPU values need no atomics. Host threads
// are preempted and may outnumber the CPUs, so Decade gives each run a CPU
// slot of its own instead: the outermost run on a thread takes a free slot
// in [0, possible_cpus()) when it starts (RunScope) and gives it back when it
// ends; runs nested on the same thread (tail calls, programs run from a
// helper) keep the slot they are in. While every slot is taken, a starting
// run waits for one, as a runnable task waits for a CPU. No two runs ever hold
// one slot, whatever the number of threads, and bpf_get_smp_processor_id
// returns the slot the run holds.
//
// A thread first tries the slot it held last (its "home"), so a thread that
// runs programs again and again touches only its own cache line.
//
// Contract: code that holds a slot must not wait for another thread that
// needs one (a helper blocking on another run), or it may wait forever once
// every slot is held, as a kernel program spinning on another CPU's work
// with preemption disabled would.
#pragma once

#include <atomic>
#include <cstdint>

namespace decade {

// The kernel's num_possible_cpus() on this host (/sys/devices/system/cpu/possible),
// at least 1. Fixed for the life of the process.
uint32_t possible_cpus();

// The CPU slot of the calling thread: the one it holds (inside a run or a
// CpuSlot), else its home slot, which is not exclusive. Host code that calls
// the program-facing operations of per-CPU maps outside a run and needs the
// per-CPU guarantee holds a CpuSlot around them.
uint32_t current_cpu();

namespace detail {

// What a run's entry and exit read and write on the common path, inline
// (runtime/cpu.cpp explains the design; only it creates and changes these
// but for the owner's own `inside` and `depth`).

// A thread's word for its biased runs, on a cache line of its own.
struct alignas(64) BiasRecord {
  std::atomic<uint32_t> inside{0};  // 1 while the thread runs in the slot biased to it (only it writes this)
  BiasRecord* next_free = nullptr;
};

// One slot per possible CPU, each on its own cache line.
struct alignas(64) SlotWord {
  std::atomic<uint32_t> held{0};            // 1 while taken or biased
  std::atomic<BiasRecord*> owner{nullptr};  // biased: the owner's record; cleared by the owner or by a revoker
  // Written only by whoever holds the slot.
  const void* last = nullptr;               // the thread (its CpuThread) that took it last
  uint32_t streak = 0;                      // consecutive takes by `last`
  uint32_t need = 16;                       // streak at which it is biased; doubles at each revocation
};

// Per thread: plain data with constant initialisation, so reaching it
// costs no TLS initialisation call on the run's entry.
struct CpuThread {
  uint32_t home = UINT32_MAX;  // the slot held last (while depth > 0: the one held)
  uint32_t depth = 0;          // nested CpuSlots on this thread; the slot is held while > 0
  bool biased = false;         // this thread owns the bias of `home` (it may have been revoked since)
  BiasRecord* rec = nullptr;   // claimed at the thread's first bias, given back when it ends
};
inline constinit thread_local CpuThread t_cpu;

// The slot table's words and its count of waiting threads, set once before
// any slot is taken (a thread that holds a bias has read them through the
// table's publication).
inline constinit SlotWord* g_slot_words = nullptr;
inline constinit std::atomic<uint32_t>* g_slot_waiters = nullptr;

void enter_slow(CpuThread& t);  // takes a slot (and may bias it)
void leave_slow(CpuThread& t);  // gives the slot or the bias back

}  // namespace detail

// Holds an exclusive CPU slot for its lifetime (re-entrant on one thread:
// a nested CpuSlot keeps the outer one's slot). Waits while every slot is held.
// The biased case (a thread that keeps running programs) is inline: two
// plain stores and a load on entry, a load and a store on exit.
class CpuSlot {
 public:
  CpuSlot() {
    detail::CpuThread& t = detail::t_cpu;
    if (t.depth++ == 0) [[likely]] {
      if (!t.biased || !enter_biased(t)) [[unlikely]]
        detail::enter_slow(t);
    }
    cpu_ = t.home;
  }
  ~CpuSlot() {
    detail::CpuThread& t = detail::t_cpu;
    if (--t.depth != 0) [[unlikely]]
      return;
    if (t.biased && !detail::g_slot_waiters->load(std::memory_order_relaxed)) [[likely]] {
      t.rec->inside.store(0, std::memory_order_release);
      return;
    }
    detail::leave_slow(t);
  }
  CpuSlot(const CpuSlot&) = delete;
  CpuSlot& operator=(const CpuSlot&) = delete;
  uint32_t cpu() const { return cpu_; }

 private:
  // The owner of a bias enters its slot: true when the bias still holds
  // (the revoker's membarrier orders the store before the load).
  static bool enter_biased(detail::CpuThread& t) {
    t.rec->inside.store(1, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    return detail::g_slot_words[t.home].owner.load(std::memory_order_relaxed) == t.rec;
  }

  uint32_t cpu_;  // the slot held (the outer CpuSlot's when nested)
};

}  // namespace decade
