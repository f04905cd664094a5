// SPDX-License-Identifier: Apache-2.0
// Where functions are in this process: executable mappings from
// /proc/self/maps, and ELF symbols (.symtab, then .dynsym) of the file
// behind a mapping, read with libelf. Attach-time only; nothing here is on
// the hit path.
#pragma once

#include <cstdint>
#include <string>

#include "decade/error.hpp"

namespace decade::probe {

// A function in memory: [start, start + size), from the symbol that
// defines it; size 0 when the symbol gives none.
struct FunctionRange {
  uint64_t start = 0;
  uint64_t size = 0;
  std::string name;
  std::string file;          // the mapped file that defines it
  uint64_t file_offset = 0;  // of `start` in that file (kernel uprobes attach by it)
};

// The function `symbol` of `file` (a path or a suffix of a mapped path such
// as "libc.so.6"; empty: the main executable), as mapped now.
// ProbeSymbolNotFound when the file is not mapped executable or has no
// such function symbol.
Result<FunctionRange> find_function(const std::string& file, const std::string& symbol);

// The function symbol containing `addr`. ProbeBadAddress when addr is not
// in an executable mapping; ProbeSymbolNotFound when no symbol covers it.
Result<FunctionRange> function_at(uint64_t addr);

}  // namespace decade::probe
