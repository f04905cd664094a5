// SPDX-License-Identifier: Apache-2.0
// Guard pages for the memory engines hand to programs, as a process-wide
// option the fuzzers and the soundness tests turn on (off by default: it
// costs a mapping per allocation). With it on, an engine places a region
// flush against a PROT_NONE page, with another PROT_NONE page before its
// first page, so a program that escapes the region faults at once,
// JIT-compiled code included, instead of reading the host's neighbouring
// memory. The option
// is read where such a region is allocated, never on a run's hot path.
// Regions guarded today: the JIT's per-thread stack frames, the
// interpreter's run state (the top of the outermost frame, r10, is the
// guard's first byte), host-made array maps' values (the last value ends at
// the guard), and the plain contexts and packets of the fuzz harness.
#pragma once

#include <cstddef>

namespace decade {

void set_guard_pages(bool on);
bool guard_pages();

// `size` bytes ending exactly at a PROT_NONE page (16-byte aligned when
// size is a multiple of 16), or nullptr when the mapping fails. Free with
// guarded_free(p, size).
void* guarded_alloc(size_t size);
void guarded_free(void* p, size_t size);

}  // namespace decade
