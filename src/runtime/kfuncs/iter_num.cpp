// SPDX-License-Identifier: Apache-2.0
// Open-coded numeric iterator: struct bpf_iter_num (8 bytes on the
// program's stack) holds {int cur; int end;}. new(it, start, end) yields
// start..end-1 through next(it), which returns a pointer to the current
// value or NULL when done; destroy(it) ends it. Bounded by BPF_MAX_LOOPS.
#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

struct IterNum {
  int32_t cur;
  int32_t end;
};
static_assert(sizeof(IterNum) == 8);

IterNum* iter(uint64_t p) { return reinterpret_cast<IterNum*>(p); }

void destroy_held(uint64_t it) { *iter(it) = {0, 0}; }

// The iterator is the run's from new() (even a failed one, which the
// program must still destroy) to destroy(); a run that ends in between
// destroys it in its unwinding (HeldResources).
uint64_t iter_num_new(uint64_t it, uint64_t start_raw, uint64_t end_raw, uint64_t, uint64_t) {
  IterNum* s = iter(it);
  if (RunContext* rc = current_run_context(); rc && !rc->held.hold(HeldResources::Kind::Iterator, it, destroy_held)) {
    *s = {0, 0};
    return static_cast<uint64_t>(kENOMEM);
  }
  const int32_t start = static_cast<int32_t>(start_raw), end = static_cast<int32_t>(end_raw);
  if (start > end) {
    *s = {0, 0};
    return static_cast<uint64_t>(kEINVAL);
  }
  if (int64_t{end} - int64_t{start} > static_cast<int64_t>(kBpfMaxLoops)) {
    *s = {0, 0};
    return static_cast<uint64_t>(kE2BIG);
  }
  // cur starts one below start; computed in 64 bits so INT_MIN does not overflow.
  s->cur = static_cast<int32_t>(static_cast<uint32_t>(int64_t{start} - 1));
  s->end = end;
  return 0;
}

uint64_t iter_num_next(uint64_t it, uint64_t, uint64_t, uint64_t, uint64_t) {
  IterNum* s = iter(it);
  // cur + 1 is evaluated in 32 bits as the kernel does (start - 1 may have wrapped).
  const int32_t next = static_cast<int32_t>(static_cast<uint32_t>(s->cur) + 1u);
  if (int64_t{next} >= int64_t{s->end}) {
    *s = {0, 0};
    return 0;
  }
  s->cur = next;
  return reinterpret_cast<uint64_t>(&s->cur);
}

uint64_t iter_num_destroy(uint64_t it, uint64_t, uint64_t, uint64_t, uint64_t) {
  if (RunContext* rc = current_run_context()) rc->held.drop(it, HeldResources::Kind::Iterator);
  *iter(it) = {0, 0};
  return 0;
}

}  // namespace

void append_iter_num_kfuncs(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  FuncProto n = make_proto("bpf_iter_num_new", 0, iter_num_new, R::Integer, {A::PtrToIter, A::Scalar, A::Scalar},
                           kHelperIterNew);
  n.arg_btf_types[0] = "bpf_iter_num";
  FuncProto next = make_proto("bpf_iter_num_next", 0, iter_num_next, R::IntOrNull, {A::PtrToIter}, kHelperIterNext);
  next.arg_btf_types[0] = "bpf_iter_num";
  FuncProto d = make_proto("bpf_iter_num_destroy", 0, iter_num_destroy, R::Void, {A::PtrToIter}, kHelperIterDestroy);
  d.arg_btf_types[0] = "bpf_iter_num";
  out.push_back(n);
  out.push_back(next);
  out.push_back(d);
}

}  // namespace decade
