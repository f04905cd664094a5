// SPDX-License-Identifier: Apache-2.0
// Jump tables (clang-22 -mcpu=v4): a `switch` compiled to `gotox` loads its
// target from a table in ELF section `.jumptables` (one OBJECT symbol
// `BPF.JT.<f>.<n>` per table, entries are 64-bit byte offsets into the code
// section of the function that loads the table).
//
// Decade's representation, shared by the verifier and both engines: each
// table a program references becomes a frozen array map (one entry, key 4
// bytes, value 8 * n bytes, MapDef::section = kJumpTableSection) whose
// entries are the absolute instruction slots of the linked program. The
// program's ld_imm64 of the table becomes ld_imm64 map_idx_value (src 6) of
// that map, so the code loads a slot index and `gotox` jumps to it. Tables
// are per program because subprograms appended from .text land at different
// slots in different programs.
#pragma once

#include <cstdint>
#include <string>

#include "decade/error.hpp"
#include "loader/elf_image.hpp"
#include "runtime/map.hpp"

namespace decade {

inline constexpr const char* kJumpTableSection = ".jumptables";

// Where the function that loads the table sits: its code section, its
// range there in instructions, and its first slot in the linked program.
struct JumpTableUser {
  uint32_t shndx = 0;
  uint32_t start = 0, end = 0;
  uint32_t base = 0;
  uint32_t pc = 0;  // the ld_imm64 (for errors)
};

// The table containing byte `addr` of the jump-table section `sec`, turned
// into a map named "<program>.<symbol>". `table_off` receives addr's offset
// inside the table. Errors (ElfBadJumpTable): no symbol covers addr, the
// symbol lies outside the section, its offset or size is not a multiple of 8,
// it is empty, or an entry is misaligned or outside the user's function.
Result<MapDef> make_jump_table(const ElfImage& elf, const ElfSection& sec, uint64_t addr, const JumpTableUser& user,
                               const std::string& program, uint64_t& table_off, uint32_t& symbol);

}  // namespace decade
