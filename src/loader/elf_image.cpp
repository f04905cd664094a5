// SPDX-License-Identifier: Apache-2.0
#include "loader/elf_image.hpp"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <memory>

namespace decade {

namespace {

constexpr size_t kMaxSections = 1u << 16;
constexpr size_t kMaxSymbols = 1u << 20;

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};

std::unexpected<Error> fail(ErrorCode c, std::string msg) { return make_error(c, std::move(msg)); }

template <typename T>
T rd(const std::vector<uint8_t>& d, size_t off) {
  T v;
  std::memcpy(&v, d.data() + off, sizeof(T));
  return v;
}

std::string cstr_at(const std::vector<uint8_t>& strtab, uint64_t off, bool& ok) {
  ok = off < strtab.size();
  if (!ok) return {};
  const char* p = reinterpret_cast<const char*>(strtab.data()) + off;
  const size_t n = strnlen(p, strtab.size() - off);
  ok = n < strtab.size() - off;  // must be NUL-terminated inside the table
  return std::string(p, n);
}

Status read_sections(Elf* elf, size_t file_size, ElfImage& img) {
  size_t count = 0, shstrndx = 0;
  if (elf_getshdrnum(elf, &count) != 0 || elf_getshdrstrndx(elf, &shstrndx) != 0)
    return fail(ErrorCode::ElfMalformed, fmt::format("cannot read section headers: {}", elf_errmsg(-1)));
  if (count > kMaxSections) return fail(ErrorCode::ElfMalformed, fmt::format("{} sections, limit {}", count, kMaxSections));
  img.sections.resize(count);
  for (size_t i = 1; i < count; ++i) {
    Elf_Scn* scn = elf_getscn(elf, i);
    GElf_Shdr sh;
    if (!scn || !gelf_getshdr(scn, &sh)) return fail(ErrorCode::ElfBadSection, fmt::format("section {}: bad header", i));
    ElfSection& s = img.sections[i];
    s.index = static_cast<uint32_t>(i);
    s.type = sh.sh_type;
    s.flags = sh.sh_flags;
    s.size = sh.sh_size;
    s.link = sh.sh_link;
    s.info = sh.sh_info;
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (!name) return fail(ErrorCode::ElfBadSection, fmt::format("section {}: name offset {} is invalid", i, sh.sh_name));
    s.name = name;
    if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL || sh.sh_size == 0) continue;
    if (sh.sh_offset > file_size || sh.sh_size > file_size - sh.sh_offset)
      return fail(ErrorCode::ElfBadSection, fmt::format("section '{}': {}+{} past the end of the file", s.name, sh.sh_offset, sh.sh_size));
    Elf_Data* d = elf_rawdata(scn, nullptr);
    if (!d || d->d_size != sh.sh_size || (d->d_size && !d->d_buf))
      return fail(ErrorCode::ElfBadSection, fmt::format("section '{}': cannot read data: {}", s.name, elf_errmsg(-1)));
    const auto* p = static_cast<const uint8_t*>(d->d_buf);
    s.data.assign(p, p + d->d_size);
  }
  return ok();
}

Status read_symbols(ElfImage& img) {
  const ElfSection* symtab = nullptr;
  for (const auto& s : img.sections)
    if (s.type == SHT_SYMTAB) {
      if (symtab) return fail(ErrorCode::ElfMalformed, "more than one symbol table");
      symtab = &s;
    }
  if (!symtab) return ok();
  if (symtab->link == 0 || symtab->link >= img.sections.size())
    return fail(ErrorCode::ElfBadSection, "symbol table has no string table");
  const auto& strtab = img.sections[symtab->link].data;
  if (symtab->data.size() % sizeof(Elf64_Sym) != 0) return fail(ErrorCode::ElfBadSection, "symbol table size is not a multiple of 24");
  const size_t n = symtab->data.size() / sizeof(Elf64_Sym);
  if (n > kMaxSymbols) return fail(ErrorCode::ElfBadSection, fmt::format("{} symbols, limit {}", n, kMaxSymbols));
  img.symbols.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto raw = rd<Elf64_Sym>(symtab->data, i * sizeof(Elf64_Sym));
    ElfSymbol& s = img.symbols[i];
    s.index = static_cast<uint32_t>(i);
    bool good = true;
    s.name = cstr_at(strtab, raw.st_name, good);
    if (!good) return fail(ErrorCode::ElfBadSymbol, fmt::format("symbol {}: name offset {} is invalid", i, raw.st_name));
    s.value = raw.st_value;
    s.size = raw.st_size;
    s.shndx = raw.st_shndx;
    s.bind = static_cast<uint8_t>(GELF_ST_BIND(raw.st_info));
    s.type = static_cast<uint8_t>(GELF_ST_TYPE(raw.st_info));
    s.visibility = static_cast<uint8_t>(GELF_ST_VISIBILITY(raw.st_other));
    if (s.shndx != SHN_UNDEF && s.shndx < SHN_LORESERVE && s.shndx >= img.sections.size())
      return fail(ErrorCode::ElfBadSymbol, fmt::format("symbol '{}': section index {} does not exist", s.name, s.shndx));
  }
  return ok();
}

Status read_relocs(ElfImage& img) {
  for (const auto& s : img.sections) {
    if (s.type == SHT_RELA) return fail(ErrorCode::ElfBadRelocation, fmt::format("section '{}': RELA relocations are not used by BPF", s.name));
    if (s.type != SHT_REL) continue;
    if (s.info == 0 || s.info >= img.sections.size())
      return fail(ErrorCode::ElfBadRelocation, fmt::format("section '{}': target section {} does not exist", s.name, s.info));
    if (s.data.size() % sizeof(Elf64_Rel) != 0)
      return fail(ErrorCode::ElfBadRelocation, fmt::format("section '{}': size is not a multiple of 16", s.name));
    ElfRelocSection rs{s.info, {}};
    const uint64_t target_size = img.sections[s.info].size;
    for (size_t off = 0; off < s.data.size(); off += sizeof(Elf64_Rel)) {
      const auto r = rd<Elf64_Rel>(s.data, off);
      ElfReloc rel{r.r_offset, static_cast<uint32_t>(GELF_R_SYM(r.r_info)), static_cast<uint32_t>(GELF_R_TYPE(r.r_info))};
      if (rel.sym >= img.symbols.size())
        return fail(ErrorCode::ElfBadRelocation, fmt::format("section '{}': relocation at {} uses symbol {} which does not exist", s.name, rel.offset, rel.sym));
      if (rel.offset >= target_size)
        return fail(ErrorCode::ElfBadRelocation, fmt::format("section '{}': relocation offset {} past the target's end", s.name, rel.offset));
      rs.relocs.push_back(rel);
    }
    img.relocs.push_back(std::move(rs));
  }
  return ok();
}

}  // namespace

namespace {

Result<ElfImage> read_image(std::span<const uint8_t> bytes, bool bpf_only) {
  if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0)
    return fail(ErrorCode::ElfNotBpf, "not an ELF file");
  if (bytes[EI_CLASS] != ELFCLASS64 || bytes[EI_DATA] != ELFDATA2LSB)
    return fail(ErrorCode::ElfNotBpf, "not a 64-bit little-endian ELF file");
  if (bytes.size() < sizeof(Elf64_Ehdr)) return fail(ErrorCode::ElfMalformed, "ELF header truncated");
  Elf64_Ehdr eh;
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (bpf_only && eh.e_type != ET_REL) return fail(ErrorCode::ElfNotBpf, fmt::format("ELF type {} is not a relocatable object", eh.e_type));
  if (bpf_only && eh.e_machine != EM_BPF) return fail(ErrorCode::ElfNotBpf, fmt::format("ELF machine {} is not BPF", eh.e_machine));
  if (eh.e_shoff != 0 &&
      (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > bytes.size() ||
       (bytes.size() - eh.e_shoff) / sizeof(Elf64_Shdr) < std::max<uint64_t>(eh.e_shnum, 1)))
    return fail(ErrorCode::ElfMalformed, fmt::format("section headers at {} ({} of {} bytes) past the end of the file",
                                                     eh.e_shoff, eh.e_shnum, eh.e_shentsize));
  if (elf_version(EV_CURRENT) == EV_NONE) return fail(ErrorCode::Internal, "libelf initialisation failed");
  // libelf wants a writable buffer; it never outlives this call.
  std::vector<char> copy(bytes.begin(), bytes.end());
  std::unique_ptr<Elf, ElfCloser> elf(elf_memory(copy.data(), copy.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF)
    return fail(ErrorCode::ElfMalformed, fmt::format("libelf cannot read the object: {}", elf_errmsg(-1)));
  ElfImage img;
  if (auto s = read_sections(elf.get(), bytes.size(), img); !s) return std::unexpected(s.error());
  if (auto s = read_symbols(img); !s) return std::unexpected(s.error());
  if (!bpf_only) return img;  // host objects: only sections and symbols are needed
  if (auto s = read_relocs(img); !s) return std::unexpected(s.error());
  return img;
}

}  // namespace

Result<ElfImage> read_elf(std::span<const uint8_t> bytes) { return read_image(bytes, true); }
Result<ElfImage> read_elf_any(std::span<const uint8_t> bytes) { return read_image(bytes, false); }

}  // namespace decade
