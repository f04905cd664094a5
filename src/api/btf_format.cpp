// SPDX-License-Identifier: Apache-2.0
#include "api/btf_format.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace decade::api {

namespace {

constexpr int kMaxDepth = 32;

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Little-endian load of up to 8 bytes.
uint64_t load_le(std::span<const uint8_t> b, size_t size) {
  uint64_t v = 0;
  std::memcpy(&v, b.data(), std::min<size_t>({size, size_t{8}, b.size()}));
  return v;
}

// Bits [bit_off, bit_off + nbits) of b, little-endian bit numbering.
uint64_t load_bits(std::span<const uint8_t> b, uint32_t bit_off, uint32_t nbits) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < nbits && i < 64; ++i) {
    uint32_t bit = bit_off + i;
    if (bit / 8 >= b.size()) break;
    if ((b[bit / 8] >> (bit % 8)) & 1) v |= uint64_t{1} << i;
  }
  return v;
}

std::string format_int(const BtfType& t, uint64_t raw, uint32_t nbits) {
  if (t.int_encoding & 4) return raw ? "true" : "false";
  if ((t.int_encoding & 1) && nbits > 0 && nbits < 64 && (raw >> (nbits - 1)) & 1) raw |= ~uint64_t{0} << nbits;
  if (t.int_encoding & 1) return fmt::format("{}", static_cast<int64_t>(raw));
  return fmt::format("{}", raw);
}

std::string format_enum(const BtfType& t, uint64_t raw) {
  int64_t v = static_cast<int64_t>(raw);
  if (t.size < 8) {
    const unsigned bits = t.size * 8;
    raw &= (uint64_t{1} << bits) - 1;
    v = t.enum_signed && (raw >> (bits - 1)) ? static_cast<int64_t>(raw | (~uint64_t{0} << bits))
                                             : static_cast<int64_t>(raw);
  }
  for (const auto& e : t.enumerators) {
    if (e.value == v || static_cast<uint64_t>(e.value) == raw) return quote(e.name);
  }
  return fmt::format("{}", v);
}

class Formatter {
 public:
  explicit Formatter(const Btf& btf) : btf_(btf) {}

  std::string value(uint32_t id, std::span<const uint8_t> b, int depth) {
    if (depth > kMaxDepth) return format_hex(b);
    const uint32_t rid = btf_.resolve(id);
    const BtfType* t = btf_.type(rid);
    if (!t) return format_hex(b);
    switch (t->kind) {
      case BtfKind::Int: return format_int(*t, load_bits(b, t->int_offset, t->int_bits), t->int_bits);
      case BtfKind::Ptr: return fmt::format("\"0x{:x}\"", load_le(b, 8));
      case BtfKind::Enum:
      case BtfKind::Enum64: return format_enum(*t, load_le(b, t->size));
      case BtfKind::Float: return float_value(*t, b);
      case BtfKind::Array: return array(*t, b, depth);
      case BtfKind::Struct:
      case BtfKind::Union: return record(*t, b, depth);
      case BtfKind::DataSec: return datasec(*t, b, depth);
      case BtfKind::Var: return value(t->type, b, depth + 1);
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
    return format_hex(b);
  }

 private:
  std::string float_value(const BtfType& t, std::span<const uint8_t> b) {
    if (t.size == 4 && b.size() >= 4) {
      float f;
      std::memcpy(&f, b.data(), 4);
      return fmt::format("{}", f);
    }
    if (t.size == 8 && b.size() >= 8) {
      double d;
      std::memcpy(&d, b.data(), 8);
      return fmt::format("{}", d);
    }
    return format_hex(b);
  }

  std::string array(const BtfType& t, std::span<const uint8_t> b, int depth) {
    auto esz = btf_.size_of(t.elem_type);
    if (!esz || *esz == 0 || uint64_t{*esz} * t.nelems > b.size()) return format_hex(b);
    const BtfType* et = btf_.type(btf_.resolve(t.elem_type));
    // clang marks `char` SIGNED, not CHAR: the name says it (bpftool does the same).
    if (et && et->kind == BtfKind::Int && et->size == 1 && ((et->int_encoding & 2) || et->name == "char")) {
      std::string s(reinterpret_cast<const char*>(b.data()), t.nelems);
      s.resize(std::strlen(s.c_str()));
      return quote(s);
    }
    std::string out = "[";
    for (uint32_t i = 0; i < t.nelems; ++i) {
      if (i) out += ", ";
      out += value(t.elem_type, b.subspan(size_t{i} * *esz, *esz), depth + 1);
    }
    return out + "]";
  }

  std::string record(const BtfType& t, std::span<const uint8_t> b, int depth) {
    std::string out = "{";
    bool first = true;
    for (const BtfMember& m : t.members) {
      if (!first) out += ", ";
      first = false;
      out += quote(m.name.empty() ? "(anon)" : m.name) + ": ";
      if (m.bitfield_size) {
        const BtfType* mt = btf_.type(btf_.resolve(m.type));
        uint64_t raw = load_bits(b, m.bit_offset, m.bitfield_size);
        out += mt && mt->kind == BtfKind::Int ? format_int(*mt, raw, m.bitfield_size) : fmt::format("{}", raw);
        continue;
      }
      auto msz = btf_.size_of(m.type);
      const size_t off = m.bit_offset / 8;
      if (!msz || off + *msz > b.size()) {
        out += "null";
        continue;
      }
      out += value(m.type, b.subspan(off, *msz), depth + 1);
    }
    return out + "}";
  }

  std::string datasec(const BtfType& t, std::span<const uint8_t> b, int depth) {
    std::string out = "{";
    bool first = true;
    for (const BtfVarSecInfo& v : t.secinfo) {
      const BtfType* var = btf_.type(v.type);
      if (!var || uint64_t{v.offset} + v.size > b.size()) continue;
      if (!first) out += ", ";
      first = false;
      out += quote(var->name) + ": " + value(v.type, b.subspan(v.offset, v.size), depth + 1);
    }
    return out + "}";
  }

  const Btf& btf_;
};

std::string_view kind_name(BtfKind k) {
  switch (k) {
    case BtfKind::Unknown: return "UNKN";
    case BtfKind::Int: return "INT";
    case BtfKind::Ptr: return "PTR";
    case BtfKind::Array: return "ARRAY";
    case BtfKind::Struct: return "STRUCT";
    case BtfKind::Union: return "UNION";
    case BtfKind::Enum: return "ENUM";
    case BtfKind::Fwd: return "FWD";
    case BtfKind::Typedef: return "TYPEDEF";
    case BtfKind::Volatile: return "VOLATILE";
    case BtfKind::Const: return "CONST";
    case BtfKind::Restrict: return "RESTRICT";
    case BtfKind::Func: return "FUNC";
    case BtfKind::FuncProto: return "FUNC_PROTO";
    case BtfKind::Var: return "VAR";
    case BtfKind::DataSec: return "DATASEC";
    case BtfKind::Float: return "FLOAT";
    case BtfKind::DeclTag: return "DECL_TAG";
    case BtfKind::TypeTag: return "TYPE_TAG";
    case BtfKind::Enum64: return "ENUM64";
  }
  return "UNKN";
}

std::string name_of(const BtfType& t) { return t.name.empty() ? "'(anon)'" : "'" + t.name + "'"; }

std::string int_encoding(uint8_t e) {
  if (e & 4) return "BOOL";
  if (e & 2) return "CHAR";
  if (e & 1) return "SIGNED";
  return "(none)";
}

std::string linkage(uint32_t l, bool var) {
  if (l == 0) return "static";
  if (l == 1) return var ? "global-alloc" : "global";
  return "extern";
}

// The header line of one type, and its member lines below it.
std::string dump_type(const BtfType& t) {
  std::string out = fmt::format("[{}] {} {}", t.id, kind_name(t.kind), name_of(t));
  switch (t.kind) {
    case BtfKind::Int:
      out += fmt::format(" size={} bits_offset={} nr_bits={} encoding={}", t.size, t.int_offset, t.int_bits,
                         int_encoding(t.int_encoding));
      break;
    case BtfKind::Array:
      out += fmt::format(" type_id={} index_type_id={} nr_elems={}", t.elem_type, t.index_type, t.nelems);
      break;
    case BtfKind::Struct:
    case BtfKind::Union:
      out += fmt::format(" size={} vlen={}", t.size, t.members.size());
      for (const auto& m : t.members) {
        out += fmt::format("\n\t'{}' type_id={} bits_offset={}", m.name.empty() ? "(anon)" : m.name, m.type,
                           m.bit_offset);
        if (m.bitfield_size) out += fmt::format(" bitfield_size={}", m.bitfield_size);
      }
      break;
    case BtfKind::Enum:
    case BtfKind::Enum64:
      out += fmt::format(" encoding={} size={} vlen={}", t.enum_signed ? "SIGNED" : "UNSIGNED", t.size,
                         t.enumerators.size());
      for (const auto& e : t.enumerators) out += fmt::format("\n\t'{}' val={}", e.name, e.value);
      break;
    case BtfKind::Fwd: out += fmt::format(" fwd_kind={}", t.kind_flag ? "union" : "struct"); break;
    case BtfKind::Func: out += fmt::format(" type_id={} linkage={}", t.type, linkage(t.linkage, false)); break;
    case BtfKind::FuncProto:
      out += fmt::format(" ret_type_id={} vlen={}", t.type, t.params.size());
      for (const auto& p : t.params) out += fmt::format("\n\t'{}' type_id={}", p.name.empty() ? "(anon)" : p.name, p.type);
      break;
    case BtfKind::Var: out += fmt::format(" type_id={}, linkage={}", t.type, linkage(t.linkage, true)); break;
    case BtfKind::DataSec:
      out += fmt::format(" size={} vlen={}", t.size, t.secinfo.size());
      for (const auto& v : t.secinfo) out += fmt::format("\n\ttype_id={} offset={} size={}", v.type, v.offset, v.size);
      break;
    case BtfKind::Float: out += fmt::format(" size={}", t.size); break;
    case BtfKind::DeclTag: out += fmt::format(" type_id={} component_idx={}", t.type, t.component_idx); break;
    case BtfKind::Ptr:
    case BtfKind::Typedef:
    case BtfKind::Volatile:
    case BtfKind::Const:
    case BtfKind::Restrict:
    case BtfKind::TypeTag: out += fmt::format(" type_id={}", t.type); break;
    case BtfKind::Unknown: break;
  }
  return out;
}

}  // namespace

std::string format_hex(std::span<const uint8_t> bytes) {
  std::string out = "\"";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) out += ' ';
    out += fmt::format("{:02x}", bytes[i]);
  }
  return out + "\"";
}

std::string format_btf_value(const Btf& btf, uint32_t id, std::span<const uint8_t> bytes) {
  return Formatter(btf).value(id, bytes, 0);
}

std::string dump_btf(const Btf& btf) {
  std::string out;
  for (uint32_t id = 1; id < btf.count(); ++id) {
    if (const BtfType* t = btf.type(id)) out += dump_type(*t) + "\n";
  }
  return out;
}

}  // namespace decade::api
