// SPDX-License-Identifier: Apache-2.0
// Arena map: see arena.hpp.
#include "runtime/maps/arena.hpp"

#include <sys/mman.h>

#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

constexpr uint64_t k4G = 1ull << 32;

class Arena final : public ArenaMap {
 public:
  Arena(const MapDef& def, uint8_t* base, uint8_t* mapping, uint64_t mapping_size)
      : ArenaMap(def), base_(base), mapping_(mapping), mapping_size_(mapping_size),
        used_(def.max_entries, false) {}
  ~Arena() override { munmap(mapping_, mapping_size_); }

  void* lookup(const void*) override { return nullptr; }
  long update(const void*, const void*, uint64_t) override { return kEINVAL; }
  long erase(const void*) override { return kEINVAL; }
  Status get_next_key(const void*, void*) override { return make_error(ErrorCode::Unsupported, "arenas have no keys"); }
  long host_lookup(const void*, void*, uint64_t) override { return kEINVAL; }
  long host_lookup_and_delete(const void*, void*) override { return kEINVAL; }
  long for_each(const ElemVisitor&) override { return kEINVAL; }
  // What programs may access: the pages and the guard on each side.
  std::vector<MapStorage> storage() override {
    return {{std::span<uint8_t>(base_ - kArenaGuard, size() + 2 * kArenaGuard)}};
  }

  uint8_t* base() const override { return base_; }
  uint64_t size() const override { return uint64_t{def().max_entries} * kArenaPageSize; }
  // ld_imm64 of the arena's direct value (an __arena global): its address.
  uint8_t* direct_value_base() override { return base_; }

  // The object's __arena globals (def.initial_value) at the arena's start,
  // in pages marked allocated, as libbpf of Linux 6.12 places them.
  bool place_initial_value() {
    const auto& v = def().initial_value;
    if (v.empty()) return true;
    const auto pages = static_cast<uint32_t>((v.size() + kArenaPageSize - 1) / kArenaPageSize);
    if (alloc_pages(base_, pages, -1, 0) != base_) return false;
    std::memcpy(base_, v.data(), v.size());
    return true;
  }

  void* alloc_pages(void* addr, uint32_t page_cnt, int node_id, uint64_t flags) override {
    (void)node_id;  // NUMA placement is not modelled; any node id is accepted as the kernel does
    if (flags || page_cnt == 0 || page_cnt > def().max_entries) return nullptr;
    std::lock_guard lock(mu_);
    uint64_t first;
    if (addr) {
      auto a = reinterpret_cast<uint64_t>(addr);
      if (a % kArenaPageSize || a < user_vm_start() || a >= user_vm_start() + size()) return nullptr;
      first = (a - user_vm_start()) / kArenaPageSize;
      if (first + page_cnt > def().max_entries || !range_free(first, page_cnt)) return nullptr;
    } else if (!find_free(page_cnt, &first)) {
      return nullptr;
    }
    for (uint64_t i = first; i < first + page_cnt; ++i) used_[i] = true;
    allocated_ += page_cnt;
    return base_ + first * kArenaPageSize;
  }

  void free_pages(void* addr, uint32_t page_cnt) override {
    auto a = reinterpret_cast<uint64_t>(addr) & ~(kArenaPageSize - 1);
    if (!page_cnt || !a) return;
    // Accept both forms of an arena pointer: full address or its low 32 bits.
    a = arena_cast_to_user(user_vm_start(), a);
    if (a < user_vm_start() || a >= user_vm_start() + size()) return;
    uint64_t first = (a - user_vm_start()) / kArenaPageSize;
    uint64_t cnt = std::min<uint64_t>(page_cnt, def().max_entries - first);
    std::lock_guard lock(mu_);
    for (uint64_t i = first; i < first + cnt; ++i) {
      if (!used_[i]) continue;
      used_[i] = false;
      --allocated_;
      madvise(base_ + i * kArenaPageSize, kArenaPageSize, MADV_DONTNEED);
    }
  }

  uint64_t allocated_pages() const override {
    std::lock_guard lock(mu_);
    return allocated_;
  }

 private:
  bool range_free(uint64_t first, uint64_t cnt) const {
    for (uint64_t i = first; i < first + cnt; ++i)
      if (used_[i]) return false;
    return true;
  }
  // Lowest-address fit, like the kernel's range allocator.
  bool find_free(uint64_t cnt, uint64_t* first) const {
    uint64_t run = 0;
    for (uint64_t i = 0; i < used_.size(); ++i) {
      run = used_[i] ? 0 : run + 1;
      if (run == cnt) {
        *first = i + 1 - cnt;
        return true;
      }
    }
    return false;
  }

  uint8_t* base_;
  uint8_t* mapping_;
  uint64_t mapping_size_;
  mutable std::mutex mu_;
  std::vector<bool> used_;
  uint64_t allocated_ = 0;
};

}  // namespace

// Every page of the range is mapped read+write for programs (an access to a
// page never allocated still lands in host memory), so the whole range is
// charged, plus the page bitmap.
MapFootprint arena_footprint(const MapDef& def) {
  const uint64_t bytes =
      sat_add(sat_mul(def.max_entries, kArenaPageSize), 2 * kArenaGuard + def.max_entries / 8 + 1);
  return {bytes, bytes};
}

ArenaMap* as_arena(Map* map) { return map && map->type() == MapType::Arena ? static_cast<ArenaMap*>(map) : nullptr; }

namespace {
Result<std::unique_ptr<Map>> with_initial_value(std::unique_ptr<Arena> a) {
  if (!a->place_initial_value())
    return make_error(ErrorCode::MapBadMaxEntries,
                      fmt::format("arena '{}': its {} bytes of __arena globals do not fit", a->def().name, a->def().initial_value.size()));
  return std::unique_ptr<Map>(std::move(a));
}
}  // namespace

Result<std::unique_ptr<Map>> make_arena(const MapDef& def) {
  if (def.map_flags & kMapFSegvOnFault)
    return make_error(ErrorCode::Unsupported, "arena: BPF_F_SEGV_ON_FAULT is not supported (pages stay mapped)");
  const uint64_t size = uint64_t{def.max_entries} * kArenaPageSize;
  const int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  if (def.map_extra) {
    // A fixed address: it must not cross a 4 GiB boundary; the guards
    // around it must be free too.
    if ((def.map_extra & (k4G - 1)) + size > k4G)
      return make_error(ErrorCode::InvalidArgument, "arena: map_extra range crosses a 4 GiB boundary");
    if (def.map_extra % kArenaPageSize || def.map_extra < kArenaGuard)
      return make_error(ErrorCode::InvalidArgument, fmt::format("arena: map_extra {:#x} is not a usable page address", def.map_extra));
    const uint64_t span = size + 2 * kArenaGuard;
    void* want = reinterpret_cast<void*>(def.map_extra - kArenaGuard);
    void* p = mmap(want, span, prot, flags | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || p != want) {
      if (p != MAP_FAILED) munmap(p, span);
      return make_error(ErrorCode::OutOfMemory, fmt::format("arena: address {:#x} is not available", def.map_extra));
    }
    auto* m = static_cast<uint8_t*>(p);
    return with_initial_value(std::make_unique<Arena>(def, m + kArenaGuard, m, span));
  }
  // Reserve twice the size plus a page, and the guards: some size-long
  // window inside it does not cross a 4 GiB boundary (the start, or just past
  // the boundary). A window whose first page has zero low 32 bits is avoided
  // when possible, since that page would cast to NULL. The window starts at
  // most size + a page past `start`, so both guards stay inside.
  uint64_t span = 2 * size + kArenaPageSize + 2 * kArenaGuard;
  void* p = mmap(nullptr, span, prot, flags, -1, 0);
  if (p == MAP_FAILED) return make_error(ErrorCode::OutOfMemory, "arena: cannot reserve address space");
  auto start = reinterpret_cast<uint64_t>(p) + kArenaGuard;
  uint64_t boundary = (start | (k4G - 1)) + 1;
  uint64_t base;
  if (start + size <= boundary && (start & (k4G - 1))) {
    base = start;
  } else if (size + kArenaPageSize <= k4G) {
    base = (start & (k4G - 1)) ? boundary + kArenaPageSize : start + kArenaPageSize;
  } else {
    base = (start & (k4G - 1)) ? boundary : start;
  }
  return with_initial_value(std::make_unique<Arena>(def, reinterpret_cast<uint8_t*>(base), static_cast<uint8_t*>(p), span));
}

}  // namespace decade
