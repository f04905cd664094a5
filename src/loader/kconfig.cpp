// SPDX-License-Identifier: Apache-2.0
// __kconfig externs: found in BTF, laid out in the .kconfig map, filled from
// the host's configuration text (see kconfig.hpp for the value rules).
#include "loader/kconfig.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <gelf.h>

namespace decade {

namespace {

constexpr uint32_t kMaxKconfigBytes = 1u << 20;

std::unexpected<Error> bad_value(const KconfigExtern& e, std::string msg) {
  return make_error(ErrorCode::ElfKconfigBadValue, fmt::format("kconfig extern '{}': {}", e.name, msg));
}

// libbpf's find_kcfg_type: bool, any other 1-byte integer is a char,
// integers of 2/4/8 bytes, enum libbpf_tristate, char arrays.
std::optional<KconfigType> classify(const Btf& btf, uint32_t id, uint32_t& size, bool& is_signed) {
  const BtfType* t = btf.type(btf.resolve(id));
  if (!t) return std::nullopt;
  if (t->kind == BtfKind::Int) {
    size = t->size;
    is_signed = t->int_encoding & 1;
    if (t->int_encoding & 4) return t->size == 1 ? std::optional(KconfigType::Bool) : std::nullopt;
    if (t->size == 1) return KconfigType::Char;
    if (t->size != 2 && t->size != 4 && t->size != 8) return std::nullopt;
    return KconfigType::Int;
  }
  if (t->kind == BtfKind::Enum || t->kind == BtfKind::Enum64) {
    size = t->size;
    if (t->name != "libbpf_tristate" || (t->size != 4 && t->size != 8)) return std::nullopt;
    return KconfigType::Tristate;
  }
  if (t->kind == BtfKind::Array) {
    uint32_t elem = 0;
    bool s = false;
    if (t->nelems == 0 || t->nelems > kMaxKconfigBytes) return std::nullopt;
    if (classify(btf, t->elem_type, elem, s) != KconfigType::Char) return std::nullopt;
    size = t->nelems;
    return KconfigType::CharArray;
  }
  return std::nullopt;
}

// libbpf's own externs (not read from the kconfig text unless it sets
// them): the kernel version, and what it probes the kernel for. Decade
// answers as the x86-64 6.12 kernel whose helpers it follows: bpf cookies
// exist, and system calls go through pt_regs wrappers (ARCH_HAS_SYSCALL_WRAPPER).
std::optional<uint64_t> builtin_value(std::string_view name) {
  if (name == "LINUX_KERNEL_VERSION") return kDefaultKernelVersion;
  if (name == "LINUX_HAS_BPF_COOKIE" || name == "LINUX_HAS_SYSCALL_WRAPPER") return 1;
  return std::nullopt;
}

uint32_t align_of(const KconfigExtern& e) { return e.type == KconfigType::CharArray ? 1 : e.size; }

bool in_range(const KconfigExtern& e, uint64_t v) {
  if (e.size == 8) return true;
  const unsigned bits = e.size * 8;
  if (!e.is_signed) return (v >> bits) == 0;
  const auto s = static_cast<int64_t>(v);
  return s >= -(int64_t{1} << (bits - 1)) && s < (int64_t{1} << (bits - 1));
}

Status set_num(const KconfigExtern& e, uint8_t* out, uint64_t v) {
  if (e.type == KconfigType::CharArray || e.type == KconfigType::Tristate)
    return bad_value(e, fmt::format("a number ({}) for a {} extern", v, e.type == KconfigType::Tristate ? "tristate" : "string"));
  if (e.type == KconfigType::Bool && v > 1) return bad_value(e, fmt::format("value {} is not boolean", v));
  if (!in_range(e, v)) return bad_value(e, fmt::format("value {} does not fit {} {}-byte integer", v, e.is_signed ? "a signed" : "an unsigned", e.size));
  std::memcpy(out, &v, e.size);  // little-endian: the low bytes
  return ok();
}

Status set_tristate(const KconfigExtern& e, uint8_t* out, char c) {
  switch (e.type) {
    case KconfigType::Bool:
      if (c == 'm') return bad_value(e, "value 'm' for a bool");
      *out = c == 'y';
      return ok();
    case KconfigType::Char:
      *out = static_cast<uint8_t>(c);
      return ok();
    case KconfigType::Tristate: {
      const uint64_t v = c == 'y' ? 1 : c == 'm' ? 2 : 0;  // enum libbpf_tristate: TRI_NO, TRI_YES, TRI_MODULE
      std::memcpy(out, &v, e.size);
      return ok();
    }
    case KconfigType::Int:
    case KconfigType::CharArray: break;
  }
  return bad_value(e, fmt::format("value '{}' for a type that is not bool, char or tristate", c));
}

Status set_string(const KconfigExtern& e, uint8_t* out, std::string_view v) {
  if (e.type != KconfigType::CharArray) return bad_value(e, "a string value for an extern that is not a char array");
  if (v.size() < 2 || v.back() != '"') return bad_value(e, "string value without its closing quote");
  v = v.substr(1, v.size() - 2);
  const size_t n = std::min<size_t>(v.size(), e.size - 1);  // truncated to fit with its NUL, as libbpf does
  std::memcpy(out, v.data(), n);
  out[n] = 0;
  return ok();
}

Status set_value(KconfigExtern& e, uint8_t* out, std::string_view v) {
  Status s = ok();
  if (v.front() == 'y' || v.front() == 'n' || v.front() == 'm') {
    s = set_tristate(e, out, v.front());
  } else if (v.front() == '"') {
    s = set_string(e, out, v);
  } else {
    const std::string text(v);
    errno = 0;
    char* end = nullptr;
    const uint64_t num = std::strtoull(text.c_str(), &end, 0);
    if (errno || end == text.c_str() || *end) return bad_value(e, fmt::format("'{}' is not a valid integer", text));
    s = set_num(e, out, num);
  }
  if (s) e.set = true;
  return s;
}

// One "NAME=value" line; lines for names the object does not use are
// ignored, and the first value of a name wins (libbpf's rules).
Status apply_line(std::string_view line, KconfigExterns& k, std::vector<uint8_t>& value) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty() || line.front() == '#') return ok();
  const size_t eq = line.find('=');
  if (eq == std::string_view::npos)
    return make_error(ErrorCode::ElfKconfigBadValue, fmt::format("kconfig line '{}': no '='", line));
  if (eq + 1 == line.size())
    return make_error(ErrorCode::ElfKconfigBadValue, fmt::format("kconfig line '{}': no value", line));
  const std::string_view name = line.substr(0, eq);
  for (KconfigExtern& e : k.externs)
    if (e.name == name && !e.set) return set_value(e, value.data() + e.offset, line.substr(eq + 1));
  return ok();
}

bool is_weak(const ElfImage& elf, std::string_view name) {
  for (const ElfSymbol& s : elf.symbols)
    if (s.name == name && s.shndx == SHN_UNDEF) return s.bind == STB_WEAK;
  return false;
}

Result<std::vector<KconfigExtern>> find_externs(const ElfImage& elf, const Btf& btf, uint32_t sec) {
  std::vector<KconfigExtern> out;
  for (const BtfVarSecInfo& vi : btf.type(sec)->secinfo) {
    const BtfType* var = btf.type(vi.type);
    if (!var || var->kind != BtfKind::Var)
      return make_error(ErrorCode::BtfMalformed, fmt::format("DATASEC {}: entry {} is not a variable", kKconfigSection, vi.type));
    KconfigExtern e;
    e.name = var->name;
    auto type = classify(btf, var->type, e.size, e.is_signed);
    if (!type)
      return make_error(ErrorCode::ElfKconfigBadValue, fmt::format("kconfig extern '{}': type '{}' is not supported (bool, char, "
                                                                   "integers, enum libbpf_tristate, char arrays)", e.name, btf.type_name(var->type)));
    e.type = *type;
    if (e.name == "LINUX_KERNEL_VERSION" && e.type != KconfigType::Int)
      return make_error(ErrorCode::ElfKconfigBadValue, "kconfig extern 'LINUX_KERNEL_VERSION' must be an integer of 2 to 8 bytes");
    e.weak = is_weak(elf, e.name);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Result<KconfigExterns> collect_kconfig(const ElfImage& elf, const Btf* btf, std::string_view config, CollectedMaps& maps) {
  KconfigExterns k;
  const uint32_t sec = btf ? btf->find(kKconfigSection, BtfKind::DataSec) : 0;
  if (sec == 0) return k;
  auto externs = find_externs(elf, *btf, sec);
  if (!externs) return std::unexpected(externs.error());
  if (externs->empty()) return k;
  k.externs = std::move(*externs);
  // libbpf's order: larger alignment first, then by name.
  std::sort(k.externs.begin(), k.externs.end(), [](const KconfigExtern& a, const KconfigExtern& b) {
    return align_of(a) != align_of(b) ? align_of(a) > align_of(b) : a.name < b.name;
  });
  uint64_t off = 0;
  for (KconfigExtern& e : k.externs) {
    off = (off + align_of(e) - 1) / align_of(e) * align_of(e);
    e.offset = static_cast<uint32_t>(off);
    off += e.size;
    if (off > kMaxKconfigBytes)
      return make_error(ErrorCode::ElfKconfigBadValue, fmt::format("kconfig externs exceed {} bytes", kMaxKconfigBytes));
  }
  std::vector<uint8_t> value((off + 7) / 8 * 8, 0);
  for (size_t at = 0; at <= config.size();) {
    size_t nl = config.find('\n', at);
    if (nl == std::string_view::npos) nl = config.size();
    if (auto s = apply_line(config.substr(at, nl - at), k, value); !s) return std::unexpected(s.error());
    at = nl + 1;
  }
  for (KconfigExtern& e : k.externs) {
    if (e.set) continue;
    if (const std::optional<uint64_t> builtin = builtin_value(e.name)) {
      if (auto s = set_num(e, value.data() + e.offset, *builtin); !s) return std::unexpected(s.error());
      e.set = true;
    } else if (!e.weak) {
      return make_error(ErrorCode::ElfKconfigMissing,
                        fmt::format("kconfig extern '{}' has no value (set it in the kconfig text, or declare it __weak)", e.name));
    }
  }
  k.map = static_cast<int32_t>(maps.defs.size());
  maps.defs.push_back(single_value_map(".kconfig", std::string(kKconfigSection), std::move(value), true, true));
  maps.places.push_back({UINT32_MAX, 0, 0, -1, false});  // no ELF section: reached by name only
  return k;
}

}  // namespace decade
