// SPDX-License-Identifier: Apache-2.0
// bpf_ringbuf_{output,reserve,submit,discard,query}.
#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/maps/ringbuf.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

RingBufMap* ring(uint64_t m) { return as_ringbuf(reinterpret_cast<Map*>(m)); }

uint64_t ringbuf_output(uint64_t m, uint64_t data, uint64_t size, uint64_t flags, uint64_t) {
  RingBufMap* rb = ring(m);
  if (!rb) return static_cast<uint64_t>(kEINVAL);
  return static_cast<uint64_t>(rb->output(reinterpret_cast<const void*>(data), size, flags));
}

// A reservation the run ended without submitting (unwinding): discarded,
// so the consumer skips it instead of waiting on a busy record forever.
void discard_held(uint64_t sample) {
  if (RingBufMap* rb = ringbuf_of_sample(reinterpret_cast<void*>(sample)))
    rb->commit(reinterpret_cast<void*>(sample), kRbNoWakeup, true);
}

uint64_t ringbuf_reserve(uint64_t m, uint64_t size, uint64_t flags, uint64_t, uint64_t) {
  RingBufMap* rb = ring(m);
  void* sample = rb ? rb->reserve(size, flags) : nullptr;
  if (!sample) return 0;
  const auto s = reinterpret_cast<uint64_t>(sample);
  if (RunContext* rc = current_run_context(); rc && !rc->held.hold(HeldResources::Kind::RingbufRecord, s, discard_held)) {
    discard_held(s);
    return 0;  // as a full ring: the program handles NULL
  }
  return s;
}

void finish(uint64_t sample, uint64_t flags, bool discard) {
  if (RunContext* rc = current_run_context()) rc->held.drop(sample, HeldResources::Kind::RingbufRecord);
  // The verifier only lets a reserved record reach here; without it, a
  // foreign pointer is reported instead of corrupting memory.
  RingBufMap* rb = ringbuf_of_sample(reinterpret_cast<void*>(sample));
  if (!rb || !rb->commit(reinterpret_cast<void*>(sample), flags, discard))
    raise_fault(ErrorCode::ExecHelperFault, "bpf_ringbuf_submit/discard: pointer is not a reserved record");
}

uint64_t ringbuf_submit(uint64_t sample, uint64_t flags, uint64_t, uint64_t, uint64_t) {
  finish(sample, flags, false);
  return 0;
}

uint64_t ringbuf_discard(uint64_t sample, uint64_t flags, uint64_t, uint64_t, uint64_t) {
  finish(sample, flags, true);
  return 0;
}

uint64_t ringbuf_query(uint64_t m, uint64_t flags, uint64_t, uint64_t, uint64_t) {
  RingBufMap* rb = ring(m);
  return rb ? rb->query(flags) : 0;
}

}  // namespace

void append_ringbuf_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  out.push_back(make_proto("bpf_ringbuf_output", kHelperRingbufOutput, ringbuf_output, R::Integer,
                           {A::ConstMapPtr, A::PtrToMem, A::ConstSizeOrZero, A::Scalar}));
  FuncProto reserve = make_proto("bpf_ringbuf_reserve", kHelperRingbufReserve, ringbuf_reserve, R::MemOrNull,
                                 {A::ConstMapPtr, A::Scalar, A::Scalar}, kHelperAcquire);
  reserve.mem_size_arg = 1;
  out.push_back(reserve);
  FuncProto submit = make_proto("bpf_ringbuf_submit", kHelperRingbufSubmit, ringbuf_submit, R::Void,
                                {A::PtrToRingbufMem, A::Scalar}, kHelperRelease);
  submit.release_arg = 0;
  out.push_back(submit);
  FuncProto discard = make_proto("bpf_ringbuf_discard", kHelperRingbufDiscard, ringbuf_discard, R::Void,
                                 {A::PtrToRingbufMem, A::Scalar}, kHelperRelease);
  discard.release_arg = 0;
  out.push_back(discard);
  out.push_back(make_proto("bpf_ringbuf_query", kHelperRingbufQuery, ringbuf_query, R::Integer,
                           {A::ConstMapPtr, A::Scalar}));
}

}  // namespace decade
