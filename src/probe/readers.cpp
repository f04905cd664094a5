// SPDX-License-Identifier: Apache-2.0
#include "probe/readers.hpp"

#include <pthread.h>
#include <sched.h>

#include "probe/code_patch.hpp"

namespace decade::probe {
namespace {

constexpr uint32_t kRecords = 1024;
ReaderRecord g_records[kRecords];
pthread_key_t g_exit_key;

// Thread exit: the record returns to the pool (its seq is even: a thread
// exits outside hits).
void release_record(void* p) { static_cast<ReaderRecord*>(p)->owned.store(0, std::memory_order_release); }

}  // namespace

std::atomic<uint32_t> g_overflow_readers{0};
bool g_reader_fence = !membarrier_ready();

ReaderRecord* claim_reader_record() {
  static const bool key_ok = pthread_key_create(&g_exit_key, release_record) == 0;
  if (!key_ok) return nullptr;
  for (ReaderRecord& r : g_records) {
    uint32_t free = 0;
    if (r.owned.load(std::memory_order_relaxed) || !r.owned.compare_exchange_strong(free, 1)) continue;
    pthread_setspecific(g_exit_key, &r);
    return &r;
  }
  return nullptr;
}

void wait_for_readers(const ReaderRecord* self) {
  barrier_all_threads(false);
  for (ReaderRecord& r : g_records) {
    if (&r == self || !r.owned.load(std::memory_order_acquire)) continue;
    const uint64_t s = r.seq.load(std::memory_order_acquire);
    if (s % 2 == 0) continue;
    while (r.seq.load(std::memory_order_acquire) == s) sched_yield();
  }
  while (g_overflow_readers.load(std::memory_order_acquire)) sched_yield();
}

}  // namespace decade::probe
