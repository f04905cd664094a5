// SPDX-License-Identifier: Apache-2.0
#include "cli/elf_sections.hpp"

#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <memory>

namespace decade::cli {
namespace {

constexpr uint16_t kEmBpf = 247;

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};

// Function symbols by section index.
std::vector<std::pair<size_t, std::pair<uint32_t, std::string>>> function_symbols(Elf* e) {
  std::vector<std::pair<size_t, std::pair<uint32_t, std::string>>> out;
  for (Elf_Scn* s = elf_nextscn(e, nullptr); s; s = elf_nextscn(e, s)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0) continue;
    Elf_Data* d = elf_getdata(s, nullptr);
    if (!d) continue;
    const size_t n = sh.sh_size / sh.sh_entsize;
    for (size_t k = 0; k < n; ++k) {
      GElf_Sym sym;
      if (!gelf_getsym(d, static_cast<int>(k), &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC) continue;
      const char* name = elf_strptr(e, sh.sh_link, sym.st_name);
      if (!name || sym.st_value % 8 != 0) continue;
      out.push_back({sym.st_shndx, {static_cast<uint32_t>(sym.st_value / 8), name}});
    }
  }
  return out;
}

}  // namespace

bool is_elf(std::span<const uint8_t> f) { return f.size() >= 4 && f[0] == 0x7f && f[1] == 'E' && f[2] == 'L' && f[3] == 'F'; }

Result<std::vector<CodeSection>> read_code_sections(std::span<const uint8_t> file) {
  elf_version(EV_CURRENT);
  // libelf does not modify the image in ELF_C_READ_MEMORY mode.
  std::unique_ptr<Elf, ElfCloser> e(elf_memory(const_cast<char*>(reinterpret_cast<const char*>(file.data())), file.size()));
  if (!e || elf_kind(e.get()) != ELF_K_ELF) return make_error(ErrorCode::ElfMalformed, "not an ELF file");
  GElf_Ehdr eh;
  if (!gelf_getehdr(e.get(), &eh)) return make_error(ErrorCode::ElfMalformed, elf_errmsg(-1));
  if (eh.e_machine != kEmBpf) return make_error(ErrorCode::ElfNotBpf, "ELF machine is not BPF (247)");
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(e.get(), &shstrndx) != 0) return make_error(ErrorCode::ElfMalformed, elf_errmsg(-1));
  const auto syms = function_symbols(e.get());
  std::vector<CodeSection> out;
  for (Elf_Scn* s = elf_nextscn(e.get(), nullptr); s; s = elf_nextscn(e.get(), s)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(s, &sh)) return make_error(ErrorCode::ElfMalformed, elf_errmsg(-1));
    if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) || sh.sh_size == 0) continue;
    const char* name = elf_strptr(e.get(), shstrndx, sh.sh_name);
    Elf_Data* d = elf_getdata(s, nullptr);
    if (!name || !d || !d->d_buf || d->d_size != sh.sh_size)
      return make_error(ErrorCode::ElfBadSection, "cannot read an executable section");
    CodeSection c;
    c.name = name;
    const auto* b = static_cast<const uint8_t*>(d->d_buf);
    c.bytes.assign(b, b + d->d_size);
    const size_t idx = elf_ndxscn(s);
    for (const auto& [shndx, sym] : syms)
      if (shndx == idx) c.symbols.push_back(sym);
    std::sort(c.symbols.begin(), c.symbols.end());
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace decade::cli
