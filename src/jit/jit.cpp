// SPDX-License-Identifier: Apache-2.0
// The JIT's front door: picks the host backend (x86-64) and runs its
// pipeline: Lowerer::emit -> CodeBuffer::finalize -> JitExecutable.
#include "jit/jit.hpp"

#include <chrono>
#include <random>

#if defined(__x86_64__)
#include "jit/x86_64/code_buffer.hpp"
#include "jit/x86_64/executable.hpp"
#include "jit/x86_64/lower.hpp"
#endif

namespace decade::jit {

#if defined(__x86_64__)

namespace {

// `verified` set: its program, else `unverified` (compile_checked).
Result<std::unique_ptr<Executable>> build(std::shared_ptr<const VerifiedProgram> verified, Program unverified,
                                          ProgramEnv env, const JitOptions& opts) {
  const auto t0 = std::chrono::steady_clock::now();
  auto code = std::make_shared<x64::JitCode>();
  code->verified = std::move(verified);
  code->unverified = std::move(unverified);
  code->env = std::move(env);
  x64::LowerOptions lo;
  lo.checked = code->checked();
  lo.blind = opts.blind_constants;
  static const asmjit::CpuInfo& cpu = asmjit::CpuInfo::host();
  lo.bmi2 = cpu.hasFeature(asmjit::CpuFeatures::X86::kBMI2);
  lo.popcnt = opts.cpu_bit_counts && cpu.hasFeature(asmjit::CpuFeatures::X86::kPOPCNT);
  lo.lzcnt = opts.cpu_bit_counts && cpu.hasFeature(asmjit::CpuFeatures::X86::kLZCNT);
  lo.tzcnt = opts.cpu_bit_counts && cpu.hasFeature(asmjit::CpuFeatures::X86::kBMI);
  if (code->verified) lo.facts = &code->verified->facts();
  if (code->verified) code->frame_size = code->verified->frame_size();
  lo.frame_size = code->frame_size;
  if (lo.blind) lo.blind_seed = std::random_device{}();
  x64::CodeBuffer cb;
  x64::Lowerer lower(code->prog(), code->env, lo, cb);
  if (auto s = lower.emit(); !s) return std::unexpected(code->located(s.error()));
  auto mem = cb.finalize();
  if (!mem) return std::unexpected(mem.error());
  code->mem = std::move(*mem);
  code->pc_map = std::move(cb.pc_map());
  code->layout = lower.layout();
  code->compile_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
  return std::make_unique<x64::JitExecutable>(std::move(code));
}

}  // namespace

bool available() { return true; }

Result<std::unique_ptr<Executable>> compile(std::shared_ptr<const VerifiedProgram> prog, ProgramEnv env,
                                            const JitOptions& opts) {
  if (!prog) return make_error(ErrorCode::InvalidArgument, "jit: no program");
  return build(std::move(prog), {}, std::move(env), opts);
}

Result<std::unique_ptr<Executable>> compile_checked(Program prog, ProgramEnv env, const JitOptions& opts) {
  return build(nullptr, std::move(prog), std::move(env), opts);
}

std::optional<CodeInfo> inspect(const Executable& exe) {
  const auto* je = dynamic_cast<const x64::JitExecutable*>(&exe);
  if (!je) return std::nullopt;
  const x64::JitCode& c = je->code();
  CodeInfo info;
  info.code = {c.mem.data(), c.mem.size()};
  info.compile_ns = c.compile_ns;
  info.text_size = c.layout.text_end;
  info.slot_offset.assign(c.prog().slot_count, -1);
  for (const auto& e : c.pc_map.entries()) info.pc_map.push_back({e.offset, e.pc});
  for (const auto& e : c.pc_map.entries())
    if (e.pc >= 0 && static_cast<uint32_t>(e.pc) < c.prog().slot_count && info.slot_offset[static_cast<size_t>(e.pc)] < 0)
      info.slot_offset[static_cast<size_t>(e.pc)] = e.offset;
  return info;
}

#else

bool available() { return false; }

Result<std::unique_ptr<Executable>> compile(std::shared_ptr<const VerifiedProgram>, ProgramEnv, const JitOptions&) {
  return make_error(ErrorCode::Unsupported, "jit: no JIT backend for this host architecture");
}
Result<std::unique_ptr<Executable>> compile_checked(Program, ProgramEnv, const JitOptions&) {
  return make_error(ErrorCode::Unsupported, "jit: no JIT backend for this host architecture");
}
std::optional<CodeInfo> inspect(const Executable&) { return std::nullopt; }

#endif

}  // namespace decade::jit
