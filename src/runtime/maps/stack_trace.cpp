// SPDX-License-Identifier: Apache-2.0
// The stack trace map (stack_trace.hpp). Every stack's frames live in one
// block allocated at creation (max_entries slots of value_size bytes) with a
// free list of slots, so bpf_get_stackid never allocates; a bucket names the
// slot holding its stack or none. One mutex guards buckets and slots: stores
// come from programs on any thread, reads and deletes from the host.
#include "runtime/maps/stack_trace.hpp"

#include <cstring>
#include <mutex>
#include <vector>

#include "runtime/maps/array_keys.hpp"
#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

constexpr int32_t kNoSlot = -1;

// A mixing hash over the frames (stack ids are opaque numbers; user-space
// addresses never match the kernel's anyway, so no need to follow its hash).
uint64_t hash_frames(const uint64_t* ips, uint32_t nr) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ nr;
  for (uint32_t i = 0; i < nr; ++i) {
    h ^= ips[i] + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  }
  return h;
}

class StackTraceImpl final : public StackTraceMap {
 public:
  explicit StackTraceImpl(const MapDef& def)
      : StackTraceMap(def), depth_(def.value_size / 8), buckets_(roundup_pow2(def.max_entries), kNoSlot),
        meta_(def.max_entries), frames_(uint64_t{def.max_entries} * depth_) {
    free_.reserve(def.max_entries);
    for (uint32_t s = def.max_entries; s-- > 0;) free_.push_back(static_cast<int32_t>(s));
  }

  long store(const uint64_t* ips, uint32_t nr, uint64_t flags) override {
    const uint64_t hash = hash_frames(ips, nr);
    const auto id = static_cast<uint32_t>(hash & (buckets_.size() - 1));
    std::lock_guard lock(mu_);
    const int32_t old = buckets_[id];
    const bool hash_matches = old != kNoSlot && meta_[old].hash == hash;
    if (hash_matches && (flags & kStackFastCmp)) return id;
    if (hash_matches && meta_[old].nr == nr && std::memcmp(slot(old), ips, nr * 8ull) == 0) return id;
    if (old != kNoSlot && !(flags & kStackReuseId)) return kEEXIST;
    // As the kernel, a new slot is taken before the old one is given back:
    // with every slot in use even a replacement fails.
    if (free_.empty()) return kENOMEM;
    const int32_t s = free_.back();
    free_.pop_back();
    meta_[s] = Meta{hash, nr};
    std::memcpy(slot(s), ips, nr * 8ull);
    buckets_[id] = s;
    if (old != kNoSlot) free_.push_back(old);
    return id;
  }

  // Programs cannot look stacks up (the verifier allows only bpf_get_stackid).
  void* lookup(const void*) override { return nullptr; }
  long update(const void*, const void*, uint64_t) override { return kEINVAL; }
  long host_update(const void*, const void*, uint64_t) override { return kEINVAL; }

  long erase(const void* key) override {
    const uint32_t id = read_id(key);
    std::lock_guard lock(mu_);
    if (id >= buckets_.size()) return kEINVAL;
    if (buckets_[id] == kNoSlot) return kENOENT;
    free_.push_back(buckets_[id]);
    buckets_[id] = kNoSlot;
    return 0;
  }

  // The stack's frames, the rest of the value zeroed.
  long host_lookup(const void* key, void* value, uint64_t flags) override {
    if (flags) return kEINVAL;
    const uint32_t id = read_id(key);
    std::lock_guard lock(mu_);
    if (id >= buckets_.size() || buckets_[id] == kNoSlot) return kENOENT;
    const int32_t s = buckets_[id];
    std::memset(value, 0, def().value_size);
    std::memcpy(value, slot(s), meta_[s].nr * 8ull);
    return 0;
  }

  // Ids holding a stack, in increasing order; a missing or out-of-range key
  // starts from the first.
  Status get_next_key(const void* key, void* next_key) override {
    std::lock_guard lock(mu_);
    uint64_t id = 0;
    if (key) {
      const uint32_t k = read_id(key);
      if (k < buckets_.size()) id = uint64_t{k} + 1;
    }
    while (id < buckets_.size() && buckets_[id] == kNoSlot) ++id;
    if (id >= buckets_.size()) return make_error(ErrorCode::MapKeyNotFound, "no more keys");
    const auto out = static_cast<uint32_t>(id);
    std::memcpy(next_key, &out, 4);
    return ok();
  }

 private:
  struct Meta {
    uint64_t hash = 0;
    uint32_t nr = 0;
  };
  static uint32_t read_id(const void* key) { return array_keys::index_of(key); }
  uint64_t* slot(int32_t s) { return frames_.data() + uint64_t(s) * depth_; }

  const uint32_t depth_;
  std::mutex mu_;
  std::vector<int32_t> buckets_;  // slot per bucket, kNoSlot when empty
  std::vector<Meta> meta_;        // per slot
  std::vector<uint64_t> frames_;  // max_entries slots of depth_ frames
  std::vector<int32_t> free_;
};

}  // namespace

StackTraceMap* as_stack_trace_map(Map* map) {
  return map && map->type() == MapType::StackTrace ? static_cast<StackTraceMap*>(map) : nullptr;
}

MapFootprint stack_trace_footprint(const MapDef& def) {
  const uint64_t slots = sat_mul(def.max_entries, sat_add(def.value_size, sizeof(uint64_t) * 2 + sizeof(int32_t)));
  const uint64_t bytes = sat_add(sat_add(slots, sat_mul(roundup_pow2(def.max_entries), sizeof(int32_t))),
                                 sizeof(StackTraceImpl));
  return {bytes, bytes};
}

Result<std::unique_ptr<Map>> make_stack_trace_map(const MapDef& def) {
  return std::unique_ptr<Map>(new StackTraceImpl(def));
}

}  // namespace decade
