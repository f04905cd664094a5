// SPDX-License-Identifier: Apache-2.0
#include "probe/symbols.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace decade::probe {
namespace {

struct Mapping {
  uint64_t start = 0, end = 0, offset = 0;
  bool exec = false;
  std::string path;
};

std::vector<Mapping> read_maps() {
  std::vector<Mapping> out;
  std::ifstream f("/proc/self/maps");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    Mapping m;
    std::string range, perms, dev, inode;
    in >> range >> perms >> std::hex >> m.offset >> dev >> inode;
    std::getline(in >> std::ws, m.path);
    const size_t dash = range.find('-');
    if (dash == std::string::npos) continue;
    m.start = std::stoull(range.substr(0, dash), nullptr, 16);
    m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    m.exec = perms.size() > 2 && perms[2] == 'x';
    out.push_back(std::move(m));
  }
  return out;
}

std::string main_executable() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

// `want` names `path`: equal, or a suffix after a '/' ("libc.so.6").
bool names(const std::string& path, const std::string& want) {
  if (path == want) return true;
  return path.size() > want.size() && path.ends_with(want) && path[path.size() - want.size() - 1] == '/';
}

// One ELF file opened with libelf; closed on destruction.
class ElfFile {
 public:
  explicit ElfFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ >= 0 && elf_version(EV_CURRENT) != EV_NONE) elf_ = elf_begin(fd_, ELF_C_READ, nullptr);
  }
  ~ElfFile() {
    if (elf_) elf_end(elf_);
    if (fd_ >= 0) ::close(fd_);
  }
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;
  bool ok() const { return elf_ != nullptr; }

  // File offset of virtual address v (inside a PT_LOAD's file bytes).
  std::optional<uint64_t> offset_of(uint64_t v) const {
    size_t n = 0;
    if (elf_getphdrnum(elf_, &n) != 0) return std::nullopt;
    for (size_t i = 0; i < n; ++i) {
      GElf_Phdr ph;
      if (!gelf_getphdr(elf_, int(i), &ph) || ph.p_type != PT_LOAD) continue;
      if (v >= ph.p_vaddr && v < ph.p_vaddr + ph.p_filesz) return v - ph.p_vaddr + ph.p_offset;
    }
    return std::nullopt;
  }
  std::optional<uint64_t> vaddr_of(uint64_t off) const {
    size_t n = 0;
    if (elf_getphdrnum(elf_, &n) != 0) return std::nullopt;
    for (size_t i = 0; i < n; ++i) {
      GElf_Phdr ph;
      if (!gelf_getphdr(elf_, int(i), &ph) || ph.p_type != PT_LOAD) continue;
      if (off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) return off - ph.p_offset + ph.p_vaddr;
    }
    return std::nullopt;
  }

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

// The runtime address of file offset `off` of the file mapped by `maps`
// under `path`, in an executable mapping.
std::optional<uint64_t> address_of(const std::vector<Mapping>& maps, const std::string& path, uint64_t off) {
  for (const Mapping& m : maps)
    if (m.exec && m.path == path && off >= m.offset && off < m.offset + (m.end - m.start))
      return m.start + (off - m.offset);
  return std::nullopt;
}

}  // namespace

Result<FunctionRange> find_function(const std::string& file, const std::string& symbol) {
  const auto maps = read_maps();
  const std::string want = file.empty() ? main_executable() : file;
  const Mapping* found = nullptr;
  for (const Mapping& m : maps)
    if (m.exec && names(m.path, want)) found = &m;
  if (!found) return make_error(ErrorCode::ProbeSymbolNotFound, fmt::format("no executable mapping of '{}'", want));
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
