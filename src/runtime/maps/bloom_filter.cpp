// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_BLOOM_FILTER: values are pushed (added) and peeked (tested);
// no false negatives. nr_hashes = map_extra & 0xf (default 5); the bit array
// is sized like the kernel's, max_entries * nr_hashes / ln 2 rounded up to a
// power of two, and bits are set atomically so programs and host threads can
// push concurrently without a lock.
#include <atomic>
#include <cmath>
#include <vector>

#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

uint32_t hash_count(const MapDef& def) { return def.map_extra & 0xf ? def.map_extra & 0xf : 5; }

uint64_t bit_count(const MapDef& def) {
  double bits = std::ceil(double(def.max_entries) * double(hash_count(def)) / std::log(2.0));
  return std::min<uint64_t>(roundup_pow2(std::max<uint64_t>(64, static_cast<uint64_t>(bits))), 1ull << 32);
}

class BloomFilter final : public Map {
 public:
  explicit BloomFilter(const MapDef& def)
      : Map(def), hashes_(hash_count(def)), seed_(map_hash_seed(def)), nbits_(bit_count(def)),
        words_(nbits_ / 64) {}

  void* lookup(const void*) override { return nullptr; }
  long update(const void*, const void*, uint64_t) override { return kEINVAL; }
  long erase(const void*) override { return kEOPNOTSUPP; }
  Status get_next_key(const void*, void*) override {
    return make_error(ErrorCode::Unsupported, "bloom filters have no keys");
  }

  long push(const void* value, uint64_t flags) override {
    if (flags != kBpfAny) return kEINVAL;
    for (uint32_t i = 0; i < hashes_; ++i) {
      uint64_t b = bit(value, i);
      words_[b / 64].fetch_or(uint64_t{1} << (b % 64), std::memory_order_relaxed);
    }
    return 0;
  }

  long peek(void* value) override {
    for (uint32_t i = 0; i < hashes_; ++i) {
      uint64_t b = bit(value, i);
      if (!(words_[b / 64].load(std::memory_order_relaxed) & (uint64_t{1} << (b % 64)))) return kENOENT;
    }
    return 0;
  }

  long pop(void*) override { return kEOPNOTSUPP; }
  long host_lookup(const void*, void* value, uint64_t flags) override { return flags ? kEINVAL : peek(value); }
  long host_update(const void*, const void* value, uint64_t flags) override { return push(value, flags); }
  long host_lookup_and_delete(const void*, void*) override { return kEOPNOTSUPP; }
  long for_each(const ElemVisitor&) override { return kEINVAL; }

 private:
  uint64_t bit(const void* value, uint32_t i) const {
    return hash_bytes(value, def().value_size, seed_ + i * 0x9e3779b97f4a7c15ull) & (nbits_ - 1);
  }

  const uint32_t hashes_;
  const uint64_t seed_;
  const uint64_t nbits_;
  std::vector<std::atomic<uint64_t>> words_;
};

}  // namespace

MapFootprint bloom_footprint(const MapDef& def) {
  const uint64_t bytes = bit_count(def) / 8;
  return {bytes, bytes};
}

Result<std::unique_ptr<Map>> make_bloom_filter(const MapDef& def) { return std::unique_ptr<Map>(new BloomFilter(def)); }

}  // namespace decade
