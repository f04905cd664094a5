// SPDX-License-Identifier: Apache-2.0
// bpf_timer in user space: the timers of one map's values (MapTimers, owned
// by the map) and the service thread that fires them.
//
// A struct bpf_timer is a 16-byte field of a hash, LRU hash or array value
// (MapDef::timer_off). Programs reach it only through the helpers
// (bpf_timer_init, _set_callback, _start, _cancel); the verifier refuses
// loads and stores to it. Its state lives here, keyed by the field's
// address, never in the value's bytes: nothing a program or the host
// writes into a value can forge a timer.
//
// Contract, as the kernel's (kernel/bpf/helpers.c):
//  - init(timer, clock): -EINVAL for a clock other than CLOCK_MONOTONIC,
//    CLOCK_REALTIME or CLOCK_BOOTTIME, -EBUSY when already initialised,
//    -EPERM once the map is stopping.
//  - set_callback: -EINVAL before init, -EPERM once the map is stopping.
//    The timer keeps the program (its Executable) alive until it is
//    cancelled, freed, or given another program's callback.
//  - start(nsecs, flags): -EINVAL for flags other than BPF_F_TIMER_ABS |
//    BPF_F_TIMER_CPU_PIN, or without init and callback; restarts an armed
//    timer. Relative, or absolute on the timer's clock.
//  - cancel: -EINVAL before init, -EDEADLK from the timer's own callback;
//    else disarms, waits for the timer's callback if it is running on
//    another thread, forgets the callback (start is -EINVAL until the next
//    set_callback), and returns 1 when the timer was armed, else 0.
//  - An element deleted, replaced, evicted or updated frees its timer
//    (release: cancelled, never waits). stop() (the map going away) cancels
//    every timer and waits for a running callback.
//
// Callbacks run on one process-wide service thread, one at a time, in
// expiry order, with r1 = the map, r2 = the element's key (a copy the
// service owns), r3 = the value; as outermost runs of the program that set
// them (Executable::run with RunRequest::callback): a CPU slot of their own,
// the usual budgets and faults. A callback's result (0, as the verifier
// proves) and errors have no caller to go to: failures are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace decade {

class Executable;
class Map;

// Flags of bpf_timer_start (uapi).
inline constexpr uint64_t kBpfFTimerAbs = 1u << 0, kBpfFTimerCpuPin = 1u << 1;
inline constexpr uint32_t kBpfTimerSize = 16;  // sizeof(struct bpf_timer)

// The helpers' operations on the timer field at `timer` (one the verifier
// proved to be the bpf_timer field of a value of `map`, or of the map
// that holds it); 0 or a negative errno, as above.
long timer_init(Map& map, const uint8_t* timer, uint64_t clock);
long timer_set_callback(const uint8_t* timer, std::shared_ptr<Executable> prog, uint64_t callback);
long timer_start(const uint8_t* timer, uint64_t nsecs, uint64_t flags);
long timer_cancel(const uint8_t* timer);

// A map's side of its timers: created with a map whose values hold one.
class MapTimers {
 public:
  explicit MapTimers(Map& map);
  ~MapTimers();
  MapTimers(const MapTimers&) = delete;
  MapTimers& operator=(const MapTimers&) = delete;

  // The element whose value starts at `value` no longer holds its timer.
  void release(const uint8_t* value);
  // Cancels every timer, waits for a running callback (unless it is the
  // caller's own), refuses later inits with -EPERM. Idempotent.
  void stop();

  struct Stats {
    uint64_t initialised = 0;  // timers of this map that exist now
    uint64_t armed = 0;        // of those, waiting for their expiry
    uint64_t fired = 0;        // callbacks run
    uint64_t failed = 0;       // of those, runs that ended with an error
  };
  Stats stats() const;

  struct Core;  // timer.cpp
  const std::shared_ptr<Core>& core() const { return core_; }

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace decade
