// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_ARRAY_OF_MAPS and HASH_OF_MAPS. The host stores a registered
// map id (the kernel's map fd) of a map compatible with the inner template;
// a program's lookup returns the inner Map* itself, which it passes to the
// next helper call (the kernel returns the struct bpf_map pointer the same
// way). Replaced inner maps stay alive until the outer map dies, since a
// program may still hold them.
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "runtime/maps/map_common.hpp"
#include "runtime/registry.hpp"

namespace decade {
namespace {

// The kernel's bpf_map_meta_equal: same type, sizes and flags; same
// max_entries unless the template was created with BPF_F_INNER_MAP; the same
// special fields in the value (its btf_record_equal). Programs are verified
// against the template, so an inner map must not differ in what the verifier
// read from it: a bpf_spin_lock at another offset (or none) would let a
// verified store rewrite a lock word and hang the next bpf_spin_lock, and a
// frozen map (.rodata, whose constants other programs folded) would become
// writable through the outer map.
bool compatible(const MapDef& tmpl, const MapDef& m) {
  return tmpl.type == m.type && tmpl.key_size == m.key_size && tmpl.value_size == m.value_size &&
         (tmpl.map_flags & ~kMapFInnerMap) == (m.map_flags & ~kMapFInnerMap) &&
         ((tmpl.map_flags & kMapFInnerMap) || tmpl.max_entries == m.max_entries) &&
         tmpl.spin_lock_off == m.spin_lock_off && tmpl.res_lock_off == m.res_lock_off && tmpl.frozen == m.frozen;
}

class MapOfMaps final : public Map {
 public:
  MapOfMaps(const MapDef& def, std::unique_ptr<Map> slots) : Map(def), slots_(std::move(slots)) {}

  // The slot holds the Map*; programs get the pointer, not the slot.
  void* lookup(const void* key) override {
    void* slot = slots_->lookup(key);
    if (!slot) return nullptr;
    return std::atomic_ref<Map*>(*static_cast<Map**>(slot)).load(std::memory_order_acquire);
  }
  long update(const void*, const void*, uint64_t) override { return kEINVAL; }  // host only

  long host_update(const void* key, const void* value, uint64_t flags) override {
    uint32_t id;
    std::memcpy(&id, value, 4);
    auto inner = find_map(id);
    if (!inner) return -EBADF;
    if (!compatible(*def().inner, inner->def())) return kEINVAL;
    Map* raw = inner.get();
    std::lock_guard lock(mu_);
    long rc = slots_->update(key, &raw, flags);
    if (rc == 0) keep_.emplace(raw, std::move(inner));  // once per inner map, however often stored
    return rc;
  }

  long erase(const void* key) override {
    if (type() == MapType::ArrayOfMaps) {
      // Array slots cannot be removed; clearing makes the key absent to programs.
      void* slot = slots_->lookup(key);
      if (!slot) return kE2BIG;
      Map* old = std::atomic_ref<Map*>(*static_cast<Map**>(slot)).exchange(nullptr);
      return old ? 0 : kENOENT;
    }
    return slots_->erase(key);
  }

  long host_lookup(const void* key, void* value, uint64_t flags) override {
    if (flags) return kEINVAL;
    Map* m = static_cast<Map*>(lookup(key));
    if (!m) return kENOENT;
    uint32_t id = map_id(m);
    std::memcpy(value, &id, 4);
    return 0;
  }

  long for_each(const ElemVisitor&) override { return kEINVAL; }

  std::vector<Map*> inner_maps() override {
    std::lock_guard lock(mu_);
    std::vector<Map*> out;
    for (const auto& [m, keep] : keep_) out.push_back(m);
    return out;
  }
  bool holds_inner(const Map* m) override {
    std::lock_guard lock(mu_);
    return keep_.contains(const_cast<Map*>(m));
  }
  Status get_next_key(const void* key, void* next_key) override { return slots_->get_next_key(key, next_key); }

 private:
  std::unique_ptr<Map> slots_;  // array or hash with 8-byte values holding Map*
  std::mutex mu_;
  std::unordered_map<Map*, std::shared_ptr<Map>> keep_;
};

}  // namespace

namespace {

// The array or hash of Map* that holds the slots.
MapDef slots_def(const MapDef& def) {
  MapDef slots = def;
  slots.type = def.type == MapType::ArrayOfMaps ? MapType::Array : MapType::Hash;
  slots.value_size = sizeof(Map*);
  slots.inner.reset();
  slots.map_flags &= ~kMapFInnerMap;
  return slots;
}

}  // namespace

// The slot map charged whole up front, as it is created without a budget of
// its own; the inner maps are charged to whoever created them.
MapFootprint map_of_maps_footprint(const MapDef& def) {
  const uint64_t most = map_footprint(slots_def(def)).most;
  return {most, most};
}

Result<std::unique_ptr<Map>> make_map_of_maps(const MapDef& def) {
  auto inner = create_map(slots_def(def), MapLimits{UINT64_MAX, nullptr});
  if (!inner) return std::unexpected(inner.error());
  return std::unique_ptr<Map>(new MapOfMaps(def, std::move(*inner)));
}

}  // namespace decade
