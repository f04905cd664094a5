// SPDX-License-Identifier: Apache-2.0
// BpfMap: the host's view of a map (the bpf() syscall's map commands).
// Formatting and dump() live in map_format.cpp.
#include <fmt/format.h>

#include <cstring>

#include "api/object_impl.hpp"
#include "runtime/maps/arena.hpp"

namespace decade {

namespace {

api::MapSlot& slot_of(void* impl) { return *static_cast<api::MapSlot*>(impl); }

const MapDef& def_of(void* impl) {
  static const MapDef kGone;
  api::MapSlot& s = slot_of(impl);
  if (s.map) return s.map->def();
  if (s.index == api::kNoIndex) return kGone;
  return s.owner->object.maps[s.index];
}

Result<Map*> live(void* impl) {
  api::MapSlot& s = slot_of(impl);
  if (!s.map) return make_error(ErrorCode::InvalidArgument, fmt::format("map '{}' is not created until load()", s.name));
  return s.map.get();
}

Status check_size(size_t got, uint32_t want, ErrorCode code, std::string_view what) {
  if (got != want) return make_error(code, fmt::format("{} is {} bytes, the map's is {}", what, got, want));
  return ok();
}

Status rc_status(long rc, const api::MapSlot& s, std::string_view op) {
  if (rc == 0) return ok();
  return std::unexpected(api::errno_error(rc, fmt::format("{} on map '{}'", op, s.name)));
}

}  // namespace

std::string_view BpfMap::name() const { return slot_of(impl_).name; }
uint32_t BpfMap::type() const { return static_cast<uint32_t>(def_of(impl_).type); }
uint32_t BpfMap::key_size() const { return def_of(impl_).key_size; }
uint32_t BpfMap::value_size() const { return def_of(impl_).value_size; }
uint32_t BpfMap::max_entries() const { return def_of(impl_).max_entries; }
uint32_t BpfMap::flags() const { return def_of(impl_).map_flags; }
uint32_t BpfMap::id() const { return slot_of(impl_).id; }

uint32_t BpfMap::host_value_size() const {
  api::MapSlot& s = slot_of(impl_);
  return s.map ? s.map->host_value_size() : def_of(impl_).value_size;
}

std::string_view BpfMap::type_name() const { return map_type_name(static_cast<uint32_t>(def_of(impl_).type)); }

Status BpfMap::lookup(std::span<const uint8_t> key, std::span<uint8_t> value) const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  if (auto s = check_size(key.size(), (*m)->def().key_size, ErrorCode::MapBadKeySize, "key"); !s) return s;
  if (auto s = check_size(value.size(), (*m)->host_value_size(), ErrorCode::MapBadValueSize, "value"); !s) return s;
  return rc_status((*m)->host_lookup(key.data(), value.data(), 0), slot_of(impl_), "lookup");
}

Status BpfMap::update(std::span<const uint8_t> key, std::span<const uint8_t> value, UpdateFlag flag) const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  if (auto s = check_size(key.size(), (*m)->def().key_size, ErrorCode::MapBadKeySize, "key"); !s) return s;
  if (auto s = check_size(value.size(), (*m)->host_value_size(), ErrorCode::MapBadValueSize, "value"); !s) return s;
  if ((*m)->type() == MapType::ProgArray) {  // the owner check's error names the differing property
    uint32_t index, id;
    std::memcpy(&index, key.data(), 4);
    std::memcpy(&id, value.data(), 4);
    return prog_array_insert(**m, index, id, static_cast<uint64_t>(flag));
  }
  return rc_status((*m)->host_update(key.data(), value.data(), static_cast<uint64_t>(flag)), slot_of(impl_),
                   "update");
}

Status BpfMap::erase(std::span<const uint8_t> key) const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  if (auto s = check_size(key.size(), (*m)->def().key_size, ErrorCode::MapBadKeySize, "key"); !s) return s;
  return rc_status((*m)->erase(key.data()), slot_of(impl_), "delete");
}

Result<bool> BpfMap::next_key(std::span<const uint8_t> key, std::span<uint8_t> next) const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  const uint32_t ks = (*m)->def().key_size;
  if (!key.empty()) {
    if (auto s = check_size(key.size(), ks, ErrorCode::MapBadKeySize, "key"); !s) return std::unexpected(s.error());
  }
  if (auto s = check_size(next.size(), ks, ErrorCode::MapBadKeySize, "next key"); !s) return std::unexpected(s.error());
  auto st = (*m)->get_next_key(key.empty() ? nullptr : key.data(), next.data());
  if (st) return true;
  if (st.error().code == ErrorCode::MapKeyNotFound) return false;
  return std::unexpected(st.error());
}

Status BpfMap::push(std::span<const uint8_t> value, UpdateFlag flag) const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  if (auto s = check_size(value.size(), (*m)->def().value_size, ErrorCode::MapBadValueSize, "value"); !s) return s;
  return rc_status((*m)->push(value.data(), static_cast<uint64_t>(flag)), slot_of(impl_), "push");
}

Status BpfMap::pop(std::span<uint8_t> value) const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  if (auto s = check_size(value.size(), (*m)->def().value_size, ErrorCode::MapBadValueSize, "value"); !s) return s;
  long rc = (*m)->host_lookup_and_delete(nullptr, value.data());
  if (rc == -ENOENT) return make_error(ErrorCode::MapEmpty, fmt::format("map '{}' is empty", slot_of(impl_).name));
  return rc_status(rc, slot_of(impl_), "pop");
}

Result<std::span<uint8_t>> BpfMap::memory() const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  const MapDef& d = (*m)->def();
  if (d.frozen) return make_error(ErrorCode::MapBadFlags, fmt::format("map '{}' is frozen", d.name));
  if (ArenaMap* a = as_arena(*m)) return std::span<uint8_t>(a->base(), a->size());
  uint8_t* base = (*m)->direct_value_base();
  if (!base) return make_error(ErrorCode::MapBadType, fmt::format("map '{}' ({}) has no direct memory", d.name, type_name()));
  const size_t stride = (size_t{d.value_size} + 7) & ~size_t{7};
  const size_t bytes = d.max_entries == 1 ? d.value_size : stride * d.max_entries;
  return std::span<uint8_t>(base, bytes);
}

Result<uint32_t> BpfMap::lookup_batch(BatchCursor& cursor, std::span<uint8_t> keys, std::span<uint8_t> values,
                                      bool delete_after) const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  const uint32_t ks = (*m)->def().key_size, vs = (*m)->host_value_size();
  if (ks == 0 || keys.size() % ks || values.size() % vs || keys.size() / ks != values.size() / vs)
    return make_error(ErrorCode::InvalidArgument, "batch: keys and values must hold the same number of elements");
  if (cursor.done) return 0u;
  uint32_t count = static_cast<uint32_t>(keys.size() / ks);
  std::vector<uint8_t> out_token(ks);
  const void* in = cursor.token.empty() ? nullptr : cursor.token.data();
  long rc = delete_after ? (*m)->lookup_and_delete_batch(in, out_token.data(), keys.data(), values.data(), &count)
                         : (*m)->lookup_batch(in, out_token.data(), keys.data(), values.data(), &count);
  if (rc == -ENOENT) {
    cursor.done = true;
  } else if (rc) {
    return std::unexpected(api::errno_error(rc, fmt::format("batch lookup on map '{}'", slot_of(impl_).name)));
  }
  cursor.token = std::move(out_token);
  return count;
}

Result<uint32_t> BpfMap::update_batch(std::span<const uint8_t> keys, std::span<const uint8_t> values,
                                      UpdateFlag flag) const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  const uint32_t ks = (*m)->def().key_size, vs = (*m)->host_value_size();
  if (ks == 0 || keys.size() % ks || values.size() % vs || keys.size() / ks != values.size() / vs)
    return make_error(ErrorCode::InvalidArgument, "batch: keys and values must hold the same number of elements");
  uint32_t count = static_cast<uint32_t>(keys.size() / ks);
  long rc = (*m)->update_batch(keys.data(), values.data(), &count, static_cast<uint64_t>(flag));
  if (rc) return std::unexpected(api::errno_error(rc, fmt::format("batch update on map '{}'", slot_of(impl_).name)));
  return count;
}

Result<uint32_t> BpfMap::delete_batch(std::span<const uint8_t> keys) const {
  auto m = live(impl_);
  if (!m) return std::unexpected(m.error());
  const uint32_t ks = (*m)->def().key_size;
  if (ks == 0 || keys.size() % ks) return make_error(ErrorCode::MapBadKeySize, "batch: keys are not whole keys");
  uint32_t count = static_cast<uint32_t>(keys.size() / ks);
  long rc = (*m)->delete_batch(keys.data(), &count);
  if (rc) return std::unexpected(api::errno_error(rc, fmt::format("batch delete on map '{}'", slot_of(impl_).name)));
  return count;
}

}  // namespace decade
