// SPDX-License-Identifier: Apache-2.0
// The files mapped into this process (/proc/self/maps) and their ELF
// contents through libelf: what symbols.cpp and usdt.cpp read at attach
// time to turn a file's link-time addresses into runtime ones. Nothing
// here is on the hit path.
#pragma once

#include <gelf.h>
#include <libelf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace decade::probe {

struct Mapping {
  uint64_t start = 0, end = 0, offset = 0;
  bool exec = false;
  std::string path;
};

std::vector<Mapping> read_maps();
// The path of this process's executable (/proc/self/exe).
std::string main_executable();
// `want` names `path`: equal, or a suffix after a '/' ("libc.so.6").
bool names(const std::string& path, const std::string& want);
// The path of the last executable mapping `want` names (empty: the main
// executable); nullptr when none does.
const Mapping* find_mapping(const std::vector<Mapping>& maps, const std::string& want);
// The runtime address of file offset `off` of the file mapped under `path`
// (an executable mapping unless `any` allows data mappings too).
std::optional<uint64_t> address_of(const std::vector<Mapping>& maps, const std::string& path, uint64_t off,
                                   bool any = false);

// One ELF file opened with libelf; closed on destruction.
class ElfFile {
 public:
  explicit ElfFile(const std::string& path);
  ~ElfFile();
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;
  bool ok() const { return elf_ != nullptr; }
  Elf* elf() const { return elf_; }

  // File offset of virtual address v (inside a PT_LOAD's file bytes).
  std::optional<uint64_t> offset_of(uint64_t v) const;
  std::optional<uint64_t> vaddr_of(uint64_t off) const;
  // A section by name; nullptr when absent.
  Elf_Scn* section(const char* name, GElf_Shdr* sh) const;

  // The first function symbol (.symtab before .dynsym) that `match` accepts.
  template <typename Match>
  std::optional<GElf_Sym> find_symbol(Match match, std::string* name) const {
    for (const Elf64_Word want : {SHT_SYMTAB, SHT_DYNSYM}) {
      for (Elf_Scn* scn = elf_nextscn(elf_, nullptr); scn; scn = elf_nextscn(elf_, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != want || sh.sh_entsize == 0) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; ++i) {
          GElf_Sym sym;
          if (!gelf_getsym(data, int(i), &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF)
            continue;
          const char* s = elf_strptr(elf_, sh.sh_link, sym.st_name);
          if (!s || !match(sym, s)) continue;
          *name = s;
          return sym;
        }
      }
    }
    return std::nullopt;
  }

 private:
  int fd_ = -1;
  Elf* elf_ = nullptr;
};

}  // namespace decade::probe
