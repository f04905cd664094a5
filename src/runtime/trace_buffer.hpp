// SPDX-License-Identifier: Apache-2.0
// Where bpf_trace_printk (bpf_printk) lines go when a host reads them: a
// bounded lock-free ring of fixed-size records, many writers (programs
// running on any threads) and one reader at a time, as the kernel's trace
// buffer is read through trace_pipe. A full ring drops the new line and
// counts it (the kernel overwrites the oldest instead; dropping keeps
// writers wait-free and never tears a line a reader is copying). A line
// longer than kTraceLineMax bytes is cut there.
//
// A run reaches the buffer through TraceScope, a thread-local binding the
// API's test runs make around each call (BpfObject owns one buffer); runs
// outside a scope keep the process-wide sink (run_context.hpp's emit_trace).
// With a callback instead of the ring, every line is handed over at once on
// the running thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "decade/error.hpp"

namespace decade {

inline constexpr size_t kTraceLineMax = 496;
inline constexpr size_t kTraceSlots = 4096;

class TraceBuffer {
 public:
  using Callback = std::function<void(std::string_view line)>;

  TraceBuffer();
  ~TraceBuffer();
  TraceBuffer(const TraceBuffer&) = delete;
  TraceBuffer& operator=(const TraceBuffer&) = delete;

  // Puts the ring in the file at `path` instead of private memory (before
  // runs start): created when missing, else reused, so that every process
  // using the same file writes into, and reads from, one ring (`decade
  // trace`: the programs write in the traced process, the CLI reads). The
  // read position is in the file too: lines one reader took are gone for
  // the next. IoError names the path; InvalidArgument a file that is not
  // such a ring.
  Status share(const std::string& path);
  // Any thread. The callback, when set, receives the line instead of the ring.
  void push(std::string_view line);
  // One reader at a time: appends every complete line, oldest first, and
  // frees their slots. Returns how many.
  size_t drain(std::vector<std::string>& out);
  uint64_t dropped() const;
  // Set before runs start (not while programs run).
  void set_callback(Callback cb) { callback_ = std::move(cb); }

  struct Ring;  // trace_buffer.cpp: positions and slots, lock-free, position-independent

 private:
  Ring* ring();

  Ring* ring_ = nullptr;  // allocated on the first line, or the shared file's mapping
  bool shared_ = false;
  std::atomic<bool> ready_{false};
  Callback callback_;
};

namespace detail {
// Plain data with constant initialisation, here so that a scope (one per
// probe hit) costs two inline stores.
inline constinit thread_local TraceBuffer* t_trace_buffer = nullptr;
}  // namespace detail

// Binds `buffer` as the current thread's trace destination for its lifetime
// (nullptr: none); scopes nest.
class TraceScope {
 public:
  explicit TraceScope(TraceBuffer* buffer) : saved_(detail::t_trace_buffer) { detail::t_trace_buffer = buffer; }
  ~TraceScope() { detail::t_trace_buffer = saved_; }
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  TraceBuffer* saved_;
};

// The current thread's buffer, or nullptr.
inline TraceBuffer* current_trace_buffer() { return detail::t_trace_buffer; }

}  // namespace decade
