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

// Holds an exclusive CPU slot for its lifetime (re-entrant on one thread:
// a nested CpuSlot keeps the outer one's slot). Waits while every slot is held.
class CpuSlot {
 public:
  CpuSlot();
  ~CpuSlot();
  CpuSlot(const CpuSlot&) = delete;
  CpuSlot& operator=(const CpuSlot&) = delete;
  uint32_t cpu() const { return cpu_; }

 private:
  uint32_t cpu_;  // the slot held (the outer CpuSlot's when nested)
};

}  // namespace decade
