// SPDX-License-Identifier: Apache-2.0
#include "probe/mapped_elf.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace decade::probe {

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

bool names(const std::string& path, const std::string& want) {
  if (path == want) return true;
  return path.size() > want.size() && path.ends_with(want) && path[path.size() - want.size() - 1] == '/';
}

const Mapping* find_mapping(const std::vector<Mapping>& maps, const std::string& want) {
  const std::string w = want.empty() ? main_executable() : want;
  const Mapping* found = nullptr;
  for (const Mapping& m : maps)
    if (m.exec && names(m.path, w)) found = &m;
  return found;
}

std::optional<uint64_t> address_of(const std::vector<Mapping>& maps, const std::string& path, uint64_t off, bool any) {
  for (const Mapping& m : maps)
    if ((m.exec || any) && m.path == path && off >= m.offset && off < m.offset + (m.end - m.start))
      return m.start + (off - m.offset);
  return std::nullopt;
}

ElfFile::ElfFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (fd_ >= 0 && elf_version(EV_CURRENT) != EV_NONE) elf_ = elf_begin(fd_, ELF_C_READ, nullptr);
}

ElfFile::~ElfFile() {
  if (elf_) elf_end(elf_);
  if (fd_ >= 0) ::close(fd_);
}

std::optional<uint64_t> ElfFile::offset_of(uint64_t v) const {
  size_t n = 0;
  if (elf_getphdrnum(elf_, &n) != 0) return std::nullopt;
  for (size_t i = 0; i < n; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf_, int(i), &ph) || ph.p_type != PT_LOAD) continue;
    if (v >= ph.p_vaddr && v < ph.p_vaddr + ph.p_filesz) return v - ph.p_vaddr + ph.p_offset;
  }
  return std::nullopt;
}

std::optional<uint64_t> ElfFile::vaddr_of(uint64_t off) const {
  size_t n = 0;
  if (elf_getphdrnum(elf_, &n) != 0) return std::nullopt;
  for (size_t i = 0; i < n; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf_, int(i), &ph) || ph.p_type != PT_LOAD) continue;
    if (off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) return off - ph.p_offset + ph.p_vaddr;
  }
  return std::nullopt;
}

Elf_Scn* ElfFile::section(const char* name, GElf_Shdr* sh) const {
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf_, &shstrndx) != 0) return nullptr;
  for (Elf_Scn* scn = elf_nextscn(elf_, nullptr); scn; scn = elf_nextscn(elf_, scn)) {
    if (!gelf_getshdr(scn, sh)) continue;
    const char* n = elf_strptr(elf_, shstrndx, sh->sh_name);
    if (n && std::strcmp(n, name) == 0) return scn;
  }
  return nullptr;
}

}  // namespace decade::probe
