// SPDX-License-Identifier: Apache-2.0
// Cgroup storage maps (cgroup_storage.hpp): values by (cgroup id, attach
// type) under one lock, each an 8-byte aligned block whose address stays
// put while the map lives (a run keeps the pointer bpf_get_local_storage
// gave it), and the thread's scope that tells runs which value is theirs.
#include "runtime/maps/cgroup_storage.hpp"

#include <compare>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

#include <fmt/format.h>

#include "runtime/cpu.hpp"
#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

// The kernel's BPF_LOCAL_STORAGE_MAX_VALUE_SIZE (U16_MAX less its 128-byte
// element header on x86-64); per-CPU values are also bound by
// PCPU_MIN_UNIT_SIZE.
constexpr uint32_t kMaxValueSize = 65535 - 128;
constexpr uint32_t kPcpuUnitMax = 32 << 10;
// sizeof(struct bpf_cgroup_storage_key): a u64 and a u32, padded to 16.
constexpr uint32_t kStructKeySize = 16;
constexpr uint32_t kAllowedFlags = kMapFNumaNode | kMapFRdonly | kMapFWronly | kMapFRdonlyProg | kMapFWronlyProg;

bool percpu(const MapDef& d) { return d.type == MapType::PercpuCgroupStorage; }

struct Key {
  uint64_t cgroup_id = 0;
  uint32_t attach_type = 0;
  auto operator<=>(const Key&) const = default;
};

class CgroupStorage final : public Map {
 public:
  explicit CgroupStorage(const MapDef& def)
      : Map(def), stride_(round_up8(def.value_size)), cpus_(percpu(def) ? possible_cpus() : 1) {}

  // Programs reach values only through bpf_get_local_storage.
  void* lookup(const void*) override { return nullptr; }
  long update(const void*, const void*, uint64_t) override { return kEOPNOTSUPP; }
  long erase(const void*) override { return kEINVAL; }  // values go with their cgroup
  long for_each(const ElemVisitor&) override { return kEINVAL; }
  uint32_t host_value_size() const override {
    return percpu(def()) ? static_cast<uint32_t>(stride_ * cpus_) : def().value_size;
  }

  long host_lookup(const void* key, void* value, uint64_t flags) override {
    const int32_t lock = def().spin_lock_off;
    if ((flags & ~kBpfFLock) || ((flags & kBpfFLock) && lock < 0)) return kEINVAL;
    uint8_t* v = find(key);
    if (!v) return kENOENT;
    auto* out = static_cast<uint8_t*>(value);
    if (percpu(def())) {
      std::memset(out, 0, stride_ * cpus_);
      for (uint32_t c = 0; c < cpus_; ++c) load_value_words(out + c * stride_, v + c * stride_, def().value_size);
      return 0;
    }
    if (flags & kBpfFLock)
      copy_value_locked(out, v, def().value_size, lock, v);
    else
      copy_value(out, v, def().value_size, def().lock_field_off());
    clear_lock_word(out, def().lock_field_off());
    return 0;
  }

  long host_update(const void* key, const void* value, uint64_t flags) override {
    const int32_t lock = def().spin_lock_off;
    if (percpu(def()) ? flags != kBpfAny && flags != kBpfExist
                      : (flags & ~(kBpfFLock | kBpfExist)) || ((flags & kBpfFLock) && lock < 0))
      return kEINVAL;
    uint8_t* v = find(key);
    if (!v) return kENOENT;  // only a program's run makes a value
    const auto* in = static_cast<const uint8_t*>(value);
    if (percpu(def())) {
      for (uint32_t c = 0; c < cpus_; ++c) store_value_words(v + c * stride_, in + c * stride_, def().value_size);
    } else if (flags & kBpfFLock) {
      copy_value_locked(v, in, def().value_size, lock, v);
    } else {
      copy_value(v, in, def().value_size, def().lock_field_off());
    }
    return 0;
  }

  Status get_next_key(const void* key, void* next_key) override {
    const std::lock_guard g(mu_);
    auto it = values_.begin();
    if (key) {
      it = values_.find(parse(key));
      if (it != values_.end()) ++it;
      else it = values_.end();
    }
    if (it == values_.end()) return make_error(ErrorCode::MapKeyNotFound, "no more keys");
    std::memset(next_key, 0, def().key_size);  // and the struct's 4 bytes of padding
    std::memcpy(next_key, &it->first.cgroup_id, 8);
    if (attach_isolated()) std::memcpy(static_cast<uint8_t*>(next_key) + 8, &it->first.attach_type, 4);
    return ok();
  }

  std::vector<MapStorage> storage() override {
    const std::lock_guard g(mu_);
    std::vector<MapStorage> out;
    for (auto& [k, v] : values_) out.push_back({std::span<uint8_t>(reinterpret_cast<uint8_t*>(v.get()), bytes())});
    return out;
  }

  size_t bytes() const { return stride_ * cpus_; }
  size_t stride() const { return stride_; }

  // The owner's value, made zeroed when missing; nullptr when memory (or
  // the object's budget) ran out.
  uint8_t* value_of(const CgroupStorageOwner& o) {
    const Key k{o.cgroup_id, attach_isolated() ? o.attach_type : 0};
    const std::lock_guard g(mu_);
    if (auto it = values_.find(k); it != values_.end()) return reinterpret_cast<uint8_t*>(it->second.get());
    if (!charge(bytes())) return nullptr;
    std::unique_ptr<uint64_t[]> v(new (std::nothrow) uint64_t[bytes() / 8]());
    if (!v) {
      uncharge(bytes());
      return nullptr;
    }
    auto* p = reinterpret_cast<uint8_t*>(v.get());
    try {
      values_.emplace(k, std::move(v));
    } catch (const std::bad_alloc&) {
      uncharge(bytes());
      return nullptr;
    }
    return p;
  }

 private:
  // struct bpf_cgroup_storage_key keys: a value per attach type.
  bool attach_isolated() const { return def().key_size == kStructKeySize; }
  Key parse(const void* key) const {
    Key k;
    std::memcpy(&k.cgroup_id, key, 8);
    if (attach_isolated()) std::memcpy(&k.attach_type, static_cast<const uint8_t*>(key) + 8, 4);
    return k;
  }
  uint8_t* find(const void* key) {
    const std::lock_guard g(mu_);
    auto it = values_.find(parse(key));
    return it == values_.end() ? nullptr : reinterpret_cast<uint8_t*>(it->second.get());
  }

  const size_t stride_;
  const uint32_t cpus_;
  std::mutex mu_;
  std::map<Key, std::unique_ptr<uint64_t[]>> values_;
};

std::unexpected<Error> fail(ErrorCode code, const MapDef& d, std::string_view what, int err) {
  return make_error(code, fmt::format("map '{}' (type {}): {} (kernel: -{})", d.name,
                                      map_type_name(static_cast<uint32_t>(d.type)), what, err));
}

constinit thread_local CgroupStorageScope* t_scope = nullptr;

}  // namespace

CgroupStorageScope::CgroupStorageScope(std::optional<CgroupStorageOwner> owner)
    : owner_(owner), saved_(t_scope) {
  t_scope = this;
}

CgroupStorageScope::~CgroupStorageScope() { t_scope = saved_; }

uint8_t* CgroupStorageScope::storage_of(Map& m) {
  for (const Held& h : held_)
    if (h.map == &m) return h.value;
  auto& s = static_cast<CgroupStorage&>(m);
  Held h{&m, nullptr, nullptr};
  if (owner_) {
    h.value = s.value_of(*owner_);
  } else {
    h.owned.reset(new (std::nothrow) uint64_t[s.bytes() / 8]());
    h.value = reinterpret_cast<uint8_t*>(h.owned.get());
  }
  if (!h.value) return nullptr;
  uint8_t* v = h.value;
  try {
    held_.push_back(std::move(h));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  return v;
}

void* cgroup_storage_value(Map& m) {
  if (!t_scope || !is_cgroup_storage(m.type())) return nullptr;
  uint8_t* v = t_scope->storage_of(m);
  if (!v || m.type() == MapType::CgroupStorage) return v;
  return v + static_cast<CgroupStorage&>(m).stride() * current_cpu();
}

Status check_cgroup_storage(const MapDef& d) {
  if (d.key_size != kStructKeySize && d.key_size != 8)
    return fail(ErrorCode::MapBadKeySize, d,
                "key_size must be 16 (struct bpf_cgroup_storage_key) or 8 (a cgroup id)", EINVAL);
  if (d.value_size == 0) return fail(ErrorCode::MapBadValueSize, d, "value_size is 0", EINVAL);
  if (d.value_size > (percpu(d) ? kPcpuUnitMax : kMaxValueSize))
    return fail(ErrorCode::MapBadValueSize, d, "value_size too large", E2BIG);
  if ((d.map_flags & ~kAllowedFlags) || ((d.map_flags & kMapFRdonly) && (d.map_flags & kMapFWronly)) ||
      ((d.map_flags & kMapFRdonlyProg) && (d.map_flags & kMapFWronlyProg)))
    return fail(ErrorCode::MapBadFlags, d, fmt::format("map_flags {:#x} not allowed", d.map_flags), EINVAL);
  if (d.max_entries != 0)
    return fail(ErrorCode::MapBadMaxEntries, d, "max_entries must be 0 (one value per cgroup)", EINVAL);
  return ok();
}

// Values are made as programs run for cgroups: nothing up front, and no
// bound from the definition (max_entries is 0).
MapFootprint cgroup_storage_footprint(const MapDef&) { return {sizeof(CgroupStorage), sizeof(CgroupStorage)}; }

Result<std::unique_ptr<Map>> make_cgroup_storage(const MapDef& def) {
  return std::unique_ptr<Map>(new CgroupStorage(def));
}

}  // namespace decade
