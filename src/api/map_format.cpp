// SPDX-License-Identifier: Apache-2.0
// BpfMap::dump and the key/value formatters: elements rendered from the
// object's BTF (JSON values), or as hex without it.
#include <fmt/format.h>

#include "api/btf_format.hpp"
#include "api/object_impl.hpp"
#include <cstring>

namespace decade {

namespace {

api::MapSlot& slot_of(void* impl) { return *static_cast<api::MapSlot*>(impl); }

const MapDef* def_of(const api::MapSlot& s) {
  if (s.map) return &s.map->def();
  if (s.index == api::kNoIndex) return nullptr;
  return &s.owner->object.maps[s.index];
}

uint32_t value_type_of(const Btf& btf, const MapDef& d) {
  if (d.btf_value_type) return d.btf_value_type;
  // Global data: the section's DATASEC describes the value.
  if (api::is_global_data(d)) return btf.find(d.section, BtfKind::DataSec);
  return 0;
}

bool per_cpu(MapType t) {
  return t == MapType::PercpuArray || t == MapType::PercpuHash || t == MapType::LruPercpuHash;
}

std::string render(const Btf* btf, uint32_t type, std::span<const uint8_t> bytes) {
  if (!btf || !type) return api::format_hex(bytes);
  auto sz = btf->size_of(type);
  if (!sz || *sz != bytes.size()) return api::format_hex(bytes);
  return api::format_btf_value(*btf, type, bytes);
}

}  // namespace

uint32_t BpfMap::btf_key_type_id() const {
  const api::MapSlot& s = slot_of(impl_);
  const MapDef* d = def_of(s);
  return d && s.owner->object.btf ? d->btf_key_type : 0;
}

uint32_t BpfMap::btf_value_type_id() const {
  const api::MapSlot& s = slot_of(impl_);
  const MapDef* d = def_of(s);
  const Btf* btf = s.owner->object.btf.get();
  return d && btf ? value_type_of(*btf, *d) : 0;
}

std::string_view BpfMap::section() const {
  const MapDef* d = def_of(slot_of(impl_));
  return d ? std::string_view(d->section) : std::string_view();
}

std::string BpfMap::format_key(std::span<const uint8_t> key) const {
  const api::MapSlot& s = slot_of(impl_);
  const MapDef* d = def_of(s);
  if (!d) return api::format_hex(key);
  const bool indexed = d->type == MapType::Array || d->type == MapType::PercpuArray ||
                       d->type == MapType::ProgArray || d->type == MapType::ArrayOfMaps;
  if (!d->btf_key_type && indexed && key.size() == 4) {  // an index, even without BTF
    uint32_t idx;
    std::memcpy(&idx, key.data(), 4);
    return fmt::format("{}", idx);
  }
  return render(s.owner->object.btf.get(), d->btf_key_type, key);
}

std::string BpfMap::format_value(std::span<const uint8_t> value) const {
  const api::MapSlot& s = slot_of(impl_);
  const MapDef* d = def_of(s);
  if (!d) return api::format_hex(value);
  const Btf* btf = s.owner->object.btf.get();
  const uint32_t vt = btf ? value_type_of(*btf, *d) : 0;
  if (d->type == MapType::ProgArray || d->type == MapType::ArrayOfMaps || d->type == MapType::HashOfMaps) {
    if (value.size() == 4) {  // an id, as the kernel shows fds as ids
      uint32_t id;
      std::memcpy(&id, value.data(), 4);
      return fmt::format("{}", id);
    }
  }
  if (per_cpu(d->type) && value.size() != d->value_size) {
    const size_t stride = (d->value_size + 7) & ~size_t{7};
    std::string out = "[";
    for (size_t off = 0, cpu = 0; stride && off + stride <= value.size(); off += stride, ++cpu) {
      if (cpu) out += ", ";
      out += fmt::format("{{\"cpu\": {}, \"value\": {}}}", cpu, render(btf, vt, value.subspan(off, d->value_size)));
    }
    return out + "]";
  }
  return render(btf, vt, value);
}

Result<std::string> BpfMap::dump() const {
  api::MapSlot& s = slot_of(impl_);
  if (!s.map) return make_error(ErrorCode::InvalidArgument, fmt::format("map '{}' is not created until load()", s.name));
  Map& m = *s.map;
  const MapDef& d = m.def();
  std::string out;
  if (d.type == MapType::Queue || d.type == MapType::Stack) {
    std::vector<uint8_t> v(d.value_size);
    if (m.peek(v.data()) == 0) out += fmt::format("{{\"next\": {}}}\n", format_value(v));
    return out;
  }
  if (d.key_size == 0 || d.type == MapType::Ringbuf || d.type == MapType::Arena || d.type == MapType::BloomFilter)
    return make_error(ErrorCode::Unsupported, fmt::format("map '{}' ({}) has no elements to list", d.name, type_name()));
  std::vector<uint8_t> key(d.key_size), next(d.key_size), value(m.host_value_size());
  bool first = true;
  for (uint64_t guard = 0; guard <= uint64_t{d.max_entries} + 1; ++guard) {
    if (!m.get_next_key(first ? nullptr : key.data(), next.data())) break;
    first = false;
    key = next;
    if (m.host_lookup(key.data(), value.data(), 0) != 0) continue;  // empty slot or deleted meanwhile
    out += fmt::format("{{\"key\": {}, \"value\": {}}}\n", format_key(key), format_value(value));
  }
  return out;
}

}  // namespace decade
