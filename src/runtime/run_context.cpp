// SPDX-License-Identifier: Apache-2.0
#include "runtime/run_context.hpp"

#include <cstdio>
#include <mutex>
#include <string>
#include <utility>

namespace decade {
namespace {

thread_local RunContext* tls_current = nullptr;

struct GlobalSink {
  std::mutex mu;
  TraceSink sink;
};

GlobalSink& global_sink() {
  static GlobalSink* g = new GlobalSink();  // leaked: may be used during static destruction
  return *g;
}

// Callbacks may themselves call bpf_loop; the kernel bounds this through the
// call-frame limit, here a depth counter keeps the host stack safe.
constexpr uint32_t kMaxCallbackDepth = 8;

}  // namespace

RunContext* current_run_context() { return tls_current; }

RunScope::RunScope(RunContext& rc) : saved_(tls_current) {
  if (!saved_) cpu_.emplace();
  tls_current = &rc;
}
RunScope::~RunScope() { tls_current = saved_; }

void set_trace_sink(TraceSink sink) {
  auto& g = global_sink();
  std::lock_guard lock(g.mu);
  g.sink = std::move(sink);
}

void emit_trace(std::string_view line) {
  if (tls_current && tls_current->trace && *tls_current->trace) {
    (*tls_current->trace)(line);
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
  if (tls_current && !tls_current->fault) tls_current->fault = Error{code, -1, std::move(message), {}, {}};
}

std::optional<uint64_t> run_callback(uint64_t target, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5) {
  RunContext* rc = tls_current;
  if (!rc || !rc->invoke_callback) {
    raise_fault(ErrorCode::ExecBadCall, "callback helper called outside an engine run");
    return std::nullopt;
  }
  if (rc->fault) return std::nullopt;
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
