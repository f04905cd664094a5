// SPDX-License-Identifier: Apache-2.0
#include "btf/btf_ext.hpp"

#include <cstring>
#include <fmt/format.h>

namespace decade {

namespace {

constexpr uint32_t kMaxRecords = 1u << 24;

std::unexpected<Error> bad(size_t off, std::string msg) {
  return make_error(ErrorCode::BtfExtMalformed, fmt::format("BTF.ext at byte {}: {}", off, msg));
}

uint32_t rd32(std::span<const uint8_t> d, size_t off) {
  uint32_t v;
  std::memcpy(&v, d.data() + off, 4);
  return v;
}

enum class Block { Func, Line, Core };

BtfExtSection& section_for(BtfExt& ext, std::string_view name) {
  for (auto& s : ext.sections)
    if (s.name == name) return s;
  ext.sections.push_back(BtfExtSection{std::string(name), {}, {}, {}});
  return ext.sections.back();
}

Result<std::string> str(const Btf& btf, uint32_t off, size_t at) {
  auto s = btf.string_at(off);
  if (!s) return bad(at, fmt::format("string offset {} outside the BTF string section", off));
  return std::string(*s);
}

Status record(BtfExtSection& sec, Block kind, std::span<const uint8_t> d, size_t at, const Btf& btf) {
  const uint32_t insn_off = rd32(d, at);
  if (insn_off % 8 != 0) return bad(at, fmt::format("instruction offset {} is not a multiple of 8", insn_off));
  switch (kind) {
    case Block::Func: {
      const uint32_t id = rd32(d, at + 4);
      const BtfType* t = btf.type(id);
      if (!t || t->kind != BtfKind::Func) return bad(at, fmt::format("func info type {} is not a FUNC", id));
      sec.funcs.push_back({insn_off, id});
      return ok();
    }
    case Block::Line: {
      auto file = str(btf, rd32(d, at + 4), at);
      if (!file) return std::unexpected(file.error());
      auto text = str(btf, rd32(d, at + 8), at);
      if (!text) return std::unexpected(text.error());
      const uint32_t lc = rd32(d, at + 12);
      sec.lines.push_back({insn_off, std::move(*file), std::move(*text), lc >> 10, lc & 0x3ff});
      return ok();
    }
    case Block::Core: {
      const uint32_t id = rd32(d, at + 4);
      if (id == 0 || id >= btf.count()) return bad(at, fmt::format("CO-RE relocation type {} does not exist", id));
      auto access = str(btf, rd32(d, at + 8), at);
      if (!access) return std::unexpected(access.error());
      sec.relos.push_back({insn_off, id, std::move(*access), rd32(d, at + 12)});
      return ok();
    }
  }
  return ok();
}

// One info block: rec_size, then {sec_name_off, num_info, records...}*.
Status block(BtfExt& ext, Block kind, std::span<const uint8_t> d, size_t begin, size_t len, const Btf& btf) {
  if (len == 0) return ok();
  const size_t end = begin + len;
  if (len < 4) return bad(begin, "info block shorter than its record size field");
  const uint32_t rec = rd32(d, begin);
  const uint32_t min = kind == Block::Func ? 8 : 16;
  if (rec < min || rec % 4 != 0 || rec > 1024) return bad(begin, fmt::format("bad record size {}", rec));
  size_t at = begin + 4;
  while (at < end) {
    if (end - at < 8) return bad(at, "section header truncated");
    auto name = str(btf, rd32(d, at), at);
    if (!name) return std::unexpected(name.error());
    const uint32_t n = rd32(d, at + 4);
    at += 8;
    if (n == 0 || n > kMaxRecords) return bad(at - 8, fmt::format("section '{}' has {} records", *name, n));
    if (uint64_t{n} * rec > end - at) return bad(at, fmt::format("section '{}': {} records of {} bytes truncated", *name, n, rec));
    BtfExtSection& sec = section_for(ext, *name);
    for (uint32_t i = 0; i < n; ++i, at += rec)
      if (auto s = record(sec, kind, d, at, btf); !s) return s;
  }
  return ok();
}

}  // namespace

Result<BtfExt> parse_btf_ext(std::span<const uint8_t> d, const Btf& btf) {
  if (d.size() < 24) return bad(0, "header truncated");
  uint16_t magic;
  std::memcpy(&magic, d.data(), 2);
  if (magic != 0xeB9F) return bad(0, fmt::format("bad magic 0x{:04x}", magic));
  if (d[2] != 1) return bad(2, fmt::format("unsupported version {}", d[2]));
  const uint32_t hdr = rd32(d, 4);
  if (hdr < 24 || hdr > d.size() || hdr % 4 != 0) return bad(4, fmt::format("header length {} out of range", hdr));
  const size_t body = d.size() - hdr;
  BtfExt ext;
  struct Part {
    Block kind;
    size_t field;
  };
  const Part parts[] = {{Block::Func, 8}, {Block::Line, 16}, {Block::Core, 24}};
  for (const Part& p : parts) {
    if (p.field + 8 > hdr) break;  // older headers stop before the CO-RE fields
    const uint32_t off = rd32(d, p.field), len = rd32(d, p.field + 4);
    if (uint64_t{off} + len > body) return bad(p.field, fmt::format("block {}+{} past the end ({} bytes)", off, len, body));
    if (off % 4 != 0) return bad(p.field, fmt::format("block offset {} is not 4-byte aligned", off));
    if (auto s = block(ext, p.kind, d, hdr + off, len, btf); !s) return std::unexpected(s.error());
  }
  return ext;
}

}  // namespace decade
