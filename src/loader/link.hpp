// SPDX-License-Identifier: Apache-2.0
// Builds each program of an object: its function copied out of its section,
// then every function it calls or takes the address of (from `.text` or its
// own section) appended, with calls, map references, global-data references
// and kfunc calls rewritten so the program is self-contained.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "btf/btf_ext.hpp"
#include "decade/error.hpp"
#include "isa/insn.hpp"
#include "loader/elf_image.hpp"
#include "loader/kconfig.hpp"
#include "loader/maps.hpp"
#include "loader/object.hpp"
#include "runtime/platform.hpp"

namespace decade {

// A function symbol's range inside its code section, in instructions.
struct CodeFunc {
  uint32_t shndx = 0;
  uint32_t start = 0, end = 0;
  std::string name;
};

struct LinkInput {
  const ElfImage* elf = nullptr;
  const CollectedMaps* maps = nullptr;
  const Platform* platform = nullptr;
  const Btf* btf = nullptr;                          // may be null
  const BtfExt* ext = nullptr;                       // may be null
  const KconfigExterns* kconfig = nullptr;           // __kconfig externs and their map; may be null
  std::map<uint32_t, std::vector<RawInsn>> code;     // code sections (CO-RE applied), by section index
  std::vector<CodeFunc> funcs;                       // every function, sorted by (shndx, start)
};

// Finds the code sections and their functions. Errors: ElfBadSection, ElfBadSymbol.
Status find_code(const ElfImage& elf, LinkInput& in);

// Links the program whose main function is in.funcs[main]; kfuncs collects
// the kfuncs referenced (shared by all programs of the object); tables
// collects the jump tables' maps (loader/jump_tables.hpp), numbered after
// in.maps->defs in the order they are appended.
Result<ObjectProgram> link_program(const LinkInput& in, size_t main, std::vector<ObjectKfunc>& kfuncs,
                                   std::vector<MapDef>& tables);

}  // namespace decade
