// SPDX-License-Identifier: Apache-2.0
#include "probe/usdt.hpp"

#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "probe/mapped_elf.hpp"

namespace decade::probe {
namespace {

// x86-64 struct pt_regs (the kernel's layout, X86PtRegs): byte offset of
// each general register, under all the names the assembler may print for
// it or its low parts. libbpf reads the whole register and narrows the
// value by the argument's size, so a sub-register shares its offset.
struct RegName {
  const char* names[4];
  int16_t off;
};
constexpr RegName kRegs[] = {
    {{"rip", nullptr, nullptr, nullptr}, 128}, {{"rax", "eax", "ax", "al"}, 80},
    {{"rbx", "ebx", "bx", "bl"}, 40},          {{"rcx", "ecx", "cx", "cl"}, 88},
    {{"rdx", "edx", "dx", "dl"}, 96},          {{"rsi", "esi", "si", "sil"}, 104},
    {{"rdi", "edi", "di", "dil"}, 112},        {{"rbp", "ebp", "bp", "bpl"}, 32},
    {{"rsp", "esp", "sp", "spl"}, 152},        {{"r8", "r8d", "r8w", "r8b"}, 72},
    {{"r9", "r9d", "r9w", "r9b"}, 64},         {{"r10", "r10d", "r10w", "r10b"}, 56},
    {{"r11", "r11d", "r11w", "r11b"}, 48},     {{"r12", "r12d", "r12w", "r12b"}, 24},
    {{"r13", "r13d", "r13w", "r13b"}, 16},     {{"r14", "r14d", "r14w", "r14b"}, 8},
    {{"r15", "r15d", "r15w", "r15b"}, 0},
};

std::optional<int16_t> reg_offset(std::string_view name) {
  for (const RegName& r : kRegs)
    for (const char* n : r.names)
      if (n && name == n) return r.off;
  return std::nullopt;
}

// A decimal or 0x-hex integer with an optional sign, the whole of `s`.
std::optional<int64_t> parse_int(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
    if (d >= base) return std::nullopt;
    v = v * uint64_t(base) + uint64_t(d);
  }
  return neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

Result<UsdtArg> parse_arg(std::string_view a) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::ProbeUsdtBadArgument, fmt::format("USDT argument '{}': {}", a, why));
  };
  const size_t at = a.find('@');
  if (at == std::string_view::npos) return bad("no SIZE@ prefix");
  UsdtArg r;
  std::string_view size = a.substr(0, at), loc = a.substr(at + 1);
  if (!size.empty() && size[0] == '-') {
    r.is_signed = true;
    size.remove_prefix(1);
  }
  const auto n = parse_int(size);
  if (!n || (*n != 1 && *n != 2 && *n != 4 && *n != 8)) return bad("the size is not 1, 2, 4 or 8 bytes");
  r.size = static_cast<uint8_t>(*n);
  if (loc.starts_with("$")) {
    const auto v = parse_int(loc.substr(1));
    if (!v) return bad("not an integer constant");
    r.kind = UsdtArg::Kind::Const;
    r.val_off = static_cast<uint64_t>(*v);
    return r;
  }
  if (loc.starts_with("%")) {
    const auto off = reg_offset(loc.substr(1));
    if (!off) return bad("unknown register");
    r.kind = UsdtArg::Kind::Reg;
    r.reg_off = *off;
    return r;
  }
  const size_t open = loc.find('(');
  if (open == std::string_view::npos || !loc.ends_with(")")) return bad("unknown location syntax");
  const std::string_view disp = loc.substr(0, open), inner = loc.substr(open + 1, loc.size() - open - 2);
  if (inner.find(',') != std::string_view::npos) return bad("index-register operands are not supported");
  if (!inner.starts_with("%")) return bad("unknown location syntax");
  const auto off = reg_offset(inner.substr(1));
  if (!off) return bad("unknown register");
  const auto d = disp.empty() ? std::optional<int64_t>(0) : parse_int(disp);
  if (!d) return bad("the displacement is not a number (a symbol needs the binary's relocation)");
  r.kind = UsdtArg::Kind::RegDeref;
  r.reg_off = *off;
  r.val_off = static_cast<uint64_t>(*d);
  return r;
}

// One .note.stapsdt entry, addresses as linked.
struct Note {
  uint64_t pc = 0, base = 0, semaphore = 0;
  std::string provider, name, args;
};

std::vector<Note> read_notes(const ElfFile& elf) {
  std::vector<Note> out;
  GElf_Shdr sh;
  Elf_Scn* scn = elf.section(".note.stapsdt", &sh);
  Elf_Data* data = scn ? elf_getdata(scn, nullptr) : nullptr;
  if (!data) return out;
  size_t off = 0, name_off = 0, desc_off = 0;
  GElf_Nhdr nh;
  while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) != 0) {
    const auto* bytes = static_cast<const char*>(data->d_buf);
    if (nh.n_type != 3 || nh.n_namesz != 8 || std::memcmp(bytes + name_off, "stapsdt", 8) != 0) continue;
    if (nh.n_descsz < 3 * 8 + 3) continue;
    Note n;
    std::memcpy(&n.pc, bytes + desc_off, 8);
    std::memcpy(&n.base, bytes + desc_off + 8, 8);
    std::memcpy(&n.semaphore, bytes + desc_off + 16, 8);
    // provider\0name\0args\0, each bounded by the descriptor.
    const char* p = bytes + desc_off + 24;
    const char* end = bytes + desc_off + nh.n_descsz;
    std::string* fields[] = {&n.provider, &n.name, &n.args};
    for (std::string* f : fields) {
      const char* z = static_cast<const char*>(std::memchr(p, 0, size_t(end - p)));
      if (!z) break;
      f->assign(p, z);
      p = z + 1;
    }
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace

Result<std::vector<UsdtArg>> parse_usdt_args(std::string_view text) {
  std::vector<UsdtArg> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const size_t j = std::min(text.find(' ', i), text.size());
    if (j > i) {
      auto a = parse_arg(text.substr(i, j - i));
      if (!a) return std::unexpected(a.error());
      out.push_back(*a);
    }
    i = j;
  }
  if (out.size() > 12)
    return make_error(ErrorCode::ProbeUsdtBadArgument, fmt::format("{} USDT arguments, at most 12", out.size()));
  return out;
}

Result<std::vector<UsdtSite>> find_usdt(const std::string& binary, const std::string& provider,
                                        const std::string& name) {
  const auto maps = read_maps();
  const Mapping* m = find_mapping(maps, binary);
  if (!m)
    return make_error(ErrorCode::ProbeSymbolNotFound,
                      fmt::format("no executable mapping of '{}'", binary.empty() ? main_executable() : binary));
  ElfFile elf(m->path);
  if (!elf.ok()) return make_error(ErrorCode::ProbeSymbolNotFound, fmt::format("cannot read ELF file '{}'", m->path));
  // A prelinked binary moved its code: .stapsdt.base is where the notes'
  // base addresses point now.
  GElf_Shdr base_sh;
  const bool has_base = elf.section(".stapsdt.base", &base_sh) != nullptr;
  std::vector<UsdtSite> out;
  for (const Note& n : read_notes(elf)) {
    if (n.provider != provider || n.name != name) continue;
    const uint64_t shift = has_base && n.base ? base_sh.sh_addr - n.base : 0;
    const auto off = elf.offset_of(n.pc + shift);
    const auto addr = off ? address_of(maps, m->path, *off) : std::nullopt;
    if (!addr)
      return make_error(ErrorCode::ProbeBadAddress,
                        fmt::format("USDT {}:{} at {:#x} of '{}' is not in an executable mapping", provider, name,
                                    n.pc, m->path));
    UsdtSite s;
    s.addr = *addr;
    if (n.semaphore) {
      const auto soff = elf.offset_of(n.semaphore + shift);
      const auto sa = soff ? address_of(maps, m->path, *soff, true) : std::nullopt;
      if (!sa)
        return make_error(ErrorCode::ProbeBadAddress,
                          fmt::format("the semaphore of USDT {}:{} in '{}' is not mapped", provider, name, m->path));
      s.semaphore = *sa;
    }
    auto args = parse_usdt_args(n.args);
    if (!args) return std::unexpected(args.error());
    s.args = std::move(*args);
    out.push_back(std::move(s));
  }
  if (out.empty())
    return make_error(ErrorCode::ProbeUsdtNotFound, fmt::format("no USDT probe {}:{} in '{}'", provider, name, m->path));
  return out;
}

}  // namespace decade::probe
