// SPDX-License-Identifier: Apache-2.0
// Verifier soundness oracle shared by fuzz/verifier_fuzz.cpp and the
// deterministic tests/verifier/soundness_test.cpp: bytes -> a program with
// a fixed prologue (context, map value and stack pointers, small constants
// in the other registers) and a body of table rows, then verify(); every
// accepted program runs in the checked interpreter on a few inputs, and an
// out-of-bounds access, a bad jump or a runaway loop there is a verifier bug.
//
// check_engines() is the differential oracle over the same programs
// (fuzz/verifier_fuzz.cpp, tests/jit/verified_diff_test.cpp): every
// accepted program also runs compiled from its VerifiedProgram, by the
// interpreter (verified loop: proven accesses unchecked, superinstructions,
// result forwarding) and by the JIT, and both must give the checked
// interpreter's r0 and leave the same context and map value.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "interp/interp.hpp"
#include "isa/decode.hpp"
#include "jit/jit.hpp"
#include "isa/encode.hpp"
#include "runtime/platform.hpp"
#include "runtime/run_context.hpp"
#include "verifier/verifier.hpp"

namespace decade::fuzzgen {

inline constexpr uint32_t kCtxSize = 64;

struct World {
  Platform platform = Platform::standard();
  MapDef def;
  std::shared_ptr<Map> array;
  const ProgramType* type = nullptr;

  World() {
    set_trace_sink([](std::string_view) {});
    def.name = "array";
    def.type = MapType::Array;
    def.key_size = 4;
    def.value_size = 16;
    def.max_entries = 4;
    array = std::shared_ptr<Map>(std::move(*create_map(def)));
    ProgramType t;
    t.name = "fuzz";
    t.ctx_size = kCtxSize;
    t.plain_ctx = true;
    (void)platform.add_program_type(t);
    type = platform.program_type("fuzz");
  }
};

// Rows the generator may use: no loops the runtime bounds (may_goto,
// callbacks, iterators), no indirect jumps, no legacy packet loads.
inline bool usable(const OpInfo& row) {
  const Shape s = row.shape;
  if (s == Shape::MayGoto || s == Shape::GotoX || s == Shape::CallX || s == Shape::CallKfunc || s == Shape::LdAbs ||
      s == Shape::LdInd || s == Shape::AddrSpaceCast || s == Shape::CallLocal)
    return false;
  if (s == Shape::LdImm64) return row.sem == Sem::LdImm64 || row.sem == Sem::LdMapIdxValue || row.sem == Sem::LdMapIdx;
  return true;
}

inline uint8_t reg(uint8_t b) { return static_cast<uint8_t>(b % 10); }

// One body instruction from 8 bytes; jumps land inside [0, n] of the body (n = the epilogue).
inline Insn body_insn(const uint8_t* b, uint32_t i, uint32_t n, uint32_t base) {
  static const std::vector<const OpInfo*> rows = [] {
    std::vector<const OpInfo*> v;
    for (const OpInfo& r : kOps)
      if (usable(r)) v.push_back(&r);
    return v;
  }();
  static const int32_t helpers[] = {1, 2, 3, 5, 7, 8, 14, 16};
  const OpInfo& row = *rows[b[0] % rows.size()];
  uint8_t dst = reg(b[1] & 0x0f), src = reg(b[1] >> 4);
  int16_t off;
  std::memcpy(&off, b + 2, 2);
  int32_t imm;
  std::memcpy(&imm, b + 4, 4);
  const auto target = static_cast<int32_t>(static_cast<uint32_t>(imm) % (n + 1));
  const int32_t rel = target - static_cast<int32_t>(i + 1);
  const auto small = static_cast<int32_t>(static_cast<int8_t>(imm));
  const auto moff = static_cast<int16_t>(off % 72);
  switch (row.shape) {
    case Shape::AluImm: return make_insn(row.op, dst, 0, 0, imm & 0x100 ? imm : small);
    case Shape::AluReg: return make_insn(row.op, dst, src);
    case Shape::Unary: return make_insn(row.op, dst);
    case Shape::Load: case Shape::AtomicLoad:
      if (b[1] & 0x80) src = 10;
      return make_insn(row.op, dst, src, src == 10 ? static_cast<int16_t>(-(std::abs(moff) & ~7) - 8) : moff);
    case Shape::StoreReg: case Shape::AtomicRmw: case Shape::AtomicStore:
      if (b[1] & 0x08) dst = 10;
      return make_insn(row.op, dst, src, dst == 10 ? static_cast<int16_t>(-(std::abs(moff) & ~7) - 8) : moff, row.shape == Shape::AtomicRmw ? static_cast<int32_t>(row.dval) : 0);
    case Shape::StoreImm:
      if (b[1] & 0x08) dst = 10;
      return make_insn(row.op, dst, 0, dst == 10 ? static_cast<int16_t>(-(std::abs(moff) & ~7) - 8) : moff, small);
    case Shape::LdImm64:
      if (row.sem == Sem::LdImm64) return make_insn(row.op, dst, 0, 0, 0, static_cast<uint64_t>(small));
      return make_insn(row.op, dst, 0, 0, 0, static_cast<uint64_t>(off & 15));
    case Shape::JmpImm: return make_insn(row.op, dst, 0, static_cast<int16_t>(rel), small);
    case Shape::JmpReg: return make_insn(row.op, dst, src, static_cast<int16_t>(rel));
    case Shape::Ja: return make_insn(row.op, 0, 0, static_cast<int16_t>(rel));
    case Shape::Ja32: return make_insn(row.op, 0, 0, 0, rel);
    case Shape::CallHelper: return make_insn(row.op, 0, 0, 0, helpers[static_cast<uint32_t>(imm) % std::size(helpers)]);
    case Shape::Exit: return make_insn(row.op);
    case Shape::AddrSpaceCast: case Shape::LdAbs: case Shape::LdInd: case Shape::GotoX: case Shape::MayGoto:
    case Shape::CallLocal: case Shape::CallKfunc: case Shape::CallX:
      break;  // not generated (see usable)
  }
  (void)base;
  return make_insn(Op::MOV64_IMM, 0, 0, 0, 0);
}

// Prologue + body + "r0 = 0; exit". Jump offsets are relative, so the body
// is built with its own slot numbering (lddw takes two slots).
inline Result<Program> build(const uint8_t* data, size_t size) {
  std::vector<RawInsn> raw;
  auto emit = [&](const Insn& in) { encode(in, raw); };
  emit(make_insn(Op::MOV64_REG, 6, 1));
  emit(make_insn(Op::LDDW_MAP_IDX_VALUE, 7, 0, 0, 0, 0));
  emit(make_insn(Op::MOV64_REG, 8, 10));
  emit(make_insn(Op::ADD64_IMM, 8, 0, 0, -16));
  emit(make_insn(Op::MOV64_IMM, 2, 0, 0, 0));
  emit(make_insn(Op::STXDW, 10, 2, -8));
  emit(make_insn(Op::STXDW, 10, 2, -16));
  emit(make_insn(Op::MOV64_IMM, 3, 0, 0, 1));
  emit(make_insn(Op::MOV64_IMM, 4, 0, 0, 8));
  emit(make_insn(Op::MOV64_IMM, 5, 0, 0, -1));
  emit(make_insn(Op::MOV64_IMM, 9, 0, 0, 4));
  emit(make_insn(Op::MOV64_IMM, 0, 0, 0, 0));
  // Body: one instruction per 8 bytes; count slots first so targets are known.
  const uint32_t count = static_cast<uint32_t>(std::min<size_t>(size / 8, 256));
  std::vector<Insn> body;
  for (uint32_t k = 0; k < count; ++k) body.push_back(body_insn(data + 8 * k, k, count, 0));
  // Relative targets were computed in instruction units; make lddw-free by
  // replacing two-slot rows inside jumps' ranges would be complex, so map
  // instruction index -> slot and re-aim every jump.
  std::vector<uint32_t> slot(count + 1, 0);
  for (uint32_t k = 0; k < count; ++k) slot[k + 1] = slot[k] + body[k].slots();
  for (uint32_t k = 0; k < count; ++k) {
    Insn& in = body[k];
    if (!has_target(in.op)) continue;
    const bool in_imm = target_in_imm(in.op);
    const int32_t rel = in_imm ? in.imm : in.off;
    const auto t = static_cast<uint32_t>(std::clamp<int64_t>(int64_t{k} + 1 + rel, 0, count));
    const int64_t srel = int64_t{slot[t]} - (int64_t{slot[k]} + 1);
    if (srel < INT16_MIN || srel > INT16_MAX) in = make_insn(Op::MOV64_IMM, 0, 0, 0, 0);
    else if (in_imm) in.imm = static_cast<int32_t>(srel);
    else in.off = static_cast<int16_t>(srel);
  }
  for (const Insn& in : body) emit(in);
  emit(make_insn(Op::MOV64_IMM, 0, 0, 0, 0));
  emit(make_insn(Op::EXIT));
  return decode(std::span<const RawInsn>(raw));
}

// The inputs of round `round`: the context bytes and the map value.
struct Inputs {
  alignas(8) uint8_t ctx[kCtxSize];
  uint8_t value[16];
  Inputs(const uint8_t* seed, size_t seed_len, int round) {
    for (uint32_t i = 0; i < kCtxSize; ++i)
      ctx[i] = static_cast<uint8_t>((seed_len ? seed[(i + round * 7) % seed_len] : 0) * (round + 1) + i);
    for (int i = 0; i < 16; ++i) value[i] = static_cast<uint8_t>(ctx[i] ^ (round * 91));
  }
};

// What one engine's run left behind.
struct Outcome {
  bool ok = false;
  uint64_t r0 = 0;
  ErrorCode code{};
  std::string error;
  std::vector<uint8_t> ctx, value;
};

inline Outcome run_once(World& w, Executable& exe, const Inputs& in, uint64_t budget) {
  Inputs copy = in;
  const uint32_t key = 0;
  (void)w.array->update(&key, copy.value, 0);
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(copy.ctx);
  req.regions.push_back({reinterpret_cast<uintptr_t>(copy.ctx), sizeof copy.ctx, true});
  req.insn_budget = budget;
  auto r = exe.run(req);
  Outcome o;
  o.ok = r.has_value();
  if (r) {
    o.r0 = *r;
  } else {
    o.code = r.error().code;
    o.error = r.error().to_string();
  }
  o.ctx.assign(copy.ctx, copy.ctx + kCtxSize);
  const auto* v = static_cast<const uint8_t*>(w.array->lookup(&key));
  o.value.assign(v, v + 16);
  return o;
}

enum class Verdict { Rejected, Ran, Bug };

// The program verified as the world's program type, with its array map.
inline Result<VerifyResult> verify_in(World& w, const Program& prog) {
  VerifyInput in;
  in.program = &prog;
  in.platform = &w.platform;
  in.type = w.type;
  in.maps = {&w.def};
  VerifyOptions opts;
  opts.max_insns_processed = 200'000;
  return verify(in, opts);
}

inline ProgramEnv env_of(World& w) {
  ProgramEnv e;
  e.platform = &w.platform;
  e.maps = {w.array.get()};
  return e;
}

// Verify, and run what is accepted. `why` describes a bug.
inline Verdict check(World& w, const Program& prog, const uint8_t* seed, size_t seed_len, std::string* why) {
  if (!verify_in(w, prog)) return Verdict::Rejected;
  auto exe = interp::compile_checked(prog, env_of(w));
  if (!exe) {
    if (why) *why = "checked compile failed: " + exe.error().to_string();
    return Verdict::Bug;
  }
  for (int round = 0; round < 3; ++round) {
    const Outcome o = run_once(w, **exe, Inputs(seed, seed_len, round), 4'000'000);
    if (o.ok) continue;
    const ErrorCode c = o.code;
    if (c == ErrorCode::ExecOutOfBounds || c == ErrorCode::ExecBadJump || c == ErrorCode::ExecBudgetExhausted ||
        c == ErrorCode::ExecCallDepth || c == ErrorCode::ExecUnsupported) {
      if (why) *why = "accepted program failed at run time: " + o.error;
      return Verdict::Bug;
    }
  }
  return Verdict::Ran;
}

// Helpers whose results differ from one call to the next (ktime_get_ns,
// get_prandom_u32): programs calling them are not compared.
inline bool deterministic(const Program& prog) {
  for (const Insn& in : prog.insns)
    if (in.info().shape == Shape::CallHelper && (in.imm == 5 || in.imm == 7)) return false;
  return true;
}

// Verify; run what is accepted in the checked interpreter, the verified
// interpreter and the verified JIT on the same inputs. A difference, or a
// failure of a verified run, is a Bug (described in *why).
inline Verdict check_engines(World& w, const Program& prog, const uint8_t* seed, size_t seed_len, std::string* why) {
  auto v = verify_in(w, prog);
  if (!v) return Verdict::Rejected;
  if (!deterministic(prog)) return Verdict::Ran;
  auto checked = interp::compile_checked(prog, env_of(w));
  auto vinterp = interp::compile(v->program, env_of(w));
  auto vjit = jit::available() ? jit::compile(v->program, env_of(w)) : interp::compile(v->program, env_of(w));
  if (!checked || !vinterp || !vjit) {
    if (why) *why = "compile failed";
    return Verdict::Bug;
  }
  for (int round = 0; round < 3; ++round) {
    const Inputs inputs(seed, seed_len, round);
    const Outcome ref = run_once(w, **checked, inputs, 4'000'000);
    if (!ref.ok) continue;  // check() judges the checked run; only agreement is judged here
    const std::pair<const char*, Executable*> engines[] = {{"verified interpreter", vinterp->get()},
                                                                 {"verified JIT", vjit->get()}};
    for (auto [name, exe] : engines) {
      const Outcome o = run_once(w, *exe, inputs, 0);
      std::string diff;
      if (!o.ok) diff = "failed with " + std::string(error_code_name(o.code));
      else if (o.r0 != ref.r0) diff = "r0 " + std::to_string(o.r0) + " != " + std::to_string(ref.r0);
      else if (o.ctx != ref.ctx) diff = "context bytes differ";
      else if (o.value != ref.value) diff = "map value differs";
      if (diff.empty()) continue;
      if (why) *why = std::string(name) + " disagrees with the checked interpreter (round " + std::to_string(round) +
                      "): " + diff;
      return Verdict::Bug;
    }
  }
  return Verdict::Ran;
}

}  // namespace decade::fuzzgen
