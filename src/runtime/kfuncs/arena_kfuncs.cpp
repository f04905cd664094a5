// SPDX-License-Identifier: Apache-2.0
// Arena kfuncs: bpf_arena_alloc_pages(map, addr__ign, page_cnt, node_id,
// flags) and bpf_arena_free_pages(map, ptr__ign, page_cnt). The addresses
// they deal in are host addresses (arena.hpp).
#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/arena.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

ArenaMap* arena(uint64_t m) {
  ArenaMap* a = as_arena(reinterpret_cast<Map*>(m));
  if (!a) raise_fault(ErrorCode::ExecHelperFault, "arena kfunc: map is not an arena");
  return a;
}

uint64_t arena_alloc_pages(uint64_t m, uint64_t addr, uint64_t page_cnt, uint64_t node_id, uint64_t flags) {
  ArenaMap* a = arena(m);
  if (!a || page_cnt > UINT32_MAX) return 0;
  void* hint = addr ? reinterpret_cast<void*>(arena_cast_to_user(a->user_vm_start(), addr)) : nullptr;
  return reinterpret_cast<uint64_t>(
      a->alloc_pages(hint, static_cast<uint32_t>(page_cnt), static_cast<int32_t>(node_id), flags));
}

uint64_t arena_free_pages(uint64_t m, uint64_t ptr, uint64_t page_cnt, uint64_t, uint64_t) {
  ArenaMap* a = arena(m);
  if (a && page_cnt <= UINT32_MAX) a->free_pages(reinterpret_cast<void*>(ptr), static_cast<uint32_t>(page_cnt));
  return 0;
}

}  // namespace

void append_arena_kfuncs(std::vector<FuncProto>& out) {
  using A = ArgKind;
  out.push_back(make_proto("bpf_arena_alloc_pages", 0, arena_alloc_pages, RetKind::ArenaPtrOrNull,
                           {A::PtrToArena, A::AnyPtrOrNull, A::Scalar, A::Scalar, A::Scalar}, kHelperNullable));
  out.push_back(make_proto("bpf_arena_free_pages", 0, arena_free_pages, RetKind::Void,
                           {A::PtrToArena, A::AnyPtrOrNull, A::Scalar}, kHelperNullable));
}

}  // namespace decade
