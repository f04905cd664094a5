// SPDX-License-Identifier: Apache-2.0
// The XDP redirect targets: BPF_MAP_TYPE_DEVMAP, DEVMAP_HASH, CPUMAP and
// XSKMAP. In user space there are no net devices, CPUs' backlogs or AF_XDP
// sockets to hand a frame to; these maps hold the host's description of each
// target (an ifindex, a queue size, a socket id) and bpf_redirect_map
// records the entry it chose with the packet (packet_context.hpp), so the
// host sees where each packet went. Update and delete follow the kernel's
// dev_map_*, cpu_map_* and xsk_map_* functions, return values included.
//
// Values are at most 8 bytes (struct bpf_devmap_val, struct bpf_cpumap_val,
// a socket id), so the array families keep each in one atomic word: a
// program or host reading an entry while another thread replaces it sees the
// old or the new value, never a mix, as the kernel's RCU swap gives. An
// entry is present when its first u32 (ifindex, qsize, socket id) is not 0.
#include <sys/mman.h>

#include <atomic>
#include <cstring>

#include <fmt/format.h>

#include "runtime/cpu.hpp"
#include "runtime/maps/array_keys.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/maps/pinned.hpp"

namespace decade {
namespace {

// struct bpf_devmap_val / bpf_cpumap_val: u32, then the program's fd or id.
struct TargetValue {
  uint32_t first = 0;  // ifindex, qsize or socket id
  int32_t prog_fd = 0;
};

TargetValue read_value(const void* value, uint32_t size) {
  TargetValue v;
  std::memcpy(&v, value, size < sizeof(v) ? size : sizeof(v));
  return v;
}

// The kernel's checks on a new entry's value (after the key and flag checks).
long check_value(MapType t, const TargetValue& v) {
  if (t == MapType::Cpumap)  // the CPU's existence is checked after this (TargetArray::update)
    return v.first > kCpumapMaxQsize ? -EOVERFLOW : 0;
  if (t == MapType::Xskmap) return v.first ? 0 : -EBADF;  // no socket behind id 0
  // Devmaps. A program to run on the redirected frame (BPF_XDP_DEVMAP) is
  // not supported: Decade has no device to attach it to.
  if (v.prog_fd > 0) return v.first ? kEOPNOTSUPP : kEINVAL;
  return (t == MapType::DevmapHash && !v.first) ? kEINVAL : 0;
}

// DEVMAP, CPUMAP, XSKMAP: max_entries slots, each one word, in the map's
// own memory or in a pin's storage (a MAP_SHARED block of zero-filled
// words, which it munmaps when destroyed).
class TargetArray final : public Map {
 public:
  explicit TargetArray(const MapDef& def) : Map(def), own_(new std::atomic<uint64_t>[def.max_entries]), slots_(own_.get()) {
    for (uint32_t i = 0; i < def.max_entries; ++i) slots_[i].store(0, std::memory_order_relaxed);
  }
  static_assert(sizeof(std::atomic<uint64_t>) == 8 && std::atomic<uint64_t>::is_always_lock_free,
                "a pin's slots are plain 8-byte words shared between processes");
  TargetArray(const MapDef& def, uint8_t* block, size_t bytes)
      : Map(def), slots_(reinterpret_cast<std::atomic<uint64_t>*>(block)), block_(block), bytes_(bytes) {}
  ~TargetArray() override {
    if (block_) munmap(block_, bytes_);
  }
  TargetArray(const TargetArray&) = delete;
  TargetArray& operator=(const TargetArray&) = delete;

  void* lookup(const void* key) override {
    const uint32_t k = array_keys::index_of(key);
    if (k >= def().max_entries || !(slots_[k].load(std::memory_order_acquire) & 0xffffffffu)) return nullptr;
    return &slots_[k];
  }

  long update(const void* key, const void* value, uint64_t flags) override {
    const uint32_t k = array_keys::index_of(key);
    if (flags > kBpfExist) return kEINVAL;
    if (k >= def().max_entries) return kE2BIG;
    const TargetValue v = read_value(value, def().value_size);
    const bool present = (slots_[k].load(std::memory_order_acquire) & 0xffffffffu) != 0;
    if (type() == MapType::Xskmap) {
      if (long rc = check_value(type(), v)) return rc;
      if (present && flags == kBpfNoExist) return kEEXIST;
      if (!present && flags == kBpfExist) return kENOENT;
    } else {
      if (flags == kBpfNoExist) return kEEXIST;  // the kernel's arrays: every slot exists
      if (long rc = check_value(type(), v)) return rc;
      if (type() == MapType::Cpumap) {
        if (k >= possible_cpus()) return -ENODEV;
        // A program to run on the CPU's frames: Decade has no CPU backlog to run it on.
        if (v.first && v.prog_fd > 0) return kEOPNOTSUPP;
      }
    }
    uint64_t word = 0;
    std::memcpy(&word, value, def().value_size);
    if (!v.first) word = 0;  // ifindex 0 / qsize 0 empties the slot
    slots_[k].store(word, std::memory_order_release);
    return 0;
  }

  long erase(const void* key) override {
    const uint32_t k = array_keys::index_of(key);
    if (k >= def().max_entries) return kEINVAL;
    slots_[k].store(0, std::memory_order_release);
    return 0;
  }

  // XSKMAP: the kernel hands the host no socket back.
  long host_lookup(const void* key, void* value, uint64_t flags) override {
    if (type() == MapType::Xskmap) return kEOPNOTSUPP;
    return Map::host_lookup(key, value, flags);
  }

  Status get_next_key(const void* key, void* next_key) override {
    return array_keys::next_key(key, next_key, def().max_entries);
  }

  std::vector<MapStorage> storage() override {
    return {{std::span<uint8_t>(reinterpret_cast<uint8_t*>(slots_), size_t{def().max_entries} * 8), 8,
             def().value_size}};
  }

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> own_;
  std::atomic<uint64_t>* slots_;
  uint8_t* block_ = nullptr;  // a pin's storage, munmapped with the map
  size_t bytes_ = 0;
};

// DEVMAP_HASH: a hash map of u32 keys whose updates follow
// __dev_map_hash_update_elem (BPF_EXIST also adds; ifindex 0 is -EINVAL).
class TargetHash final : public Map {
 public:
  TargetHash(const MapDef& def, std::unique_ptr<Map> table) : Map(def), table_(std::move(table)) {}

  void* lookup(const void* key) override { return table_->lookup(key); }
  long update(const void* key, const void* value, uint64_t flags) override {
    if (flags > kBpfExist) return kEINVAL;
    if (long rc = check_value(type(), read_value(value, def().value_size))) return rc;
    return table_->update(key, value, flags == kBpfExist ? kBpfAny : flags);
  }
  long erase(const void* key) override { return table_->erase(key); }
  Status get_next_key(const void* key, void* next_key) override { return table_->get_next_key(key, next_key); }
  std::vector<MapStorage> storage() override { return table_->storage(); }

 private:
  std::unique_ptr<Map> table_;
};

MapDef as_hash(const MapDef& def) {
  MapDef h = def;
  h.type = MapType::Hash;
  h.map_flags &= kMapFNumaNode;
  return h;
}

}  // namespace

MapFootprint redirect_map_footprint(const MapDef& def) {
  if (def.type == MapType::DevmapHash) return hash_footprint(as_hash(def));
  const uint64_t bytes = sat_add(sat_mul(def.max_entries, 8), sizeof(TargetArray));
  return {bytes, bytes};
}

size_t redirect_pin_bytes(const MapDef& def) {
  return def.type == MapType::DevmapHash ? pinned_hash_bytes(as_hash(def), 1) : size_t{def.max_entries} * 8;
}

Status init_redirect_pin(const MapDef& def, uint8_t* region) {
  if (def.type == MapType::DevmapHash) return init_pinned_hash(as_hash(def), 1, region);
  return ok();  // every slot a zero word: no entry
}

Result<std::unique_ptr<Map>> make_pinned_redirect_map(const MapDef& def, uint8_t* region, size_t bytes) {
  if (def.type != MapType::DevmapHash) {
    if (bytes < redirect_pin_bytes(def)) {
      munmap(region, bytes);
      return make_error(ErrorCode::InvalidArgument, fmt::format("pinned map '{}': storage does not match its header", def.name));
    }
    return std::unique_ptr<Map>(new TargetArray(def, region, bytes));
  }
  auto table = make_pinned_hash(as_hash(def), 1, region, bytes);
  if (!table) return std::unexpected(table.error());
  return std::unique_ptr<Map>(new TargetHash(def, std::move(*table)));
}

Result<std::unique_ptr<Map>> make_redirect_map(const MapDef& def) {
  if (def.type != MapType::DevmapHash) return std::unique_ptr<Map>(new TargetArray(def));
  auto table = make_hash_map(as_hash(def));
  if (!table) return std::unexpected(table.error());
  return std::unique_ptr<Map>(new TargetHash(def, std::move(*table)));
}

}  // namespace decade
