// SPDX-License-Identifier: Apache-2.0
// The instructions a probe's 5-byte jump replaces, decoded with Zydis and
// rewritten to run elsewhere (the probe's trampoline), and the checks that
// make replacing them safe. Attach-time only.
//
// Rewrites: a RIP-relative memory operand gets the displacement that
// reaches the same address from the new place (the trampoline lies within
// +-2 GiB of the function); jmp rel8/rel32 becomes an absolute indirect jmp;
// call rel32 an absolute indirect call returning to the next moved
// instruction; jcc rel8/rel32 the inverted short jcc over an absolute jmp.
// Refused (ProbeCannotRelocate, naming the instruction): loop*, jrcxz/jecxz,
// xbegin and any other relative form.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "decade/error.hpp"
#include "probe/symbols.hpp"

namespace decade::probe {

inline constexpr uint32_t kJumpSize = 5;  // jmp rel32

struct Relocated {
  uint32_t window = 0;          // bytes replaced: whole instructions, >= kJumpSize
  std::vector<uint8_t> code;    // the moved instructions, for address `at`
  // (offset in the window, offset in code) of each moved instruction.
  std::vector<std::pair<uint32_t, uint32_t>> boundaries;
};

// Checks the function `fn` around `addr` (which must lie in it) and moves the
// instructions at [addr, addr + window) to run at `at`:
//  - addr is an instruction boundary of a linear decode of fn (ProbeBadAddress);
//  - the window ends inside fn (ProbeFunctionTooShort);
//  - no relative branch of fn lands strictly inside the window
//    (ProbeJumpIntoPatch, naming the branch); indirect jumps cannot be
//    checked (docs/uprobes.md);
//  - every moved instruction can be rewritten (ProbeCannotRelocate).
Result<Relocated> relocate_window(const FunctionRange& fn, uint64_t addr, uint64_t at);

}  // namespace decade::probe
