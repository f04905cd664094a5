// SPDX-License-Identifier: Apache-2.0
// Verifier soundness oracle shared by fuzz/verifier_fuzz.cpp, the
// deterministic tests/verifier/soundness_test.cpp and
// tests/jit/verified_diff_test.cpp, and fuzz/kernel_triage.cpp.
//
// Generator: build_case() (gen_cases.hpp) turns bytes into one program of a
// shape (plain, packet, callbacks, iterator, tail calls, ring buffer,
// read-only map, host-memory probe, huge map, socket maps, helpers with
// fixed-size and string arguments, large and divided stacks, write-only
// maps; gen_shapes.hpp, gen_reach.hpp) in a fixed world of maps and
// program types (gen_world.hpp). Each case carries the stack size and
// divstack setting it is verified with; the checked run's frames are that
// size. The plain shape is
// build() below: a fixed prologue (context, map value and stack pointers,
// small constants in the other registers) and a body of table rows.
//
// check(): every accepted program runs in the checked interpreter on a few
// inputs; an out-of-bounds access, a bad jump or a runaway loop there, or
// an escape (host memory in its results, a hash map with two elements
// under one key) is a verifier bug. Contexts sit against guard pages
// (guarded_memory.hpp) and packets in guarded frames, so an access that
// escapes the checks faults.
//
// check_engines() is the differential oracle over the same programs: every
// accepted program also runs compiled from its VerifiedProgram, by the
// interpreter (verified loop: proven accesses unchecked, superinstructions,
// result forwarding) and by the JIT, and both must give the checked
// interpreter's r0 and leave the same context, map value and packet. Then
// each engine runs it once more and is stopped from outside (cancelled
// before it starts, or from another thread after a delay the input picks):
// the run ends normally or with ExecCancelled, and leaves no lock held, no
// ring buffer record reserved and the hash map intact.
//
// After every run, nothing the program acquired may be left held
// (World::resources_free).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gen_cases.hpp"
#include "interp/interp.hpp"
#include "isa/decode.hpp"
#include "jit/jit.hpp"
#include "isa/encode.hpp"
#include "runtime/platform.hpp"
#include "runtime/run_context.hpp"
#include "runtime/run_control.hpp"
#include "verifier/verifier.hpp"

namespace decade::fuzzgen {

// Rows the generator draws at random: no loops the runtime bounds
// (may_goto, callbacks, iterators), no indirect jumps, no legacy packet
// loads. Local calls and stack arguments (r11) come in whole rows
// (stack_arg_call), never alone.
inline bool usable(const OpInfo& row) {
  const Shape s = row.shape;
  if (s == Shape::MayGoto || s == Shape::GotoX || s == Shape::CallX || s == Shape::CallKfunc || s == Shape::LdAbs ||
      s == Shape::LdInd || s == Shape::AddrSpaceCast || s == Shape::CallLocal || s == Shape::LoadArg ||
      s == Shape::StoreArg || s == Shape::StoreImmArg)
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
    case Shape::AluImm:
      // Immediate rotates (the bitmanip extension) are valid only below the width.
      if (row.sem == Sem::Rol || row.sem == Sem::Ror)
        return make_insn(row.op, dst, 0, 0, static_cast<int32_t>(static_cast<uint32_t>(imm) % row.width));
      return make_insn(row.op, dst, 0, 0, imm & 0x100 ? imm : small);
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
    case Shape::CallLocal: case Shape::CallKfunc: case Shape::CallX: case Shape::LoadArg: case Shape::StoreArg:
    case Shape::StoreImmArg:
      break;  // not generated (see usable)
  }
  (void)base;
  return make_insn(Op::MOV64_IMM, 0, 0, 0, 0);
}

// One row in sixteen that is no jump (0xe0 <= b[6] < 0xf0) becomes a
// BPF-to-BPF call passing 2 to 7 stack arguments (the stackargs extension,
// r11), each stored from a register or as an immediate as b[7] picks; one
// call in eight stores only one, which the callee's second load refuses.
// The callee (stack_arg_callee) follows the epilogue; build() aims the call.
inline std::vector<Insn> stack_arg_call(const uint8_t* b) {
  const int count = (b[7] & 0xe0) == 0xe0 ? 1 : 2 + b[7] % 6;
  std::vector<Insn> out;
  for (int j = 0; j < count; ++j) {
    const auto off = static_cast<int16_t>(-8 * (j + 1));
    const uint8_t v = b[2 + j % 4];
    if (b[7] & (1u << j)) out.push_back(make_insn(Op::STX_ARG, 11, reg(v), off));
    else out.push_back(make_insn(Op::ST_ARG, 11, 0, off, static_cast<int8_t>(v)));
  }
  out.push_back(make_insn(Op::CALL_LOCAL, 0, 0, 0, 0));
  return out;
}

// The stack-argument callee: r0 = argument 6 ^ argument 7.
inline std::vector<Insn> stack_arg_callee() {
  return {make_insn(Op::LDX_ARG, 0, 11, 8), make_insn(Op::LDX_ARG, 1, 11, 16), make_insn(Op::XOR64_REG, 0, 1),
          make_insn(Op::EXIT)};
}

// One row in sixteen that is no jump (b[6] >= 0xf0) becomes a call wrapped
// in the spill/fill pattern clang-22 puts around bpf_fastcall calls
// (verifier/fastcall.hpp): the row's helper if it calls one, else
// bpf_get_smp_processor_id; the registers of r1-r5 b[7] picks, the nearest
// spill at `low` (the program's lowest spill slot, or, with low above the
// body's stack slots, a pattern the body's own accesses may break), and
// one fill in eight into another register, which is no pattern.
inline std::vector<Insn> body_row(const uint8_t* b, uint32_t k, uint32_t count, int16_t low) {
  Insn in = body_insn(b, k, count, 0);
  // An alloca (the alloca extension) comes with a size of 1 to 128 bytes
  // in its src register, so that some are accepted and run.
  if (in.info().sem == Sem::Alloca) return {make_insn(Op::MOV64_IMM, in.src, 0, 0, (b[4] & 127) + 1), in};
  if (has_target(in.op) || b[6] < 0xe0) return {in};
  if (b[6] < 0xf0) return stack_arg_call(b);
  if (!(b[7] & 0x1f)) return {in};
  if (in.info().shape != Shape::CallHelper) in = make_insn(Op::CALL_HELPER, 0, 0, 0, 8);
  std::vector<uint8_t> regs;  // nearest first
  for (uint8_t r = 1; r <= 5; ++r)
    if (b[7] & (1u << (r - 1))) regs.push_back(r);
  std::vector<Insn> out;
  for (size_t j = regs.size(); j-- > 0;)
    out.push_back(make_insn(Op::STXDW, 10, regs[j], static_cast<int16_t>(low + 8 * static_cast<int>(j))));
  out.push_back(in);
  for (size_t j = 0; j < regs.size(); ++j) {
    const uint8_t dst = (b[7] & 0xe0) == 0xe0 && j == 0 ? static_cast<uint8_t>(regs[j] % 5 + 1) : regs[j];
    out.push_back(make_insn(Op::LDXDW, dst, 10, static_cast<int16_t>(low + 8 * static_cast<int>(j))));
  }
  return out;
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
  // Body: one row per 8 bytes (one instruction, or a fastcall pattern);
  // count slots first so targets are known. The body's own stack slots are
  // fp-8..fp-72: patterns start below them, or among them.
  const uint32_t count = static_cast<uint32_t>(std::min<size_t>(size / 8, 256));
  const int16_t low = size && (data[0] & 0x40) ? -48 : -112;
  std::vector<std::vector<Insn>> body;
  for (uint32_t k = 0; k < count; ++k) body.push_back(body_row(data + 8 * k, k, count, low));
  // Relative targets were computed in row units: map each row to its first
  // slot and re-aim every jump (a jump lands on a row's first instruction).
  std::vector<uint32_t> slot(count + 1, 0);
  for (uint32_t k = 0; k < count; ++k) {
    slot[k + 1] = slot[k];
    for (const Insn& in : body[k]) slot[k + 1] += in.slots();
  }
  for (uint32_t k = 0; k < count; ++k) {
    Insn& in = body[k].front();
    if (body[k].size() != 1 || !has_target(in.op)) continue;
    const bool in_imm = target_in_imm(in.op);
    const int32_t rel = in_imm ? in.imm : in.off;
    const auto t = static_cast<uint32_t>(std::clamp<int64_t>(int64_t{k} + 1 + rel, 0, count));
    const int64_t srel = int64_t{slot[t]} - (int64_t{slot[k]} + 1);
    if (srel < INT16_MIN || srel > INT16_MAX) in = make_insn(Op::MOV64_IMM, 0, 0, 0, 0);
    else if (in_imm) in.imm = static_cast<int32_t>(srel);
    else in.off = static_cast<int16_t>(srel);
  }
  // Local calls (stack_arg_call rows) go to the callee after the epilogue,
  // which is there only when called (unreachable code is refused).
  const uint32_t callee = slot[count] + 2;
  bool calls = false;
  for (uint32_t k = 0; k < count; ++k) {
    uint32_t at = slot[k];
    for (Insn& in : body[k]) {
      if (in.op == Op::CALL_LOCAL) {
        in.imm = static_cast<int32_t>(callee) - static_cast<int32_t>(at + 1);
        calls = true;
      }
      at += in.slots();
    }
  }
  for (const auto& row : body)
    for (const Insn& in : row) emit(in);
  emit(make_insn(Op::MOV64_IMM, 0, 0, 0, 0));
  emit(make_insn(Op::EXIT));
  if (calls)
    for (const Insn& in : stack_arg_callee()) emit(in);
  return decode(std::span<const RawInsn>(raw));
}

// The inputs of round `round`: the plain context's bytes, the packet (for
// packet types, `packet_len` bytes) and the array map's value.
struct Inputs {
  alignas(8) uint8_t ctx[kCtxSize];
  uint8_t value[16];
  std::vector<uint8_t> packet;
  Inputs(const uint8_t* seed, size_t seed_len, int round, uint32_t packet_len = 0) {
    for (uint32_t i = 0; i < kCtxSize; ++i)
      ctx[i] = static_cast<uint8_t>((seed_len ? seed[(i + round * 7) % seed_len] : 0) * (round + 1) + i);
    for (int i = 0; i < 16; ++i) value[i] = static_cast<uint8_t>(ctx[i] ^ (round * 91));
    packet.resize(packet_len);
    for (uint32_t i = 0; i < packet_len; ++i) packet[i] = static_cast<uint8_t>(ctx[i % kCtxSize] ^ (i >> 6));
  }
};

// What one engine's run left behind. For packet types `ctx` is the context
// with its packet pointers replaced by offsets, `packet` the metadata and
// the packet bytes.
struct Outcome {
  bool ok = false;
  uint64_t r0 = 0;
  ErrorCode code{};
  std::string error;
  std::vector<uint8_t> ctx, value, packet;
};

// The memory one run is given, as RunRequest regions: the plain context in
// a guarded buffer; for packet types the context and the live packet
// (metadata included), which the packet's on_bounds_change hook keeps
// equal to the packet whenever a helper moves it. An access through a
// pointer from before the move, which a verifier must have invalidated,
// then lies outside the region and the checked run reports it.
struct RunMemory {
  std::unique_ptr<XdpBuff> xdp;
  std::unique_ptr<SkBuff> skb;
  GuardedBuffer* plain = nullptr;  // the context of a type without a packet
  RunRequest req;

  RunMemory() = default;
  RunMemory(const RunMemory&) = delete;  // the hooks hold `this`
  RunMemory& operator=(const RunMemory&) = delete;

  // The packet region (the last one) after a move.
  void track_packet() {
    MemRegion& r = req.regions.back();
    if (xdp) {
      const auto meta = xdp->metadata();
      r.start = reinterpret_cast<uintptr_t>(meta.data());
      r.size = meta.size() + xdp->packet().size();
    } else {
      r.start = reinterpret_cast<uintptr_t>(skb->packet().data());
      r.size = skb->packet().size();
    }
  }

  Status prepare(World& w, const Case& c, const Inputs& in) {
    if (!c.type->has_packet) {
      // The input's bytes repeated over the type's whole context.
      plain = &w.ctx_buffer(c.type->ctx_size);
      for (size_t i = 0; i < plain->size(); i += kCtxSize)
        std::memcpy(plain->data() + i, in.ctx, std::min<size_t>(kCtxSize, plain->size() - i));
      req.r1 = reinterpret_cast<uint64_t>(plain->data());
      req.regions.push_back({reinterpret_cast<uintptr_t>(plain->data()), plain->size(), true});
      return ok();
    }
    if (c.type == w.xdp) {
      auto b = XdpBuff::create(in.packet);
      if (!b) return std::unexpected(b.error());
      xdp = std::move(*b);
      xdp->on_bounds_change = [this] { track_packet(); };
      req.r1 = xdp->ctx_addr();
      req.regions.push_back({req.r1, sizeof(XdpMd), false});
    } else {
      auto b = SkBuff::create(in.packet);
      if (!b) return std::unexpected(b.error());
      skb = std::move(*b);
      skb->on_bounds_change = [this] { track_packet(); };
      req.r1 = skb->ctx_addr();
      req.regions.push_back({req.r1, sizeof(SkBuffMd), true});
    }
    req.regions.push_back({0, 0, true});
    track_packet();
    return ok();
  }

  void record(Outcome& o) const {
    if (xdp) {
      const auto meta = xdp->metadata();
      const auto pkt = xdp->packet();
      XdpMd md = *xdp->ctx();
      md.data_meta = 0;
      md.data = static_cast<uint32_t>(meta.size());
      md.data_end = static_cast<uint32_t>(meta.size() + pkt.size());
      o.ctx.assign(reinterpret_cast<uint8_t*>(&md), reinterpret_cast<uint8_t*>(&md) + sizeof md);
      o.packet.assign(meta.begin(), meta.end());
      o.packet.insert(o.packet.end(), pkt.begin(), pkt.end());
    } else if (skb) {
      SkBuffMd md = *skb->ctx();
      md.data = md.data_end = md.data_meta = 0;
      o.ctx.assign(reinterpret_cast<uint8_t*>(&md), reinterpret_cast<uint8_t*>(&md) + sizeof md);
      const auto pkt = skb->packet();
      o.packet.assign(pkt.begin(), pkt.end());
    } else if (plain) {
      o.ctx.assign(plain->data(), plain->data() + plain->size());
    }
  }
};

inline Outcome run_once(World& w, const Case& c, Executable& exe, const Inputs& in, uint64_t budget,
                        RunControl* control = nullptr) {
  w.reset_maps();
  const uint32_t key = 0;
  (void)w.array->update(&key, in.value, 0);
  RunMemory mem;
  Outcome o;
  if (auto s = mem.prepare(w, c, in); !s) {
    o.code = s.error().code;
    o.error = "input: " + s.error().to_string();
    return o;
  }
  mem.req.insn_budget = budget;
  mem.req.control = control;
  auto r = exe.run(mem.req);
  o.ok = r.has_value();
  if (r) {
    o.r0 = *r;
  } else {
    o.code = r.error().code;
    o.error = r.error().to_string();
  }
  mem.record(o);
  const auto* v = static_cast<const uint8_t*>(w.array->lookup(&key));
  o.value.assign(v, v + 16);
  const auto* wo = static_cast<const uint8_t*>(w.maps[kMapWronly]->lookup(&key));
  o.value.insert(o.value.end(), wo, wo + 16);
  return o;
}

enum class Verdict { Rejected, Ran, Bug };

// The maps a case's program sees: the world's, with the case's huge map
// and its own self prog_array.
inline std::vector<const MapDef*> defs_of(World& w, const Case& c) {
  auto defs = w.def_ptrs();
  if (c.huge) defs[kMapHuge] = &c.huge_def;
  return defs;
}

inline Result<VerifyResult> verify_in(World& w, const Case& c) {
  VerifyInput in;
  in.program = &c.prog;
  in.platform = &w.platform;
  in.type = c.type;
  in.maps = defs_of(w, c);
  in.kfuncs = w.kfuncs;
  VerifyOptions opts;
  opts.max_insns_processed = 200'000;
  opts.max_stack = c.max_stack;
  opts.divided_stack = c.divided_stack;
  return verify(in, opts);
}

// The loader's claim on the prog_arrays a program refers to
// (api/tail_call_owner.cpp): a program whose type differs from an array's
// owner does not load, so it is not run either. The world's arrays are owned
// by their targets' types; the self array by the case's own type.
inline bool claims_prog_arrays(const Case& c, const ProgramEnv& env) {
  ProgramHandle h;
  h.profile.program_type = c.type->name;
  for (const Insn& insn : c.prog.insns) {
    const Sem sem = insn.info().sem;
    if (sem != Sem::LdMapFd && sem != Sem::LdMapIdx) continue;
    const auto idx = static_cast<size_t>(static_cast<uint32_t>(insn.imm));
    Map* m = idx < env.maps.size() ? env.maps[idx] : nullptr;
    if (m && m->type() == MapType::ProgArray && !prog_array_claim(*m, h)) return false;
  }
  return true;
}

// Per check: the case's self prog_array, and its environment.
struct Prepared {
  std::shared_ptr<Map> self;
  ProgramEnv env;
  Prepared(World& w, const Case& c) {
    auto m = create_map(w.defs[kMapSelf]);
    if (!m) std::abort();
    self = std::shared_ptr<Map>(std::move(*m));
    env.platform = &w.platform;
    for (auto& p : w.maps) env.maps.push_back(p.get());
    env.maps[kMapSelf] = self.get();
    if (c.huge) env.maps[kMapHuge] = c.huge.get();
    env.kfuncs = w.kfuncs;
  }
  // Runs `exe` with itself in the self array's slot 0, as a host that loads
  // a program and stores it in its own prog_array (a handle with no engine
  // fast path, as api/object_load.cpp makes them).
  Outcome run(World& w, const Case& c, Executable& exe, const Inputs& in, uint64_t budget,
              RunControl* control = nullptr) {
    const uint32_t slot = 0;
    uint32_t id = 0;
    if (c.self_slot_type) {
      auto h = std::make_shared<ProgramHandle>();
      h->executable = std::shared_ptr<Executable>(std::shared_ptr<void>(), &exe);
      h->profile.program_type = c.type->name;
      id = register_program(h);
      (void)self->host_update(&slot, &id, 0);
    }
    Outcome o = run_once(w, c, exe, in, budget, control);
    if (id) {
      (void)self->erase(&slot);
      unregister_program(id);
    }
    return o;
  }
};

// What a run left that no accepted program may leave: host memory (the
// canary) in its results, a hash map with two elements under one key.
inline bool escaped(World& w, const Outcome& o, std::string* why) {
  constexpr uint64_t k7 = 0x00ffffffffffffffull;
  auto has = [](const std::vector<uint8_t>& b) {
    for (size_t i = 0; i + 7 <= b.size(); ++i) {
      uint64_t v = 0;
      std::memcpy(&v, b.data() + i, 7);
      if (v == (kCanary & k7)) return true;
    }
    return false;
  };
  if ((o.r0 & k7) == (kCanary & k7) || has(o.ctx) || has(o.value) || has(o.packet)) {
    if (why) *why = "the program read host memory it was not given (the world's canary)";
    return true;
  }
  return !w.hash_intact(why);
}

// The program with each alloca's placement (the verifier's, v) in its imm,
// which checked engines honour with every access checked: the checked
// interpreter stays the oracle for programs with alloca rows, which the
// generator draws like any other (docs/isa-extensions.md, "alloca").
inline Program with_placements(const Program& prog, const VerifyResult& v) {
  Program out = prog;
  const auto& facts = v.program->facts();
  for (size_t i = 0; i < out.insns.size() && i < facts.size(); ++i)
    if (out.insns[i].info().sem == Sem::Alloca) out.insns[i].imm = facts[i].alloca_offset;
  return out;
}

// Runs an accepted case in the checked interpreter: an escape, or a fault
// the verifier should have ruled out, is a Bug described in `why`.
inline Verdict check_accepted(World& w, const Case& c, const uint8_t* seed, size_t seed_len, std::string* why) {
  Prepared p(w, c);
  if (!claims_prog_arrays(c, p.env)) return Verdict::Rejected;
  auto exe = interp::compile_checked(c.prog, p.env, c.max_stack);
  if (!exe) {
    if (why) *why = "checked compile failed: " + exe.error().to_string();
    return Verdict::Bug;
  }
  for (int round = 0; round < 3; ++round) {
    const Outcome o = p.run(w, c, **exe, Inputs(seed, seed_len, round, c.packet_len), 4'000'000);
    if (escaped(w, o, why) || !w.resources_free(why)) return Verdict::Bug;
    if (o.ok) continue;
    const ErrorCode e = o.code;
    if (e == ErrorCode::ExecOutOfBounds || e == ErrorCode::ExecBadJump || e == ErrorCode::ExecBudgetExhausted ||
        e == ErrorCode::ExecCallDepth || e == ErrorCode::ExecUnsupported) {
      if (why) *why = "accepted program failed at run time: " + o.error;
      return Verdict::Bug;
    }
  }
  return Verdict::Ran;
}

// Verify, and run what is accepted in the checked interpreter. `why`
// describes a bug.
inline Verdict check(World& w, const Case& c, const uint8_t* seed, size_t seed_len, std::string* why) {
  auto v = verify_in(w, c);
  if (!v) return Verdict::Rejected;
  Case placed = c;
  placed.prog = with_placements(c.prog, *v);
  return check_accepted(w, placed, seed, seed_len, why);
}

inline Case plain_case(World& w, const Program& prog) {
  Case c;
  c.prog = prog;
  c.type = w.type;
  return c;
}

inline Verdict check(World& w, const Program& prog, const uint8_t* seed, size_t seed_len, std::string* why) {
  return check(w, plain_case(w, prog), seed, seed_len, why);
}

// Helpers whose results differ from one call to the next (ktime_get_ns,
// get_prandom_u32): programs calling them are not compared.
inline bool deterministic(const Program& prog) {
  for (const Insn& in : prog.insns)
    if (in.info().shape == Shape::CallHelper && (in.imm == 5 || in.imm == 7)) return false;
  return true;
}

// Programs that take a socket from a socket map (lookups in kMapSockmap /
// kMapSockhash; gen_reach.hpp's sock shape).
inline bool uses_sockets(const Program& prog) {
  for (const Insn& in : prog.insns)
    if (in.info().sem == Sem::LdMapIdx && (in.imm == static_cast<int32_t>(kMapSockmap) || in.imm == static_cast<int32_t>(kMapSockhash)))
      return true;
  return false;
}

inline std::string difference(const Outcome& o, const Outcome& ref) {
  if (!o.ok) return "failed with " + std::string(error_code_name(o.code)) + ": " + o.error;
  if (o.r0 != ref.r0) return "r0 " + std::to_string(o.r0) + " != " + std::to_string(ref.r0);
  if (o.ctx != ref.ctx) return "context bytes differ";
  if (o.value != ref.value) return "map value differs";
  if (o.packet != ref.packet) return "packet bytes differ";
  return {};
}

// One run of `exe` stopped from outside: cancelled before it starts (it
// then stops at its first back-edge, callback iteration or may_goto in the
// interpreter, at its entry in the JIT), or
// from another thread after a delay of up to ~30 us that the input picks,
// which lands anywhere in a short run. It must end as the unstopped run
// did (`normal`: ok, or the code it failed with) or with ExecCancelled,
// leave nothing held, nothing of host memory in its results, and the hash
// map intact.
inline bool check_stopped_run(World& w, const Case& c, Prepared& p, Executable& exe, const Outcome& normal,
                              const uint8_t* seed, size_t seed_len, const char* name, std::string* why) {
  const uint8_t pick = seed_len ? seed[seed_len / 2] : 0;
  RunControl control;
  std::thread stopper;
  if (pick % 4 == 0) {
    control.stop(StopReason::Cancelled);
  } else {
    const auto delay = std::chrono::nanoseconds(uint64_t{pick} * 120);
    stopper = std::thread([&control, delay] {
      const auto until = std::chrono::steady_clock::now() + delay;
      while (std::chrono::steady_clock::now() < until) {
      }
      control.stop(StopReason::Cancelled);
    });
  }
  const Outcome o = p.run(w, c, exe, Inputs(seed, seed_len, 0, c.packet_len), 4'000'000, &control);
  if (stopper.joinable()) stopper.join();
  std::string left;
  std::string bad;
  if (!o.ok && o.code != ErrorCode::ExecCancelled && (normal.ok || o.code != normal.code))
    bad = "failed with " + std::string(error_code_name(o.code)) + ": " + o.error;
  else if (escaped(w, o, &left) || !w.resources_free(&left))
    bad = left;
  if (bad.empty()) return true;
  if (why) *why = std::string(name) + ", stopped from outside: " + bad;
  return false;
}

// Runs an accepted case (v is its verification) in the checked
// interpreter, the verified interpreter and the verified JIT on the same
// inputs. A difference, a failure of a verified run, or an escape
// (escaped()) is a Bug.
inline Verdict check_engines_accepted(World& w, const Case& c, const VerifyResult& v, const uint8_t* seed,
                                      size_t seed_len, std::string* why) {
  if (!deterministic(c.prog)) return Verdict::Ran;
  Prepared p(w, c);
  if (!claims_prog_arrays(c, p.env)) return Verdict::Rejected;
  auto checked = interp::compile_checked(with_placements(c.prog, v), p.env, c.max_stack);
  auto vinterp = interp::compile(v.program, p.env);
  auto vjit = jit::available() ? jit::compile(v.program, p.env) : interp::compile(v.program, p.env);
  if (!checked || !vinterp || !vjit) {
    if (why) *why = "compile failed";
    return Verdict::Bug;
  }
  Outcome first;
  for (int round = 0; round < 3; ++round) {
    const Inputs inputs(seed, seed_len, round, c.packet_len);
    Outcome ref = p.run(w, c, **checked, inputs, 4'000'000);
    if (round == 0) first = ref;
    std::vector<std::pair<const char*, Executable*>> engines = {{"verified interpreter", vinterp->get()},
                                                                {"verified JIT", vjit->get()}};
    // A socket a map lookup returned is something only the verifier's
    // reference tracking proves, so the checked run stops at the first
    // helper it is passed to (ExecBadCall): there the verified interpreter
    // is the JIT's reference.
    if (!ref.ok && ref.code == ErrorCode::ExecBadCall && uses_sockets(c.prog)) {
      ref = p.run(w, c, **vinterp, inputs, 0);
      engines.erase(engines.begin());
      if (!ref.ok) {
        if (why) *why = "verified interpreter failed where only sockets stopped the checked run: " + ref.error;
        return Verdict::Bug;
      }
    }
    if (!ref.ok) continue;  // check() judges the checked run; only agreement is judged here
    for (auto [name, exe] : engines) {
      const Outcome o = p.run(w, c, *exe, inputs, 0);
      std::string left;
      std::string diff = escaped(w, o, nullptr) ? "escaped"
                         : !w.resources_free(&left) ? left
                                                     : difference(o, ref);
      if (diff.empty()) continue;
      const char* against = engines.size() == 1 ? "the verified interpreter" : "the checked interpreter";
      if (why) *why = std::string(name) + " disagrees with " + against + " (round " + std::to_string(round) +
                      "): " + diff;
      return Verdict::Bug;
    }
  }
  const std::pair<const char*, Executable*> all[] = {
      {"checked interpreter", checked->get()}, {"verified interpreter", vinterp->get()}, {"verified JIT", vjit->get()}};
  for (auto [name, exe] : all)
    if (!check_stopped_run(w, c, p, *exe, first, seed, seed_len, name, why)) return Verdict::Bug;
  return Verdict::Ran;
}

// Verify, then check_engines_accepted.
inline Verdict check_engines(World& w, const Case& c, const uint8_t* seed, size_t seed_len, std::string* why) {
  auto v = verify_in(w, c);
  if (!v) return Verdict::Rejected;
  return check_engines_accepted(w, c, *v, seed, seed_len, why);
}

inline Verdict check_engines(World& w, const Program& prog, const uint8_t* seed, size_t seed_len, std::string* why) {
  return check_engines(w, plain_case(w, prog), seed, seed_len, why);
}

}  // namespace decade::fuzzgen
