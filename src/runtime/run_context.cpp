// SPDX-License-Identifier: Apache-2.0
#include "runtime/run_context.hpp"

#include "runtime/res_spin_lock.hpp"
#include "runtime/run_control.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <utility>

namespace decade {
namespace {

struct GlobalSink {
  std::mutex mu;
  TraceSink sink;
};

GlobalSink& global_sink() {
  static GlobalSink* g = new GlobalSink();  // leaked: may be used during static destruction
  return *g;
}

}  // namespace

const uint8_t* CallbackKeys::hold(uint32_t depth, const void* key, size_t size) {
  if (depth >= kMaxCallbackDepth || size > kMaxKey) return nullptr;
  if (!bytes_) {
    bytes_.reset(new (std::nothrow) uint8_t[kMaxCallbackDepth * kMaxKey]);
    if (!bytes_) return nullptr;
  }
  uint8_t* slot = bytes_.get() + size_t{depth} * kMaxKey;
  std::memcpy(slot, key, size);
  // The readable part of a level is the largest key it has held: a pointer
  // kept from an earlier, longer key stays readable in checked execution.
  size_[depth] = std::max(size_[depth], static_cast<uint16_t>(size));
  return slot;
}

bool CallbackKeys::contains(uint64_t addr, uint64_t size) const {
  if (!bytes_) return false;
  const auto base = reinterpret_cast<uint64_t>(bytes_.get());
  if (addr < base || addr - base >= kMaxCallbackDepth * kMaxKey) return false;
  const uint64_t depth = (addr - base) / kMaxKey, off = (addr - base) % kMaxKey;
  return off <= size_[depth] && size <= size_[depth] - off;
}

bool HeldResources::hold(Kind kind, uint64_t object, ReleaseFn release) {
  try {
    items_.push_back({object, release, kind});
  } catch (const std::bad_alloc&) {
    return false;
  }
  if (kind == Kind::SpinLock) ++locks_;
  return true;
}

bool HeldResources::drop(uint64_t object, Kind kind) {
  // Newest first: programs release mostly in reverse order of acquiring.
  for (size_t i = items_.size(); i-- > 0;) {
    if (items_[i].object != object || items_[i].kind != kind) continue;
    if (items_[i].kind == Kind::SpinLock) --locks_;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
    return true;
  }
  return false;
}

bool HeldResources::holds(uint64_t object, Kind kind) const {
  for (const Item& it : items_)
    if (it.object == object && it.kind == kind) return true;
  return false;
}

size_t HeldResources::release_all() {
  const size_t n = items_.size();
  while (!items_.empty()) {
    const Item it = items_.back();
    items_.pop_back();
    it.release(it.object);
  }
  locks_ = 0;
  return n;
}

size_t release_run_resources(RunContext& rc) { return rc.held.size() ? rc.held.release_all() : 0; }

bool stop_requested(const RunContext& rc) { return rc.control && rc.control->reason() != 0; }

void raise_stop(const RunContext& rc) {
  const uint32_t why = rc.control ? rc.control->reason() : 0;
  raise_fault(stop_error_code(why), stop_message(why));
}

void set_trace_sink(TraceSink sink) {
  auto& g = global_sink();
  std::lock_guard lock(g.mu);
  g.sink = std::move(sink);
}

void emit_trace(std::string_view line) {
  const RunContext* rc = current_run_context();
  if (rc && rc->trace && *rc->trace) {
    (*rc->trace)(line);
    return;
  }
  auto& g = global_sink();
  std::lock_guard lock(g.mu);
  if (g.sink) {
    g.sink(line);
  } else {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  }
}

void raise_fault(ErrorCode code, std::string message) {
  RunContext* rc = current_run_context();
  if (rc && !rc->fault) rc->fault = Error{code, -1, std::move(message), {}, {}};
}

std::optional<uint64_t> run_callback(uint64_t target, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5) {
  RunContext* rc = current_run_context();
  if (!rc || !rc->invoke_callback) {
    raise_fault(ErrorCode::ExecBadCall, "callback helper called outside an engine run");
    return std::nullopt;
  }
  if (rc->fault) return std::nullopt;
  // Each iteration of bpf_loop, bpf_for_each_map_elem and other callback
  // helpers passes here: a stopped run ends between two iterations.
  if (stop_requested(*rc)) {
    raise_stop(*rc);
    return std::nullopt;
  }
  if (rc->callback_depth >= kMaxCallbackDepth) {
    raise_fault(ErrorCode::ExecCallDepth, "callbacks nested too deeply");
    return std::nullopt;
  }
  ++rc->callback_depth;
  uint64_t r0 = 0;
  bool ok = rc->invoke_callback(rc->engine, target, r1, r2, r3, r4, r5, &r0);
  --rc->callback_depth;
  if (!ok || rc->fault) {
    raise_fault(ErrorCode::ExecHelperFault, "callback faulted");
    return std::nullopt;
  }
  return r0;
}

}  // namespace decade
