// SPDX-License-Identifier: Apache-2.0
// A compiled program (JitCode: sealed code, pc map, layout) and the
// Executable that runs it.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "decade/error.hpp"
#include "isa/insn.hpp"
#include "jit/x86_64/exec_memory.hpp"
#include "jit/x86_64/jit_state.hpp"
#include "jit/x86_64/lower.hpp"
#include "jit/x86_64/pc_map.hpp"
#include "runtime/engine.hpp"
#include "verifier/verified_program.hpp"

namespace decade::jit::x64 {

// Calls into generated code go through a function pointer that has no
// type signature in front of it; clang's -fsanitize=function would read
// bytes before the code to check one.
#if defined(__clang__)
#define DECADE_JIT_CALL __attribute__((no_sanitize("function")))
#else
#define DECADE_JIT_CALL
#endif

class JitCode {
 public:
  using Trampoline = uint64_t (*)(JitHot* hot, uint64_t target, const uint64_t* args);

  // The program: the VerifiedProgram's (kept alive here, not copied), or
  // the one compile_checked was given.
  std::shared_ptr<const VerifiedProgram> verified;
  Program unverified;
  const Program& prog() const { return verified ? verified->program() : unverified; }
  // Compiled by compile_checked: every access checked at run time.
  bool checked() const { return !verified; }
  // Runs start on a zeroed stack: checked programs, and verified ones that
  // may read stack they never wrote (VerifiedProgram::zero_stack).
  bool zero_stack() const { return !verified || verified->zero_stack(); }
  // Bytes of each call frame: VerifiedProgram::frame_size, kFrameSize when checked.
  uint32_t frame_size = kFrameSize;
  ProgramEnv env;
  ExecMemory mem;
  PcMap pc_map;
  Layout layout;
  uint64_t compile_ns = 0;
  // Unique in the process, never reused (unlike the address): a thread's
  // run state prepared for this code knows it by it (hit_code).
  const uint64_t id = next_id();

  Trampoline trampoline() const { return reinterpret_cast<Trampoline>(mem.base() + layout.trampoline); }
  uint64_t main_entry() const { return mem.base() + layout.main_entry; }
  // Native entry for a function address (an ld_imm64 src=4 value), or 0.
  uint64_t func_entry(uint64_t value) const;
  // Native entry of the function starting at `slot`, or 0 when none does.
  uint64_t function_at(uint32_t slot) const;
  // The slot whose code contains native address `addr`, or -1.
  int32_t slot_at(uint64_t addr) const;
  // An execution error at a native address, with the slot and source line.
  Error error_at(ErrorCode code, uint64_t native) const;
  // Fills in the source line of an error about slot e.insn.
  Error located(Error e) const;

 private:
  static uint64_t next_id();
};

// Runs compiled code `repeat` times (Executable::run_repeat; at least
// once). `chain` is the RunContext of a tail-call chain to join, or nullptr
// to install a fresh one.
DECADE_JIT_CALL Result<uint64_t> run_code(const JitCode& code, const RunRequest& req, RunContext* chain,
                                          uint64_t repeat = 1);
// Executable::HitEntry::run: `code` is the JitCode.
DECADE_JIT_CALL void hit_code(const void* code, uint64_t r1);

class JitExecutable final : public Executable {
 public:
  explicit JitExecutable(std::shared_ptr<JitCode> code) {
    code->env.self = this;
    code_ = std::move(code);
  }
  Result<uint64_t> run(const RunRequest& req) override { return run_code(*code_, req, nullptr); }
  Result<uint64_t> run_chained(const RunRequest& req, RunContext& chain) override {
    return run_code(*code_, req, &chain);
  }
  Result<uint64_t> run_repeat(const RunRequest& req, uint64_t repeat) override {
    return run_code(*code_, req, nullptr, repeat);
  }
  HitEntry hit_entry() const override { return code_->checked() ? HitEntry{} : HitEntry{&hit_code, code_.get()}; }
  std::string_view engine_name() const override { return "jit"; }
  const JitCode& code() const { return *code_; }

 private:
  std::shared_ptr<const JitCode> code_;
};

}  // namespace decade::jit::x64
