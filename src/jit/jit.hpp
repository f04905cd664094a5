// SPDX-License-Identifier: Apache-2.0
// Native code from programs. One backend per target under src/jit/<arch>/,
// each with the same file set (encoders, lowering, code buffer, executable
// memory). Same contract as the interpreter (src/interp/interp.hpp).
#pragma once

#include <memory>

#include "decade/error.hpp"
#include "isa/insn.hpp"
#include "runtime/engine.hpp"
#include "verifier/verified_program.hpp"

namespace decade::jit {

struct JitOptions {
  bool blind_constants = false;  // constant blinding for untrusted programs
};

// True when this build has a JIT for the host.
bool available();

Result<std::unique_ptr<Executable>> compile(std::shared_ptr<const VerifiedProgram> prog, ProgramEnv env,
                                            const JitOptions& opts = {});
// Unverified programs, every memory access bounds-checked at run time.
Result<std::unique_ptr<Executable>> compile_checked(Program prog, ProgramEnv env, const JitOptions& opts = {});

}  // namespace decade::jit
