// SPDX-License-Identifier: Apache-2.0
// "CPUs" for per-CPU maps and bpf_get_smp_processor_id: each host thread gets
// a stable index in [0, possible_cpus()) for its lifetime. Indexes are reused
// after a thread exits; only when more threads are alive than possible CPUs
// do two threads share one (their per-CPU slots are then not exclusive).
#pragma once

#include <cstdint>

namespace decade {

// The kernel's num_possible_cpus() on this host (/sys/devices/system/cpu/possible),
// at least 1. Fixed for the life of the process.
uint32_t possible_cpus();

// The calling thread's CPU index.
uint32_t current_cpu();

}  // namespace decade
