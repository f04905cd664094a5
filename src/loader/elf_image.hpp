// SPDX-License-Identifier: Apache-2.0
// An ELF relocatable object read through libelf into plain values: sections
// (with their bytes copied out), symbols and relocations. Only this file's
// implementation talks to libelf; everything after it works on these values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "decade/error.hpp"

namespace decade {

struct ElfSection {
  uint32_t index = 0;
  std::string name;
  uint32_t type = 0;   // SHT_*
  uint64_t flags = 0;  // SHF_*
  uint64_t size = 0;   // sh_size (for SHT_NOBITS, data stays empty)
  uint32_t link = 0, info = 0;
  std::vector<uint8_t> data;
};

struct ElfSymbol {
  uint32_t index = 0;
  std::string name;
  uint64_t value = 0, size = 0;
  uint16_t shndx = 0;
  uint8_t bind = 0, type = 0, visibility = 0;
};

struct ElfReloc {
  uint64_t offset = 0;  // byte offset inside the target section
  uint32_t sym = 0;     // index into ElfImage::symbols
  uint32_t type = 0;    // R_BPF_*
};

struct ElfRelocSection {
  uint32_t target = 0;  // section index the relocations apply to
  std::vector<ElfReloc> relocs;
};

struct ElfImage {
  std::vector<ElfSection> sections;  // indexed by ELF section index
  std::vector<ElfSymbol> symbols;    // indexed by symbol index
  std::vector<ElfRelocSection> relocs;

  const ElfSection* find(std::string_view name) const {
    for (const auto& s : sections)
      if (s.name == name) return &s;
    return nullptr;
  }
  const std::vector<ElfReloc>* relocs_for(uint32_t section) const {
    for (const auto& r : relocs)
      if (r.target == section) return &r.relocs;
    return nullptr;
  }
};

// Relocation types (uapi / LLVM BPF ELF).
inline constexpr uint32_t kRBpf64_64 = 1, kRBpf64Abs64 = 2, kRBpf64Abs32 = 3, kRBpf64Nodyld32 = 4, kRBpf64_32 = 10;

// Reads and checks an ELF64 little-endian ET_REL EM_BPF object.
// Errors: ElfNotBpf, ElfMalformed, ElfBadSection, ElfBadSymbol, ElfBadRelocation.
Result<ElfImage> read_elf(std::span<const uint8_t> bytes);
// The same for any 64-bit little-endian ELF (executables, host objects with
// .BTF from pahole -J); symbols and relocations are read the same way.
Result<ElfImage> read_elf_any(std::span<const uint8_t> bytes);

}  // namespace decade
