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
// frame_size: the bytes of each call frame, 512 (the kernel's) unless the
// host raised the stack size (VerifyOptions::max_stack): a multiple of 8 up
// to 64 KiB, else InvalidArgument.
Result<std::unique_ptr<Executable>> compile_checked(Program prog, ProgramEnv env, uint32_t frame_size = 512);

// Notes on the execution model (docs/architecture.md has the rationale):
//  - ld_imm64 src=4 (function) gives the address of the target's threaded
//    instruction; callx and callbacks accept exactly those values, and callx
//    also takes a small integer (< 65536) as a helper id.
//  - gotox takes an absolute slot index and fails with ExecBadJump unless it
//    is the first slot of an instruction.
//  - addr_space_cast as(1) -> as(0) ORs the low 32 bits into the upper half of
//    the first arena map's user_vm_start (0 stays 0); without an arena map it
//    fails with ExecUnsupported. as(0) -> as(1) keeps the low 32 bits.
//  - may_goto is timed, as the kernel's: each call frame may loop through
//    it for 250 ms (runtime/run_control.hpp, timed_loop_refill).
//  - RunRequest::control stops a run from another thread at its next
//    backward jump, gotox or callback iteration (ExecCancelled /
//    ExecTimeout naming that instruction).
//  - LD_ABS/LD_IND and ld_imm64 src=3 (kernel variables) fail with ExecUnsupported.

}  // namespace decade::interp
