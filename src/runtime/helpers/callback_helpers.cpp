// SPDX-License-Identifier: Apache-2.0
// Helpers that call back into the running program: bpf_loop,
// bpf_for_each_map_elem; and bpf_tail_call, which engines special-case
// (engine.hpp) but which still has a correct fall-through here.
#include "runtime/engine.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

// bpf_loop(nr_loops, callback, ctx, flags): callback(i, ctx) returns 0 to
// continue, 1 to stop. Returns the number of iterations run.
uint64_t bpf_loop(uint64_t nr_loops, uint64_t callback, uint64_t ctx, uint64_t flags, uint64_t) {
  if (flags) return static_cast<uint64_t>(kEINVAL);
  if (nr_loops > kBpfMaxLoops) return static_cast<uint64_t>(kE2BIG);
  for (uint64_t i = 0; i < nr_loops; ++i) {
    auto r = run_callback(callback, i, ctx);
    if (!r) return static_cast<uint64_t>(kEINVAL);  // the engine reports the fault
    if (*r) return i + 1;
  }
  return nr_loops;
}

// bpf_for_each_map_elem(map, callback, ctx, flags): callback(map, key,
// value, ctx) returns 0 to continue, 1 to stop. Returns elements visited.
uint64_t for_each_map_elem(uint64_t m, uint64_t callback, uint64_t ctx, uint64_t flags, uint64_t) {
  if (flags) return static_cast<uint64_t>(kEINVAL);
  Map* map = reinterpret_cast<Map*>(m);
  bool faulted = false;
  long n = map->for_each([&](const void* key, void* value) {
    auto r = run_callback(callback, m, reinterpret_cast<uint64_t>(key), reinterpret_cast<uint64_t>(value), ctx);
    if (!r) {
      faulted = true;
      return false;
    }
    return *r == 0;
  });
  if (faulted) return static_cast<uint64_t>(kEINVAL);
  return static_cast<uint64_t>(n);
}

// Reached only when an engine calls the helper instead of special-casing
// it: a missing target falls through like the kernel; a present one cannot
// be run from here.
uint64_t tail_call(uint64_t, uint64_t m, uint64_t index, uint64_t, uint64_t) {
  if (index > UINT32_MAX || !tail_call_target(reinterpret_cast<Map*>(m), static_cast<uint32_t>(index)))
    return static_cast<uint64_t>(kENOENT);
  raise_fault(ErrorCode::ExecUnsupported, "bpf_tail_call: this engine does not implement tail calls");
  return static_cast<uint64_t>(kENOENT);
}

}  // namespace

void append_callback_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  FuncProto loop = make_proto("bpf_loop", kHelperLoop, bpf_loop, R::Integer,
                              {A::Scalar, A::PtrToFunc, A::PtrToStack, A::Scalar}, kHelperCallback | kHelperNullable);
  loop.callback_args = 2;
  out.push_back(loop);
  FuncProto each = make_proto("bpf_for_each_map_elem", kHelperForEachMapElem, for_each_map_elem, R::Integer,
                              {A::ConstMapPtr, A::PtrToFunc, A::PtrToStack, A::Scalar}, kHelperCallback | kHelperNullable);
  each.callback_args = 4;
  out.push_back(each);
  out.push_back(make_proto("bpf_tail_call", kHelperTailCall, tail_call, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::Scalar}));
}

}  // namespace decade
