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

// The run's copy of `key` for a callback about to start; nullptr after
// raising the fault that says why there is none.
const uint8_t* held_key(RunContext* rc, const void* key, size_t size) {
  if (!rc) {
    raise_fault(ErrorCode::ExecBadCall, "callback helper called outside an engine run");
    return nullptr;
  }
  if (rc->callback_depth >= kMaxCallbackDepth) {
    raise_fault(ErrorCode::ExecCallDepth, "callbacks nested too deeply");
    return nullptr;
  }
  const uint8_t* held = rc->callback_keys.hold(rc->callback_depth, key, size);
  if (!held) raise_fault(ErrorCode::ExecHelperFault, "bpf_for_each_map_elem: no memory for the callback's key");
  return held;
}

// bpf_for_each_map_elem(map, callback, ctx, flags): callback(map, key,
// value, ctx) returns 0 to continue, 1 to stop. Returns elements visited.
// The callback's key is the run's copy (CallbackKeys), never the map's key
// or the walk's own buffer: the program may keep it past this call, and
// may not write it. The value is the map's own memory, which the map keeps
// while it lives (elements a callback deletes are reused, not freed).
uint64_t for_each_map_elem(uint64_t m, uint64_t callback, uint64_t ctx, uint64_t flags, uint64_t) {
  if (flags) return static_cast<uint64_t>(kEINVAL);
  Map* map = reinterpret_cast<Map*>(m);
  RunContext* rc = current_run_context();
  bool faulted = false;
  long n = map->for_each([&](const void* key, void* value) {
    const uint8_t* held = held_key(rc, key, map->def().key_size);
    if (!held) {
      faulted = true;
      return false;
    }
    auto r = run_callback(callback, m, reinterpret_cast<uint64_t>(held), reinterpret_cast<uint64_t>(value), ctx);
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
