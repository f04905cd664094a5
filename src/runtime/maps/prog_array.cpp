// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_PROG_ARRAY: slots holding programs for bpf_tail_call. The host
// stores a registered program id (the kernel's prog fd); programs only reach
// the slots through tail calls. All programs in one array must share a
// program type (the kernel's owner type check). Replaced handles are kept
// until the map dies because a tail call may still be running them.
#include <atomic>
#include <mutex>
#include <vector>

#include "runtime/engine.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/registry.hpp"

namespace decade {
namespace {

class ProgArray final : public Map {
 public:
  explicit ProgArray(const MapDef& def) : Map(def), slots_(def.max_entries), ids_(def.max_entries, 0) {}

  void* lookup(const void*) override { return nullptr; }  // programs cannot read a prog_array
  long update(const void*, const void*, uint64_t) override { return kEINVAL; }

  long host_update(const void* key, const void* value, uint64_t flags) override {
    if (flags > kBpfExist) return kEINVAL;
    uint32_t idx = index_of(key), id;
    if (idx >= def().max_entries) return kE2BIG;
    if (flags == kBpfNoExist) return kEEXIST;
    std::memcpy(&id, value, 4);
    auto prog = find_program(id);
    if (!prog || !prog->executable) return -EBADF;
    std::lock_guard lock(mu_);
    if (owner_type_.empty()) owner_type_ = prog->program_type;
    if (prog->program_type != owner_type_) return kEINVAL;
    slots_[idx].store(prog.get(), std::memory_order_release);
    ids_[idx] = id;
    keep_.push_back(std::move(prog));
    return 0;
  }

  long erase(const void* key) override {
    uint32_t idx = index_of(key);
    if (idx >= def().max_entries) return kE2BIG;
    std::lock_guard lock(mu_);
    if (!slots_[idx].exchange(nullptr, std::memory_order_acq_rel)) return kENOENT;
    ids_[idx] = 0;
    return 0;
  }

  long host_lookup(const void* key, void* value, uint64_t flags) override {
    if (flags) return kEINVAL;
    uint32_t idx = index_of(key);
    if (idx >= def().max_entries) return kENOENT;
    std::lock_guard lock(mu_);
    if (!slots_[idx].load(std::memory_order_acquire)) return kENOENT;
    std::memcpy(value, &ids_[idx], 4);
    return 0;
  }

  long for_each(const ElemVisitor&) override { return kEINVAL; }

  Status get_next_key(const void* key, void* next_key) override {
    uint32_t idx = key ? index_of(key) : UINT32_MAX;
    uint32_t next = idx >= def().max_entries ? 0 : idx + 1;
    if (next >= def().max_entries) return make_error(ErrorCode::MapKeyNotFound, "last element");
    std::memcpy(next_key, &next, 4);
    return ok();
  }

  const ProgramHandle* target(uint32_t idx) const {
    return idx < slots_.size() ? slots_[idx].load(std::memory_order_acquire) : nullptr;
  }

 private:
  static uint32_t index_of(const void* key) {
    uint32_t idx;
    std::memcpy(&idx, key, 4);
    return idx;
  }

  std::vector<std::atomic<const ProgramHandle*>> slots_;
  std::mutex mu_;
  std::vector<uint32_t> ids_;
  std::string owner_type_;
  std::vector<std::shared_ptr<ProgramHandle>> keep_;
};

}  // namespace

const ProgramHandle* tail_call_target(Map* map, uint32_t index) {
  if (!map || map->type() != MapType::ProgArray) return nullptr;
  return static_cast<ProgArray*>(map)->target(index);
}

MapFootprint prog_array_footprint(const MapDef& def) {
  const uint64_t bytes = sat_mul(def.max_entries, sizeof(std::atomic<const ProgramHandle*>) + sizeof(uint32_t));
  return {bytes, bytes};
}

Result<std::unique_ptr<Map>> make_prog_array(const MapDef& def) { return std::unique_ptr<Map>(new ProgArray(def)); }

}  // namespace decade
