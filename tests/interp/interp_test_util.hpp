// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the interpreter tests: assemble (classic or LLVM
// syntax), decode, compile_checked and run.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "asm/asm.hpp"
#include "interp/interp.hpp"
#include "isa/decode.hpp"

namespace decade::test {

inline Program program(std::string_view text) {
  auto a = assemble(text);
  EXPECT_TRUE(a.has_value()) << (a ? "" : a.error().to_string());
  if (!a) return {};
  auto p = decode(std::span<const RawInsn>(a->code));
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().to_string());
  return p ? std::move(*p) : Program{};
}

inline std::unique_ptr<Executable> checked(std::string_view text, ProgramEnv env = {}) {
  auto e = interp::compile_checked(program(text), std::move(env));
  EXPECT_TRUE(e.has_value()) << (e ? "" : e.error().to_string());
  return e ? std::move(*e) : nullptr;
}

// Runs with r1 = mem (a writable region) and r2 = its size.
inline Result<uint64_t> run(std::string_view text, std::vector<uint8_t>* mem = nullptr, ProgramEnv env = {},
                            uint64_t budget = 0) {
  auto e = checked(text, std::move(env));
  if (!e) return make_error(ErrorCode::Internal, "no executable");
  RunRequest req;
  req.insn_budget = budget;
  if (mem && !mem->empty()) {
    req.r1 = reinterpret_cast<uint64_t>(mem->data());
    req.r2 = mem->size();
    req.regions.push_back({reinterpret_cast<uintptr_t>(mem->data()), mem->size(), true});
  }
  return e->run(req);
}

inline uint64_t value(std::string_view text, std::vector<uint8_t>* mem = nullptr, ProgramEnv env = {}) {
  auto r = run(text, mem, std::move(env));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
  return r ? *r : 0xdeadbeefdeadbeefULL;
}

// Expects the run to fail with `code` at slot `insn`.
inline void expect_error(const Result<uint64_t>& r, ErrorCode code, int64_t insn) {
  ASSERT_FALSE(r.has_value()) << "result " << *r;
  EXPECT_EQ(r.error().code, code) << r.error().to_string();
  EXPECT_EQ(r.error().insn, insn) << r.error().to_string();
}

}  // namespace decade::test
