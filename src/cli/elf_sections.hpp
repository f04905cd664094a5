// SPDX-License-Identifier: Apache-2.0
// The executable sections of a BPF ELF object and the function symbols in
// them, for `decade disasm FILE.o` (read with libelf; no relocation applied).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "decade/error.hpp"

namespace decade::cli {

struct CodeSection {
  std::string name;
  std::vector<uint8_t> bytes;
  std::vector<std::pair<uint32_t, std::string>> symbols;  // (slot, name), sorted by slot
};

bool is_elf(std::span<const uint8_t> file);
// Every executable section in file order. Errors: ElfMalformed, ElfNotBpf.
Result<std::vector<CodeSection>> read_code_sections(std::span<const uint8_t> file);

}  // namespace decade::cli
