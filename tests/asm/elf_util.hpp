// SPDX-License-Identifier: Apache-2.0
// Reads the executable sections of a BPF object with libelf, and runs a tool
// capturing its standard output (for the llvm-objdump / llvm-mc comparisons).
#pragma once

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace decade::test {

inline std::map<std::string, std::vector<uint8_t>> exec_sections(const std::string& path) {
  std::map<std::string, std::vector<uint8_t>> out;
  elf_version(EV_CURRENT);
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return out;
  Elf* e = elf_begin(fd, ELF_C_READ, nullptr);
  size_t shstrndx = 0;
  if (e && elf_getshdrstrndx(e, &shstrndx) == 0) {
    for (Elf_Scn* s = elf_nextscn(e, nullptr); s; s = elf_nextscn(e, s)) {
      GElf_Shdr sh;
      if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) || sh.sh_size == 0) continue;
      const char* name = elf_strptr(e, shstrndx, sh.sh_name);
      Elf_Data* d = elf_getdata(s, nullptr);
      if (!name || !d || !d->d_buf) continue;
      const auto* b = static_cast<const uint8_t*>(d->d_buf);
      out[name] = std::vector<uint8_t>(b, b + d->d_size);
    }
  }
  if (e) elf_end(e);
  close(fd);
  return out;
}

// Standard output of a shell command; empty when it could not run.
inline std::string run_capture(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  if (status) *status = st;
  return out;
}

}  // namespace decade::test
