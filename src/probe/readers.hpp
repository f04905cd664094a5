// SPDX-License-Identifier: Apache-2.0
// Which threads are inside a probe hit, so that a detach can free what
// the hit may still read (an RCU-like grace period without locks or
// read-modify-write instructions on the hit path).
//
// Each thread owns a record (claimed on its first hit, released when it
// exits) whose sequence number is odd while the thread is inside a hit.
// enter()/exit() are two plain stores; the writer's wait_for_readers()
// makes every thread pass a memory barrier (membarrier), then waits for each
// record that was odd to change. Anything unpublished before the call is
// unreachable to every hit that starts after it, and every hit that may
// have seen it has ended when it returns.
#pragma once

#include <atomic>
#include <cstdint>

namespace decade::probe {

struct alignas(64) ReaderRecord {
  std::atomic<uint32_t> owned{0};
  std::atomic<uint64_t> seq{0};
};

// This thread's record; nullptr when every record is taken (then the
// thread counts itself in a shared counter instead).
ReaderRecord* claim_reader_record();
extern std::atomic<uint32_t> g_overflow_readers;
// False when membarrier is missing: readers then fence after entering.
extern bool g_reader_fence;

inline void reader_enter(ReaderRecord* r) {
  if (r) {
    r->seq.store(r->seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  } else {
    g_overflow_readers.fetch_add(1, std::memory_order_seq_cst);
  }
  if (g_reader_fence) std::atomic_thread_fence(std::memory_order_seq_cst);
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

inline void reader_exit(ReaderRecord* r) {
  if (r) {
    r->seq.store(r->seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  } else {
    g_overflow_readers.fetch_sub(1, std::memory_order_release);
  }
}

// Returns once every hit that started before the call has ended (the
// calling thread's own record excepted: a detach from inside a hit of the
// same thread would wait for itself).
void wait_for_readers(const ReaderRecord* self);

}  // namespace decade::probe
