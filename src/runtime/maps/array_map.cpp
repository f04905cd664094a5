// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY: one page-aligned block,
// every element always present. Values sit at a stride of round_up(value, 8)
// as in the kernel; per-CPU arrays keep possible_cpus() slots per element.
#include <sys/mman.h>

#include <fmt/format.h>

#include "runtime/cpu.hpp"
#include "runtime/guarded_memory.hpp"
#include "runtime/maps/array_keys.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/maps/pinned.hpp"

namespace decade {
namespace {

class ArrayMap final : public Map {
 public:
  ArrayMap(const MapDef& def, uint8_t* block, size_t bytes, bool guarded)
      : Map(def), block_(block), bytes_(bytes), stride_(round_up8(def.value_size)),
        cpus_(def.type == MapType::PercpuArray ? possible_cpus() : 1), guarded_(guarded) {}
  ~ArrayMap() override {
    stop_timers();  // callbacks read the values
    if (guarded_) guarded_free(block_, bytes_);
    else munmap(block_, bytes_);
  }

  void* lookup(const void* key) override {
    uint32_t idx = array_keys::index_of(key);
    if (idx >= def().max_entries) return nullptr;
    return slot(idx, cpus_ == 1 ? 0 : current_cpu());
  }

  void* lookup_percpu(const void* key, uint32_t cpu) override {
    uint32_t idx = array_keys::index_of(key);
    if (cpus_ == 1 || idx >= def().max_entries || cpu >= cpus_) return nullptr;
    return slot(idx, cpu);
  }

  long update(const void* key, const void* value, uint64_t flags) override {
    uint32_t idx;
    if (long rc = check_update(key, flags, &idx)) return rc;
    uint8_t* dst = slot(idx, cpus_ == 1 ? 0 : current_cpu());
    write_slot(dst, value, flags);
    release_timer(dst);  // an update frees the value's timer, as the kernel's
    return 0;
  }

  bool key_of_value(const void* value, void* key) const override {
    const auto* v = static_cast<const uint8_t*>(value);
    if (cpus_ != 1 || v < block_ || static_cast<size_t>(v - block_) % stride_) return false;
    const size_t idx = static_cast<size_t>(v - block_) / stride_;
    if (idx >= def().max_entries) return false;
    const auto k = static_cast<uint32_t>(idx);
    std::memcpy(key, &k, sizeof k);
    return true;
  }

  long erase(const void*) override { return kEINVAL; }  // array elements cannot be deleted

  Status get_next_key(const void* key, void* next_key) override {
    return array_keys::next_key(key, next_key, def().max_entries);
  }

  uint8_t* direct_value_base() override { return cpus_ == 1 ? block_ : nullptr; }
  std::vector<MapStorage> storage() override { return {{std::span<uint8_t>(block_, bytes_)}}; }
  // The host exchanges value_size bytes (the kernel's bpf_map_lookup_elem),
  // per-CPU arrays one 8-byte aligned slot per CPU; the stride in the block
  // stays round_up(value_size, 8) for the programs' aligned accesses.
  uint32_t host_value_size() const override {
    return static_cast<uint32_t>(cpus_ == 1 ? def().value_size : stride_ * cpus_);
  }

  long host_lookup(const void* key, void* value, uint64_t flags) override {
    if (cpus_ == 1) return Map::host_lookup(key, value, flags);
    if (flags) return kEINVAL;
    uint32_t idx = array_keys::index_of(key);
    if (idx >= def().max_entries) return kENOENT;
    auto* out = static_cast<uint8_t*>(value);
    for (uint32_t c = 0; c < cpus_; ++c) {
      std::memset(out + c * stride_, 0, stride_);
      load_value_words(out + c * stride_, slot(idx, c), def().value_size);
    }
    return 0;
  }

  long host_update(const void* key, const void* value, uint64_t flags) override {
    if (def().frozen) return kEPERM;
    if (cpus_ == 1) return update(key, value, flags);
    uint32_t idx;
    if (long rc = check_update(key, flags, &idx)) return rc;
    auto* in = static_cast<const uint8_t*>(value);
    for (uint32_t c = 0; c < cpus_; ++c) store_value_words(slot(idx, c), in + c * stride_, def().value_size);
    return 0;
  }

  long host_lookup_and_delete(const void*, void*) override { return kEINVAL; }

 private:
  uint8_t* slot(uint32_t idx, uint32_t cpu) const { return block_ + (size_t{idx} * cpus_ + cpu) * stride_; }

  long check_update(const void* key, uint64_t flags, uint32_t* idx) const {
    if ((flags & ~kBpfFLock) > kBpfExist) return kEINVAL;
    if ((flags & kBpfFLock) && (def().spin_lock_off < 0 || cpus_ != 1)) return kEINVAL;
    *idx = array_keys::index_of(key);
    if (*idx >= def().max_entries) return kE2BIG;
    if ((flags & 3) == kBpfNoExist) return kEEXIST;  // every element of an array exists
    return 0;
  }

  void write_slot(uint8_t* dst, const void* value, uint64_t flags) {
    if (flags & kBpfFLock) {
      copy_value_locked(dst, value, def().value_size, def().spin_lock_off, dst);
    } else {
      copy_value(dst, value, def().value_size, def().lock_field_off());
    }
  }

  uint8_t* block_;
  size_t bytes_;
  size_t stride_;
  uint32_t cpus_;
  bool guarded_;  // guarded_alloc'd: the last value ends at a PROT_NONE page
};

}  // namespace

// The whole block is charged: every element exists from the start.
MapFootprint array_footprint(const MapDef& def) {
  const uint64_t cpus = def.type == MapType::PercpuArray ? possible_cpus() : 1;
  const uint64_t bytes = page_round(sat_mul(sat_mul(def.max_entries, round_up8(def.value_size)), cpus));
  return {bytes, bytes};
}

Result<std::unique_ptr<Map>> make_array_map(const MapDef& def) {
  const uint32_t cpus = def.type == MapType::PercpuArray ? possible_cpus() : 1;
  size_t bytes = size_t{def.max_entries} * round_up8(def.value_size) * cpus;
  // With guard_pages() on (fuzzers, soundness slices), a host-made array that
  // nobody maps (no BPF_F_MMAPABLE, no global data) ends at a PROT_NONE page,
  // so an access past its last value faults instead of reading the page's
  // slack. guarded_alloc gives zeroed memory, 8-aligned as the stride is.
  if (guard_pages() && !(def.map_flags & kMapFMmapable) && def.initial_value.empty() && def.section.empty()) {
    if (void* g = guarded_alloc(bytes))
      return std::unique_ptr<Map>(new ArrayMap(def, static_cast<uint8_t*>(g), bytes, true));
  }
  bytes = (bytes + 4095) & ~size_t{4095};
  // mmap gives zeroed, page-aligned memory, which BPF_F_MMAPABLE and the
  // global-data maps (host-visible .data/.bss) rely on.
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return make_error(ErrorCode::OutOfMemory, fmt::format("array '{}': mmap failed", def.name));
  auto* block = static_cast<uint8_t*>(p);
  if (!def.initial_value.empty()) {
    if (def.initial_value.size() > size_t{def.value_size} * def.max_entries || cpus != 1) {
      munmap(p, bytes);
      return make_error(ErrorCode::MapBadValueSize,
                        fmt::format("array '{}': initial value larger than the map", def.name));
    }
    // Global data: the section image fills the (single) value.
    size_t stride = round_up8(def.value_size), off = 0;
    for (uint32_t i = 0; off < def.initial_value.size(); ++i) {
      size_t n = std::min<size_t>(def.value_size, def.initial_value.size() - off);
      std::memcpy(block + i * stride, def.initial_value.data() + off, n);
      off += n;
    }
  }
  return std::unique_ptr<Map>(new ArrayMap(def, block, bytes, false));
}

}  // namespace decade

namespace decade {

std::unique_ptr<Map> make_array_map_over(const MapDef& def, uint8_t* block, size_t bytes) {
  return std::unique_ptr<Map>(new ArrayMap(def, block, bytes, false));
}

}  // namespace decade
