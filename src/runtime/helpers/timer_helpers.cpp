// SPDX-License-Identifier: Apache-2.0
// bpf_timer_init, bpf_timer_set_callback, bpf_timer_start and
// bpf_timer_cancel: the program's side of the timer service
// (runtime/timer.hpp). The verifier proves each timer argument is the
// bpf_timer field of a value of a map with timers, and bpf_timer_init's map
// the map holding it; unverified programs cannot pass one (checked_args).
#include "runtime/engine.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/run_context.hpp"
#include "runtime/timer.hpp"

namespace decade {
namespace {

const uint8_t* field(uint64_t timer) { return reinterpret_cast<const uint8_t*>(timer); }

uint64_t result(long rc) { return static_cast<uint64_t>(rc); }

// bpf_timer_init(timer, map, flags): flags is the clock id.
uint64_t init(uint64_t timer, uint64_t map, uint64_t flags, uint64_t, uint64_t) {
  return result(timer_init(*reinterpret_cast<Map*>(map), field(timer), flags));
}

// bpf_timer_set_callback(timer, callback): the timer holds the running
// program (the kernel's reference on it) while the callback may run.
uint64_t set_callback(uint64_t timer, uint64_t callback, uint64_t, uint64_t, uint64_t) {
  RunContext* rc = current_run_context();
  std::shared_ptr<Executable> prog;
  if (rc && rc->executable) prog = rc->executable->weak_from_this().lock();
  if (!prog) {
    raise_fault(ErrorCode::ExecUnsupported,
                "bpf_timer_set_callback: the program is not owned by a std::shared_ptr, so no timer can keep it");
    return result(-22);  // -EINVAL
  }
  return result(timer_set_callback(field(timer), std::move(prog), callback));
}

// bpf_timer_start(timer, nsecs, flags).
uint64_t start(uint64_t timer, uint64_t nsecs, uint64_t flags, uint64_t, uint64_t) {
  return result(timer_start(field(timer), nsecs, flags));
}

uint64_t cancel(uint64_t timer, uint64_t, uint64_t, uint64_t, uint64_t) { return result(timer_cancel(field(timer))); }

}  // namespace

void append_timer_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  out.push_back(make_proto("bpf_timer_init", kHelperTimerInit, init, R::Integer, {A::PtrToTimer, A::ConstMapPtr, A::Scalar}));
  FuncProto cb = make_proto("bpf_timer_set_callback", kHelperTimerSetCallback, set_callback, R::Integer,
                            {A::PtrToTimer, A::PtrToFunc}, kHelperCallback);
  cb.callback_args = 3;
  out.push_back(cb);
  out.push_back(make_proto("bpf_timer_start", kHelperTimerStart, start, R::Integer, {A::PtrToTimer, A::Scalar, A::Scalar}));
  out.push_back(make_proto("bpf_timer_cancel", kHelperTimerCancel, cancel, R::Integer, {A::PtrToTimer}));
}

}  // namespace decade
