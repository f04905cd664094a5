// SPDX-License-Identifier: Apache-2.0
#include "runtime/maps/perf_event_array.hpp"

#include <cstring>

#include "runtime/maps/array_keys.hpp"
#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

constexpr uint64_t kHeaderBytes = 8, kLostRecordBytes = 24;

// The raw sample as perf delivers it: a u32 size, then data padded so size
// and data end on an 8-byte boundary.
uint64_t raw_size(uint64_t n) { return round_up8(n + 4) - 4; }

class PerfArrayMap final : public PerfEventArray {
 public:
  explicit PerfArrayMap(const MapDef& def) : PerfEventArray(def), rings_(def.max_entries) {}

  long output(uint32_t index, uint32_t cpu, std::span<const uint8_t> data, std::span<const uint8_t> extra) override {
    if (index >= def().max_entries) return kE2BIG;
    std::shared_ptr<PerfRing> ring = std::atomic_load(&rings_[index]);
    if (!ring) return kENOENT;
    if (ring->cpu() != cpu) return kEOPNOTSUPP;
    return ring->write(data, extra);
  }

  long attach(uint32_t index, std::shared_ptr<PerfRing> ring) override {
    if (index >= def().max_entries) return kE2BIG;
    std::atomic_store(&rings_[index], std::move(ring));
    return 0;
  }

  // Programs never see the slots; the host reaches them through attach.
  void* lookup(const void*) override { return nullptr; }
  long update(const void*, const void*, uint64_t) override { return kEOPNOTSUPP; }
  long erase(const void* key) override {
    uint32_t k;
    std::memcpy(&k, key, 4);
    return attach(k, nullptr) ? kE2BIG : 0;
  }
  long host_lookup(const void*, void*, uint64_t) override { return kEOPNOTSUPP; }
  Status get_next_key(const void* key, void* next_key) override {
    return array_keys::next_key(key, next_key, def().max_entries);
  }

 private:
  std::vector<std::shared_ptr<PerfRing>> rings_;
};

}  // namespace

void PerfWakeup::notify() {
  {
    std::lock_guard lock(mu);
    ++seq;
  }
  cv.notify_all();
}

PerfRing::PerfRing(uint32_t cpu, uint64_t capacity, std::shared_ptr<PerfWakeup> wakeup)
    : cpu_(cpu), capacity_(capacity), wakeup_(std::move(wakeup)) {}

long PerfRing::write(std::span<const uint8_t> data, std::span<const uint8_t> extra) {
  const uint64_t n = data.size() + extra.size();
  const uint64_t bytes = kHeaderBytes + 4 + raw_size(n);
  {
    std::lock_guard lock(mu_);
    const uint64_t need = bytes + (lost_ ? kLostRecordBytes : 0);
    if (used_ + need > capacity_) {
      ++lost_;
      return -ENOSPC;
    }
    if (lost_) {
      records_.push_back(Record{true, lost_, {}});
      used_ += kLostRecordBytes;
      lost_ = 0;
    }
    Record r;
    r.data.assign(raw_size(n), 0);
    if (!data.empty()) std::memcpy(r.data.data(), data.data(), data.size());
    if (!extra.empty()) std::memcpy(r.data.data() + data.size(), extra.data(), extra.size());
    records_.push_back(std::move(r));
    used_ += bytes;
  }
  if (wakeup_) wakeup_->notify();
  return 0;
}

std::vector<PerfRing::Record> PerfRing::drain() {
  std::lock_guard lock(mu_);
  std::vector<Record> out(std::make_move_iterator(records_.begin()), std::make_move_iterator(records_.end()));
  records_.clear();
  used_ = 0;
  if (lost_) {  // room again: the reader learns of the losses now
    out.push_back(Record{true, lost_, {}});
    lost_ = 0;
  }
  return out;
}

PerfEventArray* as_perf_event_array(Map* map) {
  return map && map->type() == MapType::PerfEventArray ? static_cast<PerfEventArray*>(map) : nullptr;
}

MapFootprint perf_event_array_footprint(const MapDef& def) {
  const uint64_t bytes = sat_add(sat_mul(def.max_entries, sizeof(std::shared_ptr<PerfRing>)), sizeof(PerfArrayMap));
  return {bytes, bytes};
}

Result<std::unique_ptr<Map>> make_perf_event_array(const MapDef& def) {
  return std::unique_ptr<Map>(new PerfArrayMap(def));
}

}  // namespace decade
