// SPDX-License-Identifier: Apache-2.0
// BpfMap::parse_key / parse_value: text as dump() prints it back into bytes
// (the inverse of map_format.cpp), for `decade run --map-init`.
#include <fmt/format.h>

#include <cstring>

#include "api/btf_format.hpp"
#include "api/object_impl.hpp"

namespace decade {

namespace {

const api::MapSlot& slot_of(const void* impl) { return *static_cast<const api::MapSlot*>(impl); }

const MapDef* def_of(const api::MapSlot& s) {
  if (s.map) return &s.map->def();
  if (s.index == api::kNoIndex) return nullptr;
  return &s.owner->object.maps[s.index];
}

bool per_cpu(MapType t) { return t == MapType::PercpuArray || t == MapType::PercpuHash || t == MapType::LruPercpuHash; }

// One key or value of `size` bytes: BTF-typed JSON, a hex string, or (no
// BTF, at most 8 bytes: an array index, a prog_array's program id) a
// little-endian integer.
Status encode(const Btf* btf, uint32_t type, const api::JsonValue& v, std::span<uint8_t> out) {
  if (btf && type && btf->size_of(type).value_or(0) == out.size()) return api::encode_btf_value(*btf, type, v, out);
  if (v.kind == api::JsonValue::Kind::String) return api::encode_hex(v.text, out);
  if (v.kind == api::JsonValue::Kind::Number && out.size() <= 8) {
    uint64_t x = 0;
    const bool neg = v.text.starts_with('-');
    const std::string digits = neg ? v.text.substr(1) : v.text;
    try {
      size_t used = 0;
      x = std::stoull(digits, &used, 0);
      if (used != digits.size()) throw std::invalid_argument(digits);
    } catch (const std::exception&) {
      return make_error(ErrorCode::ValueTextMalformed, fmt::format("'{}' is not an integer", v.text));
    }
    if (neg) x = ~x + 1;
    if (out.size() < 8 && !neg && x >> (out.size() * 8))
      return make_error(ErrorCode::ValueTextMalformed, fmt::format("{} does not fit {} bytes", v.text, out.size()));
    std::memcpy(out.data(), &x, out.size());
    return ok();
  }
  return make_error(ErrorCode::ValueTextMalformed,
                    fmt::format("without BTF a {}-byte element is written as hex bytes (\"0a 00 ...\")", out.size()));
}

uint32_t value_type_of(const Btf& btf, const MapDef& d) {
  if (d.btf_value_type) return d.btf_value_type;
  if (api::is_global_data(d)) return btf.find(d.section, BtfKind::DataSec);
  return 0;
}

Result<std::vector<uint8_t>> percpu_value(const Btf* btf, uint32_t vt, const MapDef& d, const api::JsonValue& v,
                                          uint32_t host_size) {
  const size_t stride = (d.value_size + 7) & ~size_t{7};
  std::vector<uint8_t> out(host_size, 0);
  const size_t cpus = stride ? host_size / stride : 0;
  if (v.kind != api::JsonValue::Kind::Array) {  // one value for every CPU
    for (size_t c = 0; c < cpus; ++c)
      if (auto s = encode(btf, vt, v, std::span(out).subspan(c * stride, d.value_size)); !s) return std::unexpected(s.error());
    return out;
  }
  for (const api::JsonValue& item : v.items) {
    const api::JsonValue* cpu = item.member("cpu");
    const api::JsonValue* val = item.member("value");
    size_t c = SIZE_MAX;
    if (cpu && cpu->kind == api::JsonValue::Kind::Number) c = std::strtoull(cpu->text.c_str(), nullptr, 10);
    if (!val || c >= cpus)
      return make_error(ErrorCode::ValueTextMalformed,
                        fmt::format("a per-CPU value lists {{\"cpu\": N, \"value\": V}} with N below {}", cpus));
    if (auto s = encode(btf, vt, *val, std::span(out).subspan(c * stride, d.value_size)); !s) return std::unexpected(s.error());
  }
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> BpfMap::parse_key(std::string_view text) const {
  const api::MapSlot& s = slot_of(impl_);
  const MapDef* d = def_of(s);
  if (!d) return make_error(ErrorCode::MapNotFound, fmt::format("map '{}' is gone", s.name));
  auto v = api::parse_json(text);
  if (!v) return std::unexpected(v.error());
  std::vector<uint8_t> out(d->key_size);
  if (auto st = encode(s.owner->object.btf.get(), d->btf_key_type, *v, out); !st) return std::unexpected(st.error());
  return out;
}

Result<std::vector<uint8_t>> BpfMap::parse_value(std::string_view text) const {
  const api::MapSlot& s = slot_of(impl_);
  const MapDef* d = def_of(s);
  if (!d) return make_error(ErrorCode::MapNotFound, fmt::format("map '{}' is gone", s.name));
  auto v = api::parse_json(text);
  if (!v) return std::unexpected(v.error());
  const Btf* btf = s.owner->object.btf.get();
  const uint32_t vt = btf ? value_type_of(*btf, *d) : 0;
  if (per_cpu(d->type)) return percpu_value(btf, vt, *d, *v, host_value_size());
  std::vector<uint8_t> out(d->value_size);
  if (auto st = encode(btf, vt, *v, out); !st) return std::unexpected(st.error());
  return out;
}

}  // namespace decade
