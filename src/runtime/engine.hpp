// SPDX-License-Identifier: Apache-2.0
// What engines (interpreter, JITs) share: the environment a loaded program
// runs in, and the executable interface.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "decade/error.hpp"
#include "runtime/map.hpp"
#include "runtime/platform.hpp"

namespace decade {

// A memory range a program was given (checked execution bounds every access by these).
struct MemRegion {
  uintptr_t start = 0;
  size_t size = 0;
  bool writable = true;
};

// What a program's pseudo instructions and calls refer to once loaded.
//  - ld_imm64 map_idx (src 5) / map_fd (src 1, resolved by the loader to an index): maps[imm]
//  - ld_imm64 map_idx_value (src 6) / map_value (src 2): maps[imm]->direct_value_base() + imm2
//  - call helper: platform->helper(imm)
//  - call kfunc: kfuncs[imm] (the loader rewrites imm to an index here)
struct ProgramEnv {
  const Platform* platform = nullptr;
  std::vector<Map*> maps;
  std::vector<const FuncProto*> kfuncs;
};

struct RunRequest {
  uint64_t r1 = 0;                    // context pointer, or memory for raw programs
  uint64_t r2 = 0;                    // length for raw programs
  std::vector<MemRegion> regions;     // memory the program was given (checked mode)
  uint64_t insn_budget = 0;           // checked mode: stop after this many instructions (0 = default)
};

class Executable {
 public:
  virtual ~Executable() = default;
  // Runs once; returns r0 at the outermost exit, or an execution error naming the instruction.
  virtual Result<uint64_t> run(const RunRequest& req) = 0;
  virtual std::string_view engine_name() const = 0;
};

}  // namespace decade
