// SPDX-License-Identifier: Apache-2.0
// Native code from programs. One backend per target under src/jit/<arch>/,
// each with the same file set (encoders, lowering, code buffer, executable
// memory). Same contract as the interpreter (src/interp/interp.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "decade/error.hpp"
#include "isa/insn.hpp"
#include "runtime/engine.hpp"
#include "verifier/verified_program.hpp"

namespace decade::jit {

struct JitOptions {
  bool blind_constants = false;  // constant blinding for untrusted programs
  // popcnt/lzcnt/tzcnt when the host has them (CPUID); false forces the
  // fallback sequences, so tests cover them on any host.
  bool cpu_bit_counts = true;
};

// True when this build has a JIT for the host.
bool available();

Result<std::unique_ptr<Executable>> compile(std::shared_ptr<const VerifiedProgram> prog, ProgramEnv env,
                                            const JitOptions& opts = {});
// Unverified programs, every memory access bounds-checked at run time.
Result<std::unique_ptr<Executable>> compile_checked(Program prog, ProgramEnv env, const JitOptions& opts = {});

// What a compile produced, for tests, benchmarks and tools. nullopt when
// `exe` was not made by this JIT.
struct CodeInfo {
  std::span<const uint8_t> code;     // the sealed native code (read+execute)
  size_t text_size = 0;              // code[0, text_size) is instructions; data tables follow
  uint64_t compile_ns = 0;           // wall time of the compile, decode excluded
  std::vector<int64_t> slot_offset;  // per slot: native offset where its code starts, -1 when none
  // The pc map: code from `offset` up to the next entry belongs to `slot`
  // (-1: trampoline, prologues and other glue).
  struct PcEntry {
    uint32_t offset;
    int32_t slot;
  };
  std::vector<PcEntry> pc_map;
};
std::optional<CodeInfo> inspect(const Executable& exe);

}  // namespace decade::jit
