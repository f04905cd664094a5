// SPDX-License-Identifier: Apache-2.0
// The threaded interpreter: a VerifiedProgram (or, by the named bypass, an
// unverified Program run with every access checked) -> Executable.
#pragma once

#include <memory>

#include "decade/error.hpp"
#include "isa/insn.hpp"
#include "runtime/engine.hpp"
#include "verifier/verified_program.hpp"

namespace decade::interp {

// Verified programs: no run-time checks where the verifier proved them unnecessary.
Result<std::unique_ptr<Executable>> compile(std::shared_ptr<const VerifiedProgram> prog, ProgramEnv env);

// The one bypass: runs an unverified program with every memory access checked
// against RunRequest::regions, the program's stack and the memory its maps
// hand out; an exhausted RunRequest::insn_budget, a bad call or jump stops it
// with an error naming the instruction. The host never crashes.
Result<std::unique_ptr<Executable>> compile_checked(Program prog, ProgramEnv env);

}  // namespace decade::interp
