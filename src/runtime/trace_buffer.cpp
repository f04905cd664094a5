// SPDX-License-Identifier: Apache-2.0
// TraceBuffer: a bounded multi-producer queue (each slot carries the
// position it is free or full for, so a writer claims a position with one
// fetch_add and publishes with one release store; a writer that finds its
// slot still unread drops its line).
#include "runtime/trace_buffer.hpp"

#include <cstring>
#include <mutex>

namespace decade {

namespace {

thread_local TraceBuffer* tls_buffer = nullptr;
std::mutex g_alloc;  // first-line allocation only

}  // namespace

TraceBuffer::TraceBuffer() = default;
TraceBuffer::~TraceBuffer() = default;

TraceBuffer::Slot* TraceBuffer::slots() {
  if (ready_.load(std::memory_order_acquire)) return slots_.get();
  std::lock_guard lock(g_alloc);
  if (!slots_) {
    slots_.reset(new (std::nothrow) Slot[kTraceSlots]);
    if (!slots_) return nullptr;
    for (size_t i = 0; i < kTraceSlots; ++i) slots_[i].seq.store(i, std::memory_order_relaxed);
  }
  ready_.store(true, std::memory_order_release);
  return slots_.get();
}

void TraceBuffer::push(std::string_view line) {
  if (callback_) {
    callback_(line);
    return;
  }
  Slot* ring = slots();
  if (!ring) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  uint64_t pos = head_.load(std::memory_order_relaxed);
  for (;;) {
    Slot& s = ring[pos % kTraceSlots];
    const uint64_t seq = s.seq.load(std::memory_order_acquire);
    if (seq == pos) {
      if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
    } else if (seq < pos) {  // the reader has not freed it yet: full
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    } else {
      pos = head_.load(std::memory_order_relaxed);
    }
  }
  Slot& s = ring[pos % kTraceSlots];
  s.len = static_cast<uint32_t>(std::min(line.size(), kTraceLineMax));
  std::memcpy(s.text, line.data(), s.len);
  s.seq.store(pos + 1, std::memory_order_release);
}

size_t TraceBuffer::drain(std::vector<std::string>& out) {
  if (!ready_.load(std::memory_order_acquire)) return 0;
  Slot* ring = slots_.get();
  size_t n = 0;
  for (;; ++n, ++tail_) {
    Slot& s = ring[tail_ % kTraceSlots];
    if (s.seq.load(std::memory_order_acquire) != tail_ + 1) return n;  // empty, or a writer is mid-copy
    out.emplace_back(s.text, s.len);
    s.seq.store(tail_ + kTraceSlots, std::memory_order_release);
  }
}

TraceScope::TraceScope(TraceBuffer* buffer) : saved_(tls_buffer) { tls_buffer = buffer; }
TraceScope::~TraceScope() { tls_buffer = saved_; }

TraceBuffer* current_trace_buffer() { return tls_buffer; }

}  // namespace decade
