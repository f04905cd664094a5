// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_ARENA: max_entries pages of virtual address space reserved
// up front inside one 4 GiB-aligned window (the kernel's rule, so the low 32
// bits identify a page), with pages handed out by bpf_arena_alloc_pages and
// returned by bpf_arena_free_pages. Programs and the host use the same
// addresses: an arena pointer is a host pointer.
//
// Engines: addr_space_cast is
//   as(1) -> as(0): v32 = (uint32_t)v; result = v32 || starts_window ? (user_vm_start() & ~0xffffffff) | v32 : 0
//   as(0) -> as(1): result = (uint32_t)v
// where starts_window says the arena begins at its 4 GiB window's first
// byte (a 4 GiB arena always does; others only at a fixed map_extra): its
// first page's low 32 bits are 0, and the kernel reaches that page through
// such a cast (its cast is a 32-bit move, the access adds the arena's
// kernel base), so Decade gives the page's address. For any other arena no
// page has low 32 bits 0, and NULL stays NULL.
// (arena_cast_to_user / arena_cast_to_kern below). Pages that are not
// allocated read as zero and absorb writes, like the kernel's fault fixups
// for BPF programs, because the whole range stays mapped; freeing a page
// gives its memory back (MADV_DONTNEED) and zeroes it. Like the kernel's
// arena (whose kernel window has 32 KiB of guard on each side, the reach of
// an instruction's 16-bit offset), kArenaGuard bytes below the first page
// and above the last stay mapped too and are part of what programs may
// access: a load there reads zero, as the kernel's fault fixup gives.
#pragma once

#include <cstdint>

#include "runtime/map.hpp"

namespace decade {

inline constexpr uint64_t kArenaPageSize = 4096;
inline constexpr uint64_t kArenaGuard = 32 * 1024;  // mapped bytes on each side of the pages

class ArenaMap : public Map {
 public:
  using Map::Map;
  virtual uint8_t* base() const = 0;          // first byte (== user_vm_start)
  virtual uint64_t size() const = 0;          // max_entries * page size
  uint64_t user_vm_start() const { return reinterpret_cast<uint64_t>(base()); }
  // bpf_arena_alloc_pages: addr == nullptr picks the lowest free range;
  // else addr must be page aligned, inside the arena, and free. nullptr on failure.
  virtual void* alloc_pages(void* addr, uint32_t page_cnt, int node_id, uint64_t flags) = 0;
  // bpf_arena_free_pages: pages outside the arena or not allocated are ignored.
  virtual void free_pages(void* addr, uint32_t page_cnt) = 0;
  virtual uint64_t allocated_pages() const = 0;
};

ArenaMap* as_arena(Map* map);  // nullptr unless map is an arena

inline uint64_t arena_cast_to_user(uint64_t user_vm_start, uint64_t v) {
  uint64_t lo = static_cast<uint32_t>(v);
  const bool starts_window = (user_vm_start & uint64_t{0xffffffff}) == 0;
  return lo || starts_window ? (user_vm_start & ~uint64_t{0xffffffff}) | lo : 0;
}
inline uint64_t arena_cast_to_kern(uint64_t v) { return static_cast<uint32_t>(v); }

}  // namespace decade
