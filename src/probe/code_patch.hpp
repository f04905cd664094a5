// SPDX-License-Identifier: Apache-2.0
// Changing code that other threads may be running, and executable memory
// near a function. Attach-time only; callers serialise (site.cpp's mutex).
#pragma once

#include <cstddef>
#include <cstdint>

#include "decade/error.hpp"

namespace decade::probe {

// Registers this process for membarrier's expedited commands once; false
// when the kernel lacks them (then readers of probe lists use a full fence,
// and code writes rely on x86's coherent instruction fetch alone).
bool membarrier_ready();
// Every running thread of the process passes a full memory barrier (and,
// when `sync_core`, a serialising instruction) before this returns.
void barrier_all_threads(bool sync_core);

// A page of memory within +-2 GiB of `near` (rel32 reach), readable and
// writable; 0 when none was found. seal_code() makes it read + execute.
uint64_t alloc_near(uint64_t near, size_t size);
Status seal_code(uint64_t page, size_t size);

// Replaces n (<= 8) bytes of code at addr while other threads may run it:
// a thread executing at addr sees either the old or the new instruction.
// When [addr, addr + n) fits in one aligned 8-byte word, one atomic store
// does it; otherwise a 2-byte self-jump (EB FE) is stored at addr first
// (a 2-byte store inside a cache line is atomic), every core serialises,
// bytes 2..n-1 are written, every core serialises, and the first two bytes
// are stored last. ProbeAttachFailed when the page cannot be made writable
// or addr's first two bytes cross a cache line.
Status write_code(uint64_t addr, const uint8_t* bytes, size_t n);

}  // namespace decade::probe
