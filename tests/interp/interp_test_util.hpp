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
#include "interp/threaded.hpp"
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

// Runs a translated program with r1 = mem (a writable region), r2 = its size.
inline Result<uint64_t> run_translated(const interp::detail::TProgram& tp, std::vector<uint8_t>& mem) {
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(mem.data());
  req.r2 = mem.size();
  req.regions.push_back({reinterpret_cast<uintptr_t>(mem.data()), mem.size(), true});
  return interp::detail::run_program(tp, req, nullptr, nullptr);
}

// Translates `text` for verified programs (superinstructions, forwarding; no
// verifier facts, so every access is still checked) and for checked ones,
// runs both from the contents of `mem`, and expects the same result, or the
// same error code and pc, and the same stores. Both runs use the same
// buffer (restored in between): pointers into it may reach r0 or memory.
// Returns the verified translation.
inline std::unique_ptr<interp::detail::TProgram> expect_translations_agree(const std::string& text,
                                                                           std::vector<uint8_t>& mem) {
  auto p = program(text);
  EXPECT_FALSE(p.insns.empty()) << text;
  auto v = interp::detail::translate(p, {}, false, {});
  auto c = interp::detail::translate(p, {}, true, {});
  EXPECT_TRUE(v.has_value() && c.has_value()) << text;
  if (!v || !c) return nullptr;
  const std::vector<uint8_t> init = mem;
  const auto rv = run_translated(**v, mem);
  const std::vector<uint8_t> after_v = mem;
  mem = init;
  const auto rc = run_translated(**c, mem);
  EXPECT_EQ(rv.has_value(), rc.has_value()) << text;
  EXPECT_EQ(after_v, mem) << text;
  if (rv && rc) {
    EXPECT_EQ(*rv, *rc) << text;
  } else if (!rv && !rc) {
    EXPECT_EQ(rv.error().code, rc.error().code) << text;
    EXPECT_EQ(rv.error().insn, rc.error().insn) << text;
  }
  return std::move(*v);
}

}  // namespace decade::test
