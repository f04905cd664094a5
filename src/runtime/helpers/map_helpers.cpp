// SPDX-License-Identifier: Apache-2.0
// Map helpers: r1 is the Map* an ld_imm64 of the map produced (engine.hpp).
#include "runtime/helpers/helpers.hpp"
#include "runtime/map.hpp"
#include "runtime/maps/cgroup_storage.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

Map* map_of(uint64_t r) { return reinterpret_cast<Map*>(r); }
void* ptr(uint64_t r) { return reinterpret_cast<void*>(r); }
uint64_t ret(long v) { return static_cast<uint64_t>(v); }

uint64_t map_lookup_elem(uint64_t m, uint64_t key, uint64_t, uint64_t, uint64_t) {
  return reinterpret_cast<uint64_t>(map_of(m)->lookup(ptr(key)));
}
uint64_t map_update_elem(uint64_t m, uint64_t key, uint64_t value, uint64_t flags, uint64_t) {
  return ret(map_of(m)->update(ptr(key), ptr(value), flags));
}
uint64_t map_delete_elem(uint64_t m, uint64_t key, uint64_t, uint64_t, uint64_t) {
  return ret(map_of(m)->erase(ptr(key)));
}
uint64_t map_push_elem(uint64_t m, uint64_t value, uint64_t flags, uint64_t, uint64_t) {
  return ret(map_of(m)->push(ptr(value), flags));
}
uint64_t map_pop_elem(uint64_t m, uint64_t value, uint64_t, uint64_t, uint64_t) {
  return ret(map_of(m)->pop(ptr(value)));
}
uint64_t map_peek_elem(uint64_t m, uint64_t value, uint64_t, uint64_t, uint64_t) {
  return ret(map_of(m)->peek(ptr(value)));
}
uint64_t map_lookup_percpu_elem(uint64_t m, uint64_t key, uint64_t cpu, uint64_t, uint64_t) {
  if (cpu > UINT32_MAX) return 0;
  return reinterpret_cast<uint64_t>(map_of(m)->lookup_percpu(ptr(key), static_cast<uint32_t>(cpu)));
}
// bpf_get_local_storage(map, flags): the run's value in a cgroup storage
// map (cgroup_storage.hpp says which); the verifier proved flags 0 and the
// map a cgroup storage map. The kernel's helper cannot fail: a run outside
// a test run's scope, or without memory for its value, stops with a fault.
uint64_t get_local_storage(uint64_t m, uint64_t, uint64_t, uint64_t, uint64_t) {
  void* v = cgroup_storage_value(*map_of(m));
  if (!v)
    raise_fault(ErrorCode::ExecUnsupported,
                "bpf_get_local_storage: the run has no cgroup storage (only test runs bind one) or no memory for it");
  return reinterpret_cast<uint64_t>(v);
}
void unlock_held(uint64_t lock) { spin_unlock_word(ptr(lock)); }
// The run keeps the lock in its HeldResources while it holds it: a run
// that ends early (a fault, a cancel, a timeout) unlocks it there.
uint64_t spin_lock(uint64_t lock, uint64_t, uint64_t, uint64_t, uint64_t) {
  spin_lock_word(ptr(lock));
  if (RunContext* rc = current_run_context(); rc && !rc->held.hold(HeldResources::Kind::SpinLock, lock, unlock_held)) {
    spin_unlock_word(ptr(lock));
    raise_fault(ErrorCode::OutOfMemory, "bpf_spin_lock: no memory to record the held lock");
  }
  return 0;
}
uint64_t spin_unlock(uint64_t lock, uint64_t, uint64_t, uint64_t, uint64_t) {
  if (RunContext* rc = current_run_context()) rc->held.drop(lock, HeldResources::Kind::SpinLock);
  spin_unlock_word(ptr(lock));
  return 0;
}

}  // namespace

FuncProto make_proto(const char* name, uint32_t id, HelperFn fn, RetKind ret_kind, std::initializer_list<ArgKind> args,
                     uint32_t flags) {
  FuncProto p;
  p.name = name;
  p.id = id;
  p.fn = fn;
  p.ret = ret_kind;
  size_t i = 0;
  for (ArgKind a : args) p.args[i++] = a;
  p.flags = flags;
  if (flags & kHelperFastcall) p.fastcall_clobbers = argument_clobbers(p);
  return p;
}

void append_map_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  out.push_back(make_proto("bpf_map_lookup_elem", kHelperMapLookupElem, map_lookup_elem, R::MapValueOrNull,
                           {A::ConstMapPtr, A::PtrToMapKey}));
  out.push_back(make_proto("bpf_map_update_elem", kHelperMapUpdateElem, map_update_elem, R::Integer,
                           {A::ConstMapPtr, A::PtrToMapKey, A::PtrToMapValue, A::Scalar}));
  out.push_back(make_proto("bpf_map_delete_elem", kHelperMapDeleteElem, map_delete_elem, R::Integer,
                           {A::ConstMapPtr, A::PtrToMapKey}));
  out.push_back(make_proto("bpf_map_push_elem", kHelperMapPushElem, map_push_elem, R::Integer,
                           {A::ConstMapPtr, A::PtrToMapValue, A::Scalar}));
  out.push_back(make_proto("bpf_map_pop_elem", kHelperMapPopElem, map_pop_elem, R::Integer,
                           {A::ConstMapPtr, A::PtrToUninitMapValue}));
  out.push_back(make_proto("bpf_map_peek_elem", kHelperMapPeekElem, map_peek_elem, R::Integer,
                           {A::ConstMapPtr, A::PtrToUninitMapValue}));
  out.push_back(make_proto("bpf_map_lookup_percpu_elem", kHelperMapLookupPercpuElem, map_lookup_percpu_elem,
                           R::MapValueOrNull, {A::ConstMapPtr, A::PtrToMapKey, A::Scalar}));
  out.push_back(make_proto("bpf_get_local_storage", kHelperGetLocalStorage, get_local_storage, R::MapValue,
                           {A::ConstMapPtr, A::Scalar}));
  out.push_back(make_proto("bpf_spin_lock", kHelperSpinLock, spin_lock, R::Void, {A::PtrToSpinLock}));
  out.push_back(make_proto("bpf_spin_unlock", kHelperSpinUnlock, spin_unlock, R::Void, {A::PtrToSpinLock}));
}

}  // namespace decade
