// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_PROG_ARRAY: slots holding programs for bpf_tail_call. The host
// stores a registered program id (the kernel's prog fd); programs only reach
// the slots through tail calls. The array's owner profile (engine.hpp's
// TailCallProfile) is fixed by the first program that joins it, loaded with
// a reference to it or stored in it, and every later one must match: a tail
// call hands the caller's context to the target, which was verified against
// its own. Replaced handles are kept until the map dies because a tail call
// may still be running them.
#include <atomic>
#include <mutex>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "runtime/engine.hpp"
#include "runtime/maps/array_keys.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/registry.hpp"

namespace decade {

std::string_view TailCallProfile::mismatch(const TailCallProfile& b) const {
  if (program_type != b.program_type) return "program type";
  if (context != b.context) return "context layout";
  if (engine != b.engine) return "engine";
  if (checked != b.checked) return "checked execution";
  if (xdp_frags != b.xdp_frags) return "xdp_has_frags";
  if (sleepable != b.sleepable) return "sleepable";
  if (attach != b.attach) return "expected attach type";
  return {};
}

namespace {

std::string describe(const TailCallProfile& p) {
  return fmt::format("{}{}{}, {}{}", p.program_type, p.attach.empty() ? "" : "/", p.attach, p.engine,
                     p.checked ? " checked" : "");
}

class ProgArray final : public Map {
 public:
  explicit ProgArray(const MapDef& def) : Map(def), slots_(def.max_entries), ids_(def.max_entries, 0) {}

  void* lookup(const void*) override { return nullptr; }  // programs cannot read a prog_array
  long update(const void*, const void*, uint64_t) override { return kEINVAL; }

  // The raw (bpf() syscall) form: errors are the kernel's errnos.
  long host_update(const void* key, const void* value, uint64_t flags) override {
    uint32_t idx, id;
    std::memcpy(&idx, key, 4);
    std::memcpy(&id, value, 4);
    if (flags > kBpfExist) return kEINVAL;
    if (idx >= def().max_entries) return kE2BIG;
    if (flags == kBpfNoExist) return kEEXIST;
    auto prog = find_program(id);
    if (!prog || !prog->executable) return -EBADF;
    auto e = insert(idx, id, std::move(prog));
    if (!e) return 0;
    return e->code == ErrorCode::OutOfMemory ? kENOMEM : kEINVAL;
  }

  // Stores prog in slot idx; the owner mismatch as an error, else nullopt.
  std::optional<Error> insert(uint32_t idx, uint32_t id, std::shared_ptr<ProgramHandle> prog) {
    std::lock_guard lock(mu_);
    if (auto e = check_owner(*prog)) return e;
    if (nothrow_op([&] {
          keep_.push_back(prog);
          return 0L;
        }))
      return Error{ErrorCode::OutOfMemory, -1, fmt::format("prog_array '{}': out of memory", def().name), {}, {}};
    slots_[idx].store(prog.get(), std::memory_order_release);
    ids_[idx] = id;
    return std::nullopt;
  }

  std::optional<Error> claim(const ProgramHandle& prog) {
    std::lock_guard lock(mu_);
    return check_owner(prog);
  }

  long erase(const void* key) override {
    uint32_t idx = array_keys::index_of(key);
    if (idx >= def().max_entries) return kE2BIG;
    std::lock_guard lock(mu_);
    if (!slots_[idx].exchange(nullptr, std::memory_order_acq_rel)) return kENOENT;
    ids_[idx] = 0;
    return 0;
  }

  long host_lookup(const void* key, void* value, uint64_t flags) override {
    if (flags) return kEINVAL;
    uint32_t idx = array_keys::index_of(key);
    if (idx >= def().max_entries) return kENOENT;
    std::lock_guard lock(mu_);
    if (!slots_[idx].load(std::memory_order_acquire)) return kENOENT;
    std::memcpy(value, &ids_[idx], 4);
    return 0;
  }

  long for_each(const ElemVisitor&) override { return kEINVAL; }

  Status get_next_key(const void* key, void* next_key) override {
    return array_keys::next_key(key, next_key, def().max_entries);
  }

  const ProgramHandle* target(uint32_t idx) const {
    return idx < slots_.size() ? slots_[idx].load(std::memory_order_acquire) : nullptr;
  }

 private:

  // With mu_ held: the first program makes the owner, the others must match it.
  std::optional<Error> check_owner(const ProgramHandle& prog) {
    if (!owner_) {
      owner_ = prog.profile;
      return std::nullopt;
    }
    std::string_view what = owner_->mismatch(prog.profile);
    if (what.empty()) return std::nullopt;
    return Error{ErrorCode::MapProgArrayMismatch, -1,
                 fmt::format("prog_array '{}' belongs to {} programs; program '{}' ({}) differs in its {}", def().name,
                             describe(*owner_), prog.name, describe(prog.profile), what),
                 {}, {}};
  }

  std::vector<std::atomic<const ProgramHandle*>> slots_;
  std::mutex mu_;
  std::vector<uint32_t> ids_;
  std::optional<TailCallProfile> owner_;
  std::vector<std::shared_ptr<ProgramHandle>> keep_;
};

ProgArray* as_prog_array(Map& map) {
  return map.type() == MapType::ProgArray ? static_cast<ProgArray*>(&map) : nullptr;
}

}  // namespace

const ProgramHandle* tail_call_target(Map* map, uint32_t index) {
  if (!map || map->type() != MapType::ProgArray) return nullptr;
  return static_cast<ProgArray*>(map)->target(index);
}

Status prog_array_claim(Map& map, const ProgramHandle& prog) {
  ProgArray* a = as_prog_array(map);
  if (!a) return make_error(ErrorCode::MapBadType, fmt::format("map '{}' is not a prog_array", map.def().name));
  if (auto e = a->claim(prog)) return std::unexpected(std::move(*e));
  return ok();
}

Status prog_array_insert(Map& map, uint32_t index, uint32_t id, uint64_t flags) {
  ProgArray* a = as_prog_array(map);
  const std::string& name = map.def().name;
  if (!a) return make_error(ErrorCode::MapBadType, fmt::format("map '{}' is not a prog_array", name));
  if (flags > kBpfExist) return make_error(ErrorCode::InvalidArgument, fmt::format("prog_array '{}': bad flags", name));
  if (index >= map.def().max_entries)
    return make_error(ErrorCode::MapFull, fmt::format("prog_array '{}': index {} out of range", name, index));
  if (flags == kBpfNoExist)
    return make_error(ErrorCode::MapKeyExists, fmt::format("prog_array '{}': slot {} exists", name, index));
  auto prog = find_program(id);
  if (!prog || !prog->executable)
    return make_error(ErrorCode::ProgramNotFound, fmt::format("prog_array '{}': no program with id {}", name, id));
  if (auto e = a->insert(index, id, std::move(prog))) return std::unexpected(std::move(*e));
  return ok();
}

MapFootprint prog_array_footprint(const MapDef& def) {
  const uint64_t bytes = sat_mul(def.max_entries, sizeof(std::atomic<const ProgramHandle*>) + sizeof(uint32_t));
  return {bytes, bytes};
}

Result<std::unique_ptr<Map>> make_prog_array(const MapDef& def) { return std::unique_ptr<Map>(new ProgArray(def)); }

}  // namespace decade
