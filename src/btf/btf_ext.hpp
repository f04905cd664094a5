// SPDX-License-Identifier: Apache-2.0
// .BTF.ext: per-section function info, line info and CO-RE relocation
// records. Instruction offsets stay in bytes from the start of their ELF
// section; strings are resolved through the object's .BTF.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "btf/btf.hpp"
#include "decade/error.hpp"

namespace decade {

// uapi enum bpf_core_relo_kind.
enum class CoreReloKind : uint32_t {
  FieldByteOffset = 0, FieldByteSize = 1, FieldExists = 2, FieldSigned = 3, FieldLshiftU64 = 4,
  FieldRshiftU64 = 5, TypeIdLocal = 6, TypeIdTarget = 7, TypeExists = 8, TypeSize = 9,
  EnumvalExists = 10, EnumvalValue = 11, TypeMatches = 12,
};

struct BtfExtFuncInfo {
  uint32_t insn_off = 0;  // bytes
  uint32_t type_id = 0;   // a Func
};

struct BtfExtLineInfo {
  uint32_t insn_off = 0;  // bytes
  std::string file;
  std::string text;
  uint32_t line = 0;
  uint32_t column = 0;
};

struct BtfExtCoreRelo {
  uint32_t insn_off = 0;  // bytes
  uint32_t type_id = 0;   // local root type
  std::string access;     // "0:1:2"
  uint32_t kind = 0;      // a CoreReloKind, unchecked here
};

struct BtfExtSection {
  std::string name;  // ELF section name
  std::vector<BtfExtFuncInfo> funcs;
  std::vector<BtfExtLineInfo> lines;
  std::vector<BtfExtCoreRelo> relos;
};

struct BtfExt {
  std::vector<BtfExtSection> sections;
  const BtfExtSection* section(std::string_view name) const {
    for (const auto& s : sections)
      if (s.name == name) return &s;
    return nullptr;
  }
};

// Malformed input gives BtfExtMalformed naming the byte offset.
Result<BtfExt> parse_btf_ext(std::span<const uint8_t> bytes, const Btf& btf);

}  // namespace decade
