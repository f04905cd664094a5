// SPDX-License-Identifier: Apache-2.0
#include "probe/symbols.hpp"

#include <fmt/format.h>

#include "probe/mapped_elf.hpp"

namespace decade::probe {

Result<FunctionRange> find_function(const std::string& file, const std::string& symbol) {
  const auto maps = read_maps();
  const Mapping* found = find_mapping(maps, file);
  if (!found)
    return make_error(ErrorCode::ProbeSymbolNotFound,
                      fmt::format("no executable mapping of '{}'", file.empty() ? main_executable() : file));
  ElfFile elf(found->path);
  if (!elf.ok()) return make_error(ErrorCode::ProbeSymbolNotFound, fmt::format("cannot read ELF file '{}'", found->path));
  FunctionRange r;
  auto sym = elf.find_symbol([&](const GElf_Sym&, const char* s) { return symbol == s; }, &r.name);
  if (!sym) return make_error(ErrorCode::ProbeSymbolNotFound, fmt::format("no function '{}' in '{}'", symbol, found->path));
  const auto off = elf.offset_of(sym->st_value);
  const auto addr = off ? address_of(maps, found->path, *off) : std::nullopt;
  if (!addr)
    return make_error(ErrorCode::ProbeSymbolNotFound,
                      fmt::format("function '{}' of '{}' is not in an executable mapping", symbol, found->path));
  r.start = *addr;
  r.size = sym->st_size;
  r.file = found->path;
  r.file_offset = *off;
  return r;
}

Result<FunctionRange> function_at(uint64_t addr) {
  const auto maps = read_maps();
  for (const Mapping& m : maps) {
    if (!m.exec || addr < m.start || addr >= m.end) continue;
    const uint64_t off = addr - m.start + m.offset;
    ElfFile elf(m.path);
    const auto v = elf.ok() ? elf.vaddr_of(off) : std::nullopt;
    FunctionRange r;
    auto sym = v ? elf.find_symbol([&](const GElf_Sym& s, const char*) {
                     return s.st_value <= *v && *v < s.st_value + s.st_size;
                   }, &r.name)
                 : std::nullopt;
    if (!sym)
      return make_error(ErrorCode::ProbeSymbolNotFound, fmt::format("no function symbol covers {:#x} ({})", addr, m.path));
    r.start = addr - (*v - sym->st_value);
    r.size = sym->st_size;
    r.file = m.path;
    r.file_offset = off - (*v - sym->st_value);
    return r;
  }
  return make_error(ErrorCode::ProbeBadAddress, fmt::format("{:#x} is not in an executable mapping", addr));
}

}  // namespace decade::probe
