// SPDX-License-Identifier: Apache-2.0
// BPF Type Format: the types of an object (or of a host, for CO-RE). Parsed
// once from raw .BTF bytes, checked (ids in range, no cycles through
// non-pointer types, strings inside the string section), then read-only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decade/error.hpp"

namespace decade {

// uapi BTF_KIND_*.
enum class BtfKind : uint8_t {
  Unknown = 0, Int = 1, Ptr = 2, Array = 3, Struct = 4, Union = 5, Enum = 6, Fwd = 7, Typedef = 8,
  Volatile = 9, Const = 10, Restrict = 11, Func = 12, FuncProto = 13, Var = 14, DataSec = 15,
  Float = 16, DeclTag = 17, TypeTag = 18, Enum64 = 19,
};

struct BtfMember {
  std::string name;
  uint32_t type = 0;
  uint32_t bit_offset = 0;     // from the start of the struct
  uint32_t bitfield_size = 0;  // 0 when not a bitfield
};

struct BtfParam {
  std::string name;
  uint32_t type = 0;
};

struct BtfEnumValue {
  std::string name;
  int64_t value = 0;
};

struct BtfVarSecInfo {
  uint32_t type = 0;  // a Var (or Func for .ksyms)
  uint32_t offset = 0;
  uint32_t size = 0;
};

struct BtfType {
  uint32_t id = 0;
  BtfKind kind = BtfKind::Unknown;
  std::string name;
  uint32_t size = 0;   // Int, Struct, Union, Enum, Enum64, DataSec, Float
  uint32_t type = 0;   // Ptr, Typedef, Volatile, Const, Restrict, Func, FuncProto (return), Var, DeclTag, TypeTag
  // Int
  uint8_t int_encoding = 0;  // bit 0 signed, bit 1 char, bit 2 bool
  uint8_t int_bits = 0;
  uint8_t int_offset = 0;
  // Array
  uint32_t elem_type = 0, index_type = 0, nelems = 0;
  // Struct / Union
  std::vector<BtfMember> members;
  // Enum / Enum64
  std::vector<BtfEnumValue> enumerators;
  bool enum_signed = false;
  // FuncProto
  std::vector<BtfParam> params;
  // Func: linkage (0 static, 1 global, 2 extern); Var: linkage (0 static, 1 global, 2 extern)
  uint32_t linkage = 0;
  bool kind_flag = false;
  // DataSec
  std::vector<BtfVarSecInfo> secinfo;
  // DeclTag: component index (-1 for the whole type)
  int32_t component_idx = -1;
};

class Btf {
 public:
  // Parses raw .BTF section bytes. Malformed input: BtfMalformed, BtfBadTypeId,
  // BtfCycle, BtfTooLarge, BtfBadString, with the offending type id or byte offset in the message.
  static Result<std::shared_ptr<Btf>> parse(std::span<const uint8_t> bytes);

  // Type 0 is void. Types are 1..count()-1.
  uint32_t count() const { return static_cast<uint32_t>(types_.size()); }
  const BtfType* type(uint32_t id) const { return id < types_.size() ? &types_[id] : nullptr; }
  // Skips Typedef / Volatile / Const / Restrict / TypeTag (returns 0 for void).
  uint32_t resolve(uint32_t id) const;
  // Size in bytes of a sized type after resolve(); nullopt for void, functions, fwd.
  std::optional<uint32_t> size_of(uint32_t id) const;
  // First type with this name and kind; 0 when none.
  uint32_t find(std::string_view name, BtfKind kind) const;
  // C-like spelling of a type ("struct foo *", "unsigned int").
  std::string type_name(uint32_t id) const;
  const std::vector<uint8_t>& raw() const { return raw_; }
  // The NUL-terminated string at this offset of the string section (BTF.ext
  // records name strings this way); nullopt when the offset is outside it.
  std::optional<std::string_view> string_at(uint32_t offset) const;
  // Sets a DATASEC's size and its variables' offsets (clang may emit 0 for
  // both; the ELF section and symbols know them), checking the variables fit.
  // For the loader, before the Btf is shared.
  Status fixup_datasec(uint32_t id, uint32_t size, const std::map<std::string, uint64_t, std::less<>>& var_offsets);
  // Makes FUNC `id` static (linkage 0): libbpf's rule for global functions
  // of hidden or internal visibility, which the verifier then checks in
  // their callers' context. For the loader, before the Btf is shared.
  Status mark_static(uint32_t id);
  // Every type with this name (any kind), in id order.
  std::vector<uint32_t> find_all(std::string_view name) const;

  // Limits enforced by parse (BtfTooLarge past them), as in the kernel.
  static constexpr size_t kMaxBytes = 64u << 20;
  static constexpr uint32_t kMaxTypes = 1u << 20;

 private:
  std::vector<BtfType> types_;
  std::vector<uint8_t> raw_;
  uint32_t str_begin_ = 0, str_len_ = 0;  // string section inside raw_
  friend class BtfParser;
};

}  // namespace decade
