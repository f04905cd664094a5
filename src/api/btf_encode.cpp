// SPDX-License-Identifier: Apache-2.0
// encode_btf_value: the inverse of format_btf_value, so what `map dump`
// prints can be written back (`decade run --map-init`, BpfMap::parse_key /
// parse_value). Integers in decimal or 0x hex, bools, enums by name or
// number, structs by member name (members left out stay zero), arrays as
// lists, char arrays as strings, pointers as "0x..", and any type as the
// hex-bytes string format_hex prints.
#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "api/btf_format.hpp"

namespace decade::api {

namespace {

constexpr int kMaxDepth = 32;

std::unexpected<Error> bad(std::string why) { return make_error(ErrorCode::ValueTextMalformed, std::move(why)); }

// A JSON number (or a "0x.." string) as 64 bits; `negative` when it had a '-'.
Result<uint64_t> integer(const JsonValue& v, bool* negative) {
  std::string_view t = v.text;
  if (v.kind == JsonValue::Kind::Bool) return uint64_t{v.boolean};
  if (v.kind != JsonValue::Kind::Number && !(v.kind == JsonValue::Kind::String && t.starts_with("0x")))
    return bad("expected an integer");
  *negative = t.starts_with('-');
  if (*negative) t.remove_prefix(1);
  int base = 10;
  if (t.starts_with("0x") || t.starts_with("0X")) {
    base = 16;
    t.remove_prefix(2);
  }
  uint64_t u = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), u, base);
  if (ec != std::errc() || p != t.data() + t.size() || t.empty()) return bad(fmt::format("'{}' is not an integer", v.text));
  if (*negative && u > uint64_t{1} << 63) return bad(fmt::format("{} is out of range", v.text));
  return *negative ? ~u + 1 : u;
}

// Whether `raw` (negative when `neg`) fits `bits` bits of the given signedness.
bool fits(uint64_t raw, bool neg, uint32_t bits, bool is_signed) {
  if (bits >= 64) return !neg || is_signed;
  if (neg) return is_signed && static_cast<int64_t>(raw) >= -(int64_t{1} << (bits - 1));
  return raw < uint64_t{1} << bits;  // also a signed field's bit pattern
}

void store_bits(std::span<uint8_t> out, uint64_t bit_off, uint32_t nbits, uint64_t v) {
  for (uint32_t i = 0; i < nbits && i < 64; ++i) {
    const uint64_t bit = bit_off + i;
    if (bit / 8 >= out.size()) return;
    const auto mask = static_cast<uint8_t>(1u << (bit % 8));
    if ((v >> i) & 1) out[bit / 8] |= mask;
    else out[bit / 8] &= static_cast<uint8_t>(~mask);
  }
}

class Encoder {
 public:
  explicit Encoder(const Btf& btf) : btf_(btf) {}

  Status value(uint32_t id, const JsonValue& v, std::span<uint8_t> out, int depth) {
    if (depth > kMaxDepth) return bad("type nested too deeply");
    const BtfType* t = btf_.type(btf_.resolve(id));
    if (!t) return bad(fmt::format("type {} is not in the BTF", id));
    const bool text = v.kind == JsonValue::Kind::String;
    if (text && !is_char_array(*t) && !is_enum(*t) && !v.text.starts_with("0x")) return encode_hex(v.text, out);
    switch (t->kind) {
      case BtfKind::Int: return int_value(*t, v, out, t->int_offset, t->int_bits);
      case BtfKind::Ptr: return int_value(*t, v, out, 0, 64);
      case BtfKind::Enum:
      case BtfKind::Enum64: return enum_value(*t, v, out);
      case BtfKind::Float: return float_value(*t, v, out);
      case BtfKind::Array: return array(*t, v, out, depth);
      case BtfKind::Struct:
      case BtfKind::Union: return record(*t, v, out, depth);
      case BtfKind::DataSec: return datasec(*t, v, out, depth);
      case BtfKind::Var: return value(t->type, v, out, depth + 1);
      case BtfKind::Unknown:
      case BtfKind::Fwd:
      case BtfKind::Typedef:
      case BtfKind::Volatile:
      case BtfKind::Const:
      case BtfKind::Restrict:
      case BtfKind::Func:
      case BtfKind::FuncProto:
      case BtfKind::DeclTag:
      case BtfKind::TypeTag: break;
    }
    return bad(fmt::format("type {} cannot be written from text", id));
  }

 private:
  static bool is_enum(const BtfType& t) { return t.kind == BtfKind::Enum || t.kind == BtfKind::Enum64; }
  bool is_char_array(const BtfType& t) const {
    if (t.kind != BtfKind::Array) return false;
    const BtfType* e = btf_.type(btf_.resolve(t.elem_type));
    return e && e->kind == BtfKind::Int && e->size == 1 && (e->int_encoding & 2);
  }

  Status int_value(const BtfType& t, const JsonValue& v, std::span<uint8_t> out, uint32_t bit_off, uint32_t bits) {
    bool neg = false;
    auto raw = integer(v, &neg);
    if (!raw) return std::unexpected(raw.error());
    const bool is_signed = t.kind == BtfKind::Int && (t.int_encoding & 1);
    if (!fits(*raw, neg, bits, is_signed)) return bad(fmt::format("{} does not fit {} bits", v.text, bits));
    store_bits(out, bit_off, bits, *raw);
    return ok();
  }

  Status enum_value(const BtfType& t, const JsonValue& v, std::span<uint8_t> out) {
    if (v.kind == JsonValue::Kind::String) {
      for (const auto& e : t.enumerators) {
        if (e.name != v.text) continue;
        store_bits(out, 0, t.size * 8, static_cast<uint64_t>(e.value));
        return ok();
      }
      return bad(fmt::format("'{}' is no enumerator of {}", v.text, t.name));
    }
    bool neg = false;
    auto raw = integer(v, &neg);
    if (!raw) return std::unexpected(raw.error());
    store_bits(out, 0, t.size * 8, *raw);
    return ok();
  }

  Status float_value(const BtfType& t, const JsonValue& v, std::span<uint8_t> out) {
    if (v.kind != JsonValue::Kind::Number) return bad("expected a number");
    const double d = std::strtod(v.text.c_str(), nullptr);
    if (t.size == 4 && out.size() >= 4) {
      const float f = static_cast<float>(d);
      std::memcpy(out.data(), &f, 4);
    } else if (t.size == 8 && out.size() >= 8) {
      std::memcpy(out.data(), &d, 8);
    } else {
      return bad(fmt::format("a {}-byte float", t.size));
    }
    return ok();
  }

  Status array(const BtfType& t, const JsonValue& v, std::span<uint8_t> out, int depth) {
    auto esz = btf_.size_of(t.elem_type);
    if (!esz || *esz == 0 || uint64_t{*esz} * t.nelems > out.size()) return bad("array does not fit its type");
    if (v.kind == JsonValue::Kind::String) {  // a char array
      if (v.text.size() > t.nelems) return bad(fmt::format("string of {} bytes for char[{}]", v.text.size(), t.nelems));
      std::memcpy(out.data(), v.text.data(), v.text.size());
      return ok();
    }
    if (v.kind != JsonValue::Kind::Array || v.items.size() > t.nelems)
      return bad(fmt::format("expected a list of at most {} elements", t.nelems));
    for (size_t i = 0; i < v.items.size(); ++i)
      if (auto s = value(t.elem_type, v.items[i], out.subspan(i * *esz, *esz), depth + 1); !s) return s;
    return ok();
  }

  Status record(const BtfType& t, const JsonValue& v, std::span<uint8_t> out, int depth) {
    if (v.kind != JsonValue::Kind::Object) return bad(fmt::format("expected an object for {}", t.name));
    for (const auto& [name, item] : v.members) {
      const BtfMember* m = nullptr;
      for (const BtfMember& c : t.members)
        if (c.name == name || (c.name.empty() && name == "(anon)")) m = &c;
      if (!m) return bad(fmt::format("{} has no member '{}'", t.name.empty() ? "(anon)" : t.name, name));
      if (m->bitfield_size) {
        const BtfType* mt = btf_.type(btf_.resolve(m->type));
        if (!mt) return bad("bitfield without a type");
        if (auto s = int_value(*mt, item, out, m->bit_offset, m->bitfield_size); !s) return s;
        continue;
      }
      auto msz = btf_.size_of(m->type);
      const size_t off = m->bit_offset / 8;
      if (!msz || off + *msz > out.size()) return bad(fmt::format("member '{}' does not fit", name));
      if (auto s = value(m->type, item, out.subspan(off, *msz), depth + 1); !s)
        return bad(fmt::format("member '{}': {}", name, s.error().message));
    }
    return ok();
  }

  Status datasec(const BtfType& t, const JsonValue& v, std::span<uint8_t> out, int depth) {
    if (v.kind != JsonValue::Kind::Object) return bad(fmt::format("expected an object for {}", t.name));
    for (const auto& [name, item] : v.members) {
      const BtfVarSecInfo* found = nullptr;
      for (const BtfVarSecInfo& s : t.secinfo)
        if (const BtfType* var = btf_.type(s.type); var && var->name == name) found = &s;
      if (!found || uint64_t{found->offset} + found->size > out.size()) return bad(fmt::format("no variable '{}'", name));
      if (auto s = value(found->type, item, out.subspan(found->offset, found->size), depth + 1); !s) return s;
    }
    return ok();
  }

  const Btf& btf_;
};

}  // namespace

Status encode_hex(std::string_view text, std::span<uint8_t> out) {
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    uint8_t b = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + std::min(i + 2, text.size()), b, 16);
    if (ec != std::errc() || p != text.data() + std::min(i + 2, text.size()) || n >= out.size())
      return bad(fmt::format("\"{}\" is not {} hex bytes", text, out.size()));
    out[n++] = b;
    i += 2;
  }
  if (n != out.size()) return bad(fmt::format("{} hex bytes where {} are needed", n, out.size()));
  return ok();
}

Status encode_btf_value(const Btf& btf, uint32_t id, const JsonValue& v, std::span<uint8_t> out) {
  std::fill(out.begin(), out.end(), uint8_t{0});
  return Encoder(btf).value(id, v, out, 0);
}

}  // namespace decade::api
