// SPDX-License-Identifier: Apache-2.0
// Raw .BTF bytes -> Btf. Reads the header, the string section and every type
// record (kinds 1..19), then validates: referenced ids in range, names inside
// the string section, no cycle through non-pointer types, sizes that fit.
#include <cstring>
#include <fmt/format.h>

#include "btf/btf.hpp"

namespace decade {

namespace {

constexpr uint16_t kBtfMagic = 0xeB9F;
constexpr uint32_t kHeaderMin = 24;

struct Reader {
  std::span<const uint8_t> data;
  size_t pos = 0;
  bool has(size_t n) const { return n <= data.size() && pos <= data.size() - n; }
  uint32_t u32() {
    uint32_t v;
    std::memcpy(&v, data.data() + pos, 4);
    pos += 4;
    return v;
  }
};

std::unexpected<Error> fail(ErrorCode c, std::string msg) { return make_error(c, std::move(msg)); }

// Extra bytes after the 12-byte common record, per member count.
constexpr size_t member_bytes(BtfKind k) {
  if (k == BtfKind::Struct || k == BtfKind::Union || k == BtfKind::Enum64 || k == BtfKind::DataSec) return 12;
  if (k == BtfKind::Enum || k == BtfKind::FuncProto) return 8;
  return 0;
}

constexpr size_t fixed_bytes(BtfKind k) {
  if (k == BtfKind::Int || k == BtfKind::Var || k == BtfKind::DeclTag) return 4;
  return k == BtfKind::Array ? 12 : 0;
}

}  // namespace

class BtfParser {
 public:
  explicit BtfParser(Btf& btf) : b_(btf) {}

  Status run(std::span<const uint8_t> bytes) {
    if (bytes.size() > Btf::kMaxBytes)
      return fail(ErrorCode::BtfTooLarge, fmt::format("BTF is {} bytes, limit {}", bytes.size(), Btf::kMaxBytes));
    b_.raw_.assign(bytes.begin(), bytes.end());
    if (auto s = header(); !s) return s;
    Reader r{std::span<const uint8_t>(b_.raw_).subspan(type_begin_, type_len_)};
    b_.types_.reserve(count_records(r) + 1);
    b_.types_.push_back(BtfType{});  // id 0: void
    while (r.pos < r.data.size()) {
      if (b_.types_.size() >= Btf::kMaxTypes)
        return fail(ErrorCode::BtfTooLarge, fmt::format("more than {} types", Btf::kMaxTypes));
      if (auto s = record(r); !s) return s;
    }
    return ok();
  }

 private:
  Status header() {
    const auto& raw = b_.raw_;
    if (raw.size() < kHeaderMin) return fail(ErrorCode::BtfMalformed, fmt::format("BTF header truncated ({} bytes)", raw.size()));
    uint16_t magic;
    std::memcpy(&magic, raw.data(), 2);
    if (magic == 0x9FeB) return fail(ErrorCode::BtfMalformed, "big-endian BTF is not supported");
    if (magic != kBtfMagic) return fail(ErrorCode::BtfMalformed, fmt::format("bad BTF magic 0x{:04x}", magic));
    if (raw[2] != 1) return fail(ErrorCode::BtfMalformed, fmt::format("unsupported BTF version {}", raw[2]));
    Reader r{raw, 4};
    const uint32_t hdr_len = r.u32(), type_off = r.u32(), type_len = r.u32(), str_off = r.u32(), str_len = r.u32();
    if (hdr_len < kHeaderMin || hdr_len > raw.size())
      return fail(ErrorCode::BtfMalformed, fmt::format("BTF header length {} out of range", hdr_len));
    for (size_t i = kHeaderMin; i < hdr_len; ++i)
      if (raw[i] != 0) return fail(ErrorCode::BtfMalformed, fmt::format("unknown non-zero BTF header byte at {}", i));
    const uint64_t body = raw.size() - hdr_len;
    if (uint64_t{type_off} + type_len > body || uint64_t{str_off} + str_len > body)
      return fail(ErrorCode::BtfMalformed,
                  fmt::format("BTF sections (types {}+{}, strings {}+{}) past the end ({} bytes)", type_off, type_len,
                              str_off, str_len, body));
    if (type_off % 4 != 0 || type_len % 4 != 0) return fail(ErrorCode::BtfMalformed, "BTF type section is not 4-byte aligned");
    if (uint64_t{type_off} + type_len > str_off && uint64_t{str_off} + str_len > type_off && type_len && str_len)
      return fail(ErrorCode::BtfMalformed, "BTF type and string sections overlap");
    if (str_len == 0 || raw[hdr_len + str_off] != 0 || raw[hdr_len + str_off + str_len - 1] != 0)
      return fail(ErrorCode::BtfBadString, "BTF string section must start and end with NUL");
    type_begin_ = hdr_len + type_off;
    type_len_ = type_len;
    b_.str_begin_ = hdr_len + str_off;
    b_.str_len_ = str_len;
    return ok();
  }

  // Number of records, skimming the common headers (stops at anything odd:
  // the real pass reports it).
  static size_t count_records(Reader r) {
    size_t n = 0;
    while (r.has(12) && n < Btf::kMaxTypes) {
      r.u32();
      const uint32_t info = r.u32();
      r.u32();
      const auto kind = static_cast<BtfKind>((info >> 24) & 0x1f);
      const size_t extra = fixed_bytes(kind) + member_bytes(kind) * (info & 0xffff);
      if (!r.has(extra)) break;
      r.pos += extra;
      ++n;
    }
    return n;
  }

  Result<std::string> name(uint32_t off, uint32_t id) {
    auto s = b_.string_at(off);
    if (!s) return fail(ErrorCode::BtfBadString, fmt::format("type {}: name offset {} outside the string section", id, off));
    return std::string(*s);
  }

  Status record(Reader& r) {
    const uint32_t id = static_cast<uint32_t>(b_.types_.size());
    const size_t at = type_begin_ + r.pos;
    if (!r.has(12)) return fail(ErrorCode::BtfMalformed, fmt::format("type {} at byte {}: record truncated", id, at));
    const uint32_t name_off = r.u32(), info = r.u32(), size_type = r.u32();
    BtfType t;
    t.id = id;
    const uint32_t kind = (info >> 24) & 0x1f;
    if (kind < 1 || kind > 19) return fail(ErrorCode::BtfMalformed, fmt::format("type {} at byte {}: unknown kind {}", id, at, kind));
    t.kind = static_cast<BtfKind>(kind);
    t.kind_flag = (info >> 31) != 0;
    const uint32_t vlen = info & 0xffff;
    auto nm = name(name_off, id);
    if (!nm) return std::unexpected(nm.error());
    t.name = std::move(*nm);
    t.size = size_type;
    t.type = size_type;
    const size_t need = fixed_bytes(t.kind) + member_bytes(t.kind) * vlen;
    if (!r.has(need)) return fail(ErrorCode::BtfMalformed, fmt::format("type {} at byte {}: {} extra bytes truncated", id, at, need));
    if (auto s = body(r, t, vlen); !s) return s;
    b_.types_.push_back(std::move(t));
    return ok();
  }

  Status body(Reader& r, BtfType& t, uint32_t vlen) {
    switch (t.kind) {
      case BtfKind::Int: {
        const uint32_t v = r.u32();
        t.int_encoding = static_cast<uint8_t>((v >> 24) & 0xf);
        t.int_offset = static_cast<uint8_t>((v >> 16) & 0xff);
        t.int_bits = static_cast<uint8_t>(v & 0xff);
        if (t.int_bits > 128 || t.int_offset + t.int_bits > 128 || t.size > 16 || t.size == 0)
          return fail(ErrorCode::BtfMalformed, fmt::format("type {}: bad int size {} bits {}", t.id, t.size, t.int_bits));
        t.type = 0;
        break;
      }
      case BtfKind::Array:
        t.elem_type = r.u32();
        t.index_type = r.u32();
        t.nelems = r.u32();
        t.size = t.type = 0;
        break;
      case BtfKind::Struct: case BtfKind::Union:
        t.type = 0;
        for (uint32_t i = 0; i < vlen; ++i) {
          BtfMember m;
          auto nm = name(r.u32(), t.id);
          if (!nm) return std::unexpected(nm.error());
          m.name = std::move(*nm);
          m.type = r.u32();
          const uint32_t off = r.u32();
          m.bit_offset = t.kind_flag ? off & 0xffffff : off;
          m.bitfield_size = t.kind_flag ? off >> 24 : 0;
          t.members.push_back(std::move(m));
        }
        break;
      case BtfKind::Enum: case BtfKind::Enum64:
        t.type = 0;
        t.enum_signed = t.kind_flag;
        for (uint32_t i = 0; i < vlen; ++i) {
          BtfEnumValue e;
          auto nm = name(r.u32(), t.id);
          if (!nm) return std::unexpected(nm.error());
          e.name = std::move(*nm);
          const uint32_t lo = r.u32();
          if (t.kind == BtfKind::Enum) {
            e.value = t.enum_signed ? int64_t{static_cast<int32_t>(lo)} : int64_t{lo};
          } else {
            const uint32_t hi = r.u32();
            e.value = static_cast<int64_t>((uint64_t{hi} << 32) | lo);
          }
          t.enumerators.push_back(std::move(e));
        }
        break;
      case BtfKind::FuncProto:
        for (uint32_t i = 0; i < vlen; ++i) {
          BtfParam p;
          auto nm = name(r.u32(), t.id);
          if (!nm) return std::unexpected(nm.error());
          p.name = std::move(*nm);
          p.type = r.u32();
          t.params.push_back(std::move(p));
        }
        t.size = 0;
        break;
      case BtfKind::Func:
        t.linkage = vlen;
        t.size = 0;
        break;
      case BtfKind::Var:
        t.linkage = r.u32();
        t.size = 0;
        break;
      case BtfKind::DataSec:
        t.type = 0;
        for (uint32_t i = 0; i < vlen; ++i) {
          BtfVarSecInfo v;
          v.type = r.u32();
          v.offset = r.u32();
          v.size = r.u32();
          t.secinfo.push_back(v);
        }
        break;
      case BtfKind::DeclTag:
        t.component_idx = static_cast<int32_t>(r.u32());
        t.size = 0;
        break;
      case BtfKind::Float:
        t.type = 0;
        if (t.size != 2 && t.size != 4 && t.size != 8 && t.size != 12 && t.size != 16)
          return fail(ErrorCode::BtfMalformed, fmt::format("type {}: bad float size {}", t.id, t.size));
        break;
      case BtfKind::Fwd:
        t.type = t.size = 0;
        break;
      case BtfKind::Ptr: case BtfKind::Typedef: case BtfKind::Volatile: case BtfKind::Const: case BtfKind::Restrict:
      case BtfKind::TypeTag:
        t.size = 0;
        break;
      case BtfKind::Unknown:
        return fail(ErrorCode::BtfMalformed, fmt::format("type {}: unknown kind", t.id));
    }
    return ok();
  }

  Btf& b_;
  uint32_t type_begin_ = 0, type_len_ = 0;
};

Status validate_btf(const Btf& btf);

Result<std::shared_ptr<Btf>> Btf::parse(std::span<const uint8_t> bytes) {
  auto btf = std::make_shared<Btf>();
  BtfParser p(*btf);
  if (auto s = p.run(bytes); !s) return std::unexpected(s.error());
  if (auto s = validate_btf(*btf); !s) return std::unexpected(s.error());
  return btf;
}

std::optional<std::string_view> Btf::string_at(uint32_t offset) const {
  if (offset >= str_len_) return std::nullopt;
  const char* base = reinterpret_cast<const char*>(raw_.data()) + str_begin_;
  // The section ends with NUL (checked by parse), so strnlen stops inside it.
  return std::string_view(base + offset, strnlen(base + offset, str_len_ - offset));
}

}  // namespace decade
