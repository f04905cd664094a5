// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_LPM_TRIE. Keys are struct bpf_lpm_trie_key: a u32 prefix
// length followed by data bytes compared most significant bit first.
//
// Entries live in an ordered map whose order is the kernel's get_next_key
// order: the post-order of the binary trie (a more specific prefix comes
// before any prefix it extends, 0-branches before 1-branches). Lookup tries
// the prefix lengths from longest to shortest. Values sit in slots that are
// reused, never freed, while the map lives, so pointers a program holds
// stay valid memory.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

struct Prefix {
  uint32_t len = 0;
  std::vector<uint8_t> data;  // bits past len are zero
};

bool bit_at(const std::vector<uint8_t>& d, uint32_t i) { return (d[i / 8] >> (7 - i % 8)) & 1; }

// Post-order of the binary trie: see the file comment.
struct PostOrder {
  bool operator()(const Prefix& a, const Prefix& b) const {
    uint32_t common = std::min(a.len, b.len);
    for (uint32_t i = 0; i < common; ++i) {
      bool x = bit_at(a.data, i), y = bit_at(b.data, i);
      if (x != y) return !x;
    }
    return a.len > b.len;  // one extends the other: the longer (deeper) node first
  }
};

// Slots are allocated lazily, a chunk at a time (the kernel allocates a node
// per update); each is charged with an estimate of the tree node and prefix
// that index it.
constexpr size_t kSlotsPerChunk = 256;
uint64_t entry_bytes(const MapDef& def) { return round_up8(def.value_size) + 112 + round_up8(def.key_size - 4); }

class LpmTrie final : public Map {
 public:
  explicit LpmTrie(const MapDef& def)
      : Map(def), data_size_(def.key_size - 4), max_prefix_(data_size_ * 8), stride_(round_up8(def.value_size)) {}

  std::vector<MapStorage> storage() override {
    std::shared_lock lock(mu_);
    std::vector<MapStorage> out;
    for (auto& c : chunks_) out.push_back({std::span<uint8_t>(c.get(), kSlotsPerChunk * stride_)});
    return out;
  }

  // The tree and its keys live in std containers: an allocation failure in
  // any operation ends it with -ENOMEM (nullptr for lookups), never a throw.
  void* lookup(const void* key) override {
    try {
      return find_longest(key);
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
  }
  long update(const void* key, const void* value, uint64_t flags) override {
    return nothrow_op([&] { return insert(key, value, flags); });
  }
  long erase(const void* key) override {
    return nothrow_op([&] { return remove(key); });
  }
  Status get_next_key(const void* key, void* next_key) override {
    try {
      return next_of(key, next_key);
    } catch (const std::bad_alloc&) {
      return make_error(ErrorCode::OutOfMemory, "lpm trie: out of memory walking the keys");
    }
  }

 private:
  void* find_longest(const void* key) {
    Prefix k = read_key(key, true);
    std::shared_lock lock(mu_);
    for (int64_t len = std::min(k.len, max_prefix_); len >= 0; --len) {
      Prefix probe = truncated(k, static_cast<uint32_t>(len));
      auto it = entries_.find(probe);
      if (it != entries_.end()) return it->second;
    }
    return nullptr;
  }

  long insert(const void* key, const void* value, uint64_t flags) {
    if (flags > kBpfExist) return kEINVAL;
    uint32_t len;
    std::memcpy(&len, key, 4);
    if (len > max_prefix_) return kEINVAL;
    Prefix k = read_key(key, false);
    std::unique_lock lock(mu_);
    auto it = entries_.find(k);
    if (it != entries_.end()) {
      if (flags == kBpfNoExist) return kEEXIST;
      copy_value(it->second, value, def().value_size, def().lock_field_off());
      return 0;
    }
    if (flags == kBpfExist) return kENOENT;
    if (entries_.size() >= def().max_entries) return kENOSPC;
    uint8_t* slot = take_slot();
    if (!slot) return kENOMEM;
    copy_value(slot, value, def().value_size, def().lock_field_off());
    entries_.emplace(std::move(k), slot);
    return 0;
  }

  long remove(const void* key) {
    uint32_t len;
    std::memcpy(&len, key, 4);
    if (len > max_prefix_) return kEINVAL;
    std::unique_lock lock(mu_);
    auto it = entries_.find(read_key(key, false));
    if (it == entries_.end()) return kENOENT;
    free_.push_back(it->second);
    entries_.erase(it);
    return 0;
  }

  Status next_of(const void* key, void* next_key) {
    std::shared_lock lock(mu_);
    auto it = entries_.begin();
    if (key) {
      uint32_t len;
      std::memcpy(&len, key, 4);
      if (len <= max_prefix_) {
        auto found = entries_.find(read_key(key, false));
        // An absent key restarts the walk, as in the kernel.
        if (found != entries_.end()) it = std::next(found);
      }
    }
    if (it == entries_.end()) return make_error(ErrorCode::MapKeyNotFound, "no more keys");
    auto* out = static_cast<uint8_t*>(next_key);
    std::memcpy(out, &it->first.len, 4);
    std::memcpy(out + 4, it->first.data.data(), data_size_);
    return ok();
  }

  Prefix read_key(const void* key, bool clamp) const {
    Prefix p;
    std::memcpy(&p.len, key, 4);
    if (clamp) p.len = std::min(p.len, max_prefix_);
    auto* d = static_cast<const uint8_t*>(key) + 4;
    p.data.assign(d, d + data_size_);
    return truncated(p, p.len);
  }

  static Prefix truncated(const Prefix& p, uint32_t len) {
    Prefix out{len, p.data};
    for (uint32_t i = 0; i < out.data.size(); ++i) {
      uint32_t bit0 = i * 8;
      if (bit0 >= len) {
        out.data[i] = 0;
      } else if (len - bit0 < 8) {
        out.data[i] &= static_cast<uint8_t>(0xff00u >> (len - bit0));
      }
    }
    return out;
  }

  uint8_t* take_slot() {
    if (free_.empty()) {
      const uint64_t cost = kSlotsPerChunk * entry_bytes(def());
      if (!charge(cost)) return nullptr;
      std::unique_ptr<uint8_t[]> chunk(new (std::nothrow) uint8_t[kSlotsPerChunk * stride_]());
      if (!chunk) {
        uncharge(cost);
        return nullptr;
      }
      // May throw: the caller's nothrow_op turns that into -ENOMEM (the
      // charge stays, as the map keeps whatever it allocated).
      chunks_.push_back(std::move(chunk));
      for (size_t i = kSlotsPerChunk; i-- > 0;) free_.push_back(chunks_.back().get() + i * stride_);
    }
    uint8_t* s = free_.back();
    free_.pop_back();
    std::memset(s, 0, stride_);
    return s;
  }

  const uint32_t data_size_, max_prefix_;
  const size_t stride_;
  std::shared_mutex mu_;
  std::map<Prefix, uint8_t*, PostOrder> entries_;
  std::vector<std::unique_ptr<uint8_t[]>> chunks_;
  std::vector<uint8_t*> free_;
};

}  // namespace

// Nothing up front; full, every slot and its node.
MapFootprint lpm_footprint(const MapDef& def) {
  const uint64_t chunks = (uint64_t{def.max_entries} + kSlotsPerChunk - 1) / kSlotsPerChunk;
  return {0, sat_mul(chunks * kSlotsPerChunk, entry_bytes(def))};
}

Result<std::unique_ptr<Map>> make_lpm_trie(const MapDef& def) { return std::unique_ptr<Map>(new LpmTrie(def)); }

}  // namespace decade
