// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the JIT tests: programs from instruction lists, runs
// over a memory buffer.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "asm/asm.hpp"
#include "interp/interp.hpp"
#include "isa/decode.hpp"
#include "isa/encode.hpp"
#include "jit/jit.hpp"
#include "runtime/engine.hpp"
#include "runtime/platform.hpp"
#include "verifier/verifier.hpp"

namespace decade::jit::test {

inline Program program_of(const std::vector<Insn>& insns) {
  std::vector<RawInsn> raw;
  for (const Insn& in : insns) encode(in, raw);
  auto p = decode(std::span<const RawInsn>(raw));
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().to_string());
  return p ? std::move(*p) : Program{};
}

inline const Platform& standard_platform() {
  static const Platform p = Platform::standard();
  return p;
}

// Verifies p as a raw program against the standard platform.
inline auto verify_raw(const Program& p, const VerifyOptions& opts = {}) {
  VerifyInput in;
  in.program = &p;
  in.platform = &standard_platform();
  in.type = standard_platform().program_type("raw");
  return verify(in, opts);
}

inline ProgramEnv env_of(std::vector<Map*> maps = {}) {
  ProgramEnv env;
  env.platform = &standard_platform();
  env.maps = std::move(maps);
  return env;
}

// Runs a program with r1 = mem (r2 = its size) under the checked JIT.
inline Result<uint64_t> run_jit(const Program& prog, std::vector<uint8_t>* mem = nullptr, ProgramEnv env = env_of(),
                                const JitOptions& opts = {}, uint64_t budget = 0) {
  auto exe = compile_checked(prog, std::move(env), opts);
  if (!exe) return std::unexpected(exe.error());
  RunRequest req;
  if (mem && !mem->empty()) {
    req.r1 = reinterpret_cast<uint64_t>(mem->data());
    req.r2 = mem->size();
    req.regions.push_back({req.r1, mem->size(), true});
  }
  req.insn_budget = budget;
  return (*exe)->run(req);
}

// Assembles classic or LLVM text into a decoded program.
inline Program assembled(std::string_view text) {
  auto a = assemble(text);
  EXPECT_TRUE(a.has_value()) << (a ? "" : a.error().to_string());
  if (!a) return {};
  auto p = decode(std::span<const RawInsn>(a->code));
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().to_string());
  return p ? std::move(*p) : Program{};
}

inline RunRequest request_for(std::vector<uint8_t>* mem, uint64_t budget = 0) {
  RunRequest req;
  req.insn_budget = budget;
  if (mem && !mem->empty()) {
    req.r1 = reinterpret_cast<uint64_t>(mem->data());
    req.r2 = mem->size();
    req.regions.push_back({req.r1, mem->size(), true});
  }
  return req;
}

inline Result<uint64_t> run_text(std::string_view text, std::vector<uint8_t>* mem = nullptr, ProgramEnv env = env_of(),
                                 const JitOptions& opts = {}) {
  auto exe = compile_checked(assembled(text), std::move(env), opts);
  if (!exe) return std::unexpected(exe.error());
  return (*exe)->run(request_for(mem));
}

inline void expect_error(const Result<uint64_t>& r, ErrorCode code, int64_t insn) {
  ASSERT_FALSE(r.has_value()) << "result " << *r;
  EXPECT_EQ(r.error().code, code) << r.error().to_string();
  EXPECT_EQ(r.error().insn, insn) << r.error().to_string();
}

inline Insn mov64(uint8_t dst, int32_t imm) { return make_insn(Op::MOV64_IMM, dst, 0, 0, imm); }
inline Insn exit_insn() { return make_insn(Op::EXIT); }

}  // namespace decade::jit::test
