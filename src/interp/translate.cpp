// SPDX-License-Identifier: Apache-2.0
// Program -> threaded form: every ISA row maps onto one handler kind with its
// operands pre-resolved (immediates widened, jump targets as pointers, maps,
// helpers and kfuncs looked up). Runs once per compile.
#include <fmt/format.h>

#include "interp/threaded.hpp"
#include "isa/decode.hpp"
#include "isa/semantics.hpp"
#include "runtime/maps/arena.hpp"

namespace decade::interp::detail {
namespace {

constexpr Kind offset(Kind base, unsigned n) { return static_cast<Kind>(static_cast<unsigned>(base) + n); }

// ALU and JMP kinds come in groups of four: 64 imm, 64 reg, 32 imm, 32 reg.
Kind by_form(Kind base64imm, const Insn& in) {
  const bool reg = in.info().shape == Shape::AluReg || in.info().shape == Shape::JmpReg;
  return offset(base64imm, (in.info().width == 32 ? 2u : 0u) + (reg ? 1u : 0u));
}

// Memory kinds come in width order 8, 16, 32, 64.
Kind by_width(Kind base8, const Insn& in) {
  switch (in.info().width) {
    case 8: return base8;
    case 16: return offset(base8, 1);
    case 32: return offset(base8, 2);
    default: return offset(base8, 3);
  }
}

constexpr unsigned sem_index(Sem s, Sem first) { return static_cast<unsigned>(s) - static_cast<unsigned>(first); }

// The handler groups follow the Sem order: Add..Arsh, Jeq..Jsle and the
// read-modify-write atomics (checked below).
Kind alu_kind(Sem s) {
  if (sem_between(s, Sem::Jeq, Sem::Jsle)) return offset(Kind::JEQ64_IMM, 4 * sem_index(s, Sem::Jeq));
  return offset(Kind::ADD64_IMM, 4 * sem_index(s, Sem::Add));
}
static_assert(sem_index(Sem::Arsh, Sem::Add) == 13 && offset(Kind::ADD64_IMM, 4 * 13) == Kind::ARSH64_IMM);
static_assert(sem_index(Sem::Mov, Sem::Add) == 12 && offset(Kind::ADD64_IMM, 4 * 12) == Kind::MOV64_IMM);
static_assert(sem_index(Sem::Jsle, Sem::Jeq) == 10 && offset(Kind::JEQ64_IMM, 4 * 10) == Kind::JSLE64_IMM);
static_assert(offset(Kind::JEQ64_IMM, 4 * sem_index(Sem::Jlt, Sem::Jeq)) == Kind::JLT64_IMM);

Kind atomic_kind(Sem s, unsigned width) {
  return offset(Kind::AADD32, (width == 64 ? 10 : 0) + sem_index(s, Sem::AtomicAdd));
}
static_assert(sem_index(Sem::AtomicCmpxchg, Sem::AtomicAdd) == 9 && offset(Kind::AADD32, 9) == Kind::ACMPXCHG32);
static_assert(offset(Kind::AADD32, sem_index(Sem::AtomicFetchXor, Sem::AtomicAdd)) == Kind::AFXOR32);
static_assert(offset(Kind::AADD32, 19) == Kind::ACMPXCHG64);
static_assert(offset(Kind::JEQ64_IMM, 3) == Kind::JEQ32_REG);
static_assert(offset(Kind::LDX8, 3) == Kind::LDX64);

struct Translator {
  TProgram& tp;
  Program& prog;
  bool checked;

  // Code index of a slot target, or -1.
  int32_t index_of(int32_t slot) const {
    if (slot < 0 || static_cast<size_t>(slot) >= prog.slot_index.size()) return -1;
    return prog.slot_index[static_cast<size_t>(slot)];
  }

  Status ld_imm64(const Insn& in, TInsn& t) {
    const Sem s = in.info().sem;
    if (s == Sem::LdImm64) {
      t.k = in.imm64;
      return ok();
    }
    if (s == Sem::LdBtfId) {
      t.kind = Kind::UNSUPPORTED;  // kernel variables (ksyms) do not exist in user space
      return ok();
    }
    if (s == Sem::LdFunc) return ok();  // resolved with the targets
    const auto idx = static_cast<uint32_t>(in.imm);
    if (prog.raw_map_fd(in))
      return make_error(ErrorCode::MapNotFound, fmt::format("map fd {}: an object's maps are named by relocation", idx), in.pc);
    if (idx >= tp.env.maps.size() || !tp.env.maps[idx])
      return make_error(ErrorCode::MapNotFound, fmt::format("map index {} is not among the program's {} maps", idx,
                                                            tp.env.maps.size()), in.pc);
    Map* m = tp.env.maps[idx];
    if (s == Sem::LdMapFd || s == Sem::LdMapIdx) {
      t.k = reinterpret_cast<uint64_t>(m);
      return ok();
    }
    uint8_t* base = m->direct_value_base();
    if (!base)
      return make_error(ErrorCode::MapBadType, fmt::format("map {} has no direct value access", m->def().name), in.pc);
    t.k = reinterpret_cast<uint64_t>(base) + static_cast<uint64_t>(static_cast<int64_t>(in.imm2));
    return ok();
  }

  void call(const Insn& in, TInsn& t) {
    const Sem s = in.info().sem;
    const FuncProto* p = nullptr;
    if (s == Sem::Call) {
      if (in.imm == 12) {
        t.kind = Kind::TAIL_CALL;
        return;
      }
      p = tp.env.platform ? tp.env.platform->helper(static_cast<uint32_t>(in.imm)) : nullptr;
      t.kind = Kind::CALL_HELPER;
    } else {
      const auto idx = static_cast<uint32_t>(in.imm);
      p = idx < tp.env.kfuncs.size() ? tp.env.kfuncs[idx] : nullptr;
      t.kind = Kind::CALL_KFUNC;
    }
    if (!p || !p->fn) t.kind = Kind::BAD_CALL;
    t.k = reinterpret_cast<uint64_t>(p);
  }

  Status one(const Insn& in, TInsn& t) {
    const OpInfo& oi = in.info();
    t.dst = t.rd = in.dst;
    t.src = t.rs = in.src;
    t.off = in.off;
    t.pc = in.pc;
    const bool imm32 = oi.width == 32 && (oi.shape == Shape::AluImm || oi.shape == Shape::JmpImm);
    t.k = imm32 ? static_cast<uint32_t>(in.imm) : sem::imm64(in.imm);
    if (writes_frame_pointer(in)) {
      // Dead code of a verified program (the verifier refuses the reachable
      // ones); in checked execution a fault when reached.
      t.kind = Kind::UNSUPPORTED;
      return ok();
    }
    switch (oi.sem) {
      case Sem::Add: case Sem::Sub: case Sem::Mul: case Sem::Div: case Sem::SDiv: case Sem::Or:
      case Sem::And: case Sem::Lsh: case Sem::Rsh: case Sem::Mod: case Sem::SMod: case Sem::Xor:
      case Sem::Mov: case Sem::Arsh:
      case Sem::Jeq: case Sem::Jgt: case Sem::Jge: case Sem::Jset: case Sem::Jne: case Sem::Jsgt:
      case Sem::Jsge: case Sem::Jlt: case Sem::Jle: case Sem::Jslt: case Sem::Jsle:
        t.kind = by_form(alu_kind(oi.sem), in);
        return ok();
      case Sem::Neg: t.kind = oi.width == 32 ? Kind::NEG32 : Kind::NEG64; return ok();
      case Sem::MovSx:
        t.kind = oi.width == 32 ? Kind::MOVSX32 : Kind::MOVSX64;
        t.k = static_cast<uint16_t>(in.off);
        return ok();
      case Sem::AddrSpaceCast:
        if (in.imm == sem::kCastHostToArena) {
          t.kind = Kind::CAST_TO_KERN;
        } else if (in.imm == sem::kCastArenaToHost && tp.arena_base) {
          t.kind = Kind::CAST_TO_USER;
          t.k = tp.arena_base;
        } else {
          t.kind = Kind::UNSUPPORTED;  // no arena among the program's maps
        }
        return ok();
      case Sem::Popcnt: t.kind = oi.width == 32 ? Kind::POPCNT32 : Kind::POPCNT64; return ok();
      case Sem::Clz: t.kind = oi.width == 32 ? Kind::CLZ32 : Kind::CLZ64; return ok();
      case Sem::Ctz: t.kind = oi.width == 32 ? Kind::CTZ32 : Kind::CTZ64; return ok();
      case Sem::Rol: t.kind = by_form(Kind::ROL64_IMM, in); return ok();
      case Sem::Ror: t.kind = by_form(Kind::ROR64_IMM, in); return ok();
      case Sem::Le: t.kind = Kind::LE; t.k = static_cast<uint32_t>(in.imm); return ok();
      case Sem::Be: case Sem::Bswap: t.kind = Kind::BE; t.k = static_cast<uint32_t>(in.imm); return ok();
      case Sem::Ldx: t.kind = by_width(Kind::LDX8, in); return ok();
      case Sem::LdxSx: t.kind = by_width(Kind::LDXS8, in); return ok();
      case Sem::St: t.kind = by_width(Kind::ST8, in); return ok();
      case Sem::Stx: t.kind = by_width(Kind::STX8, in); return ok();
      case Sem::LdxArg: case Sem::StArg: case Sem::StxArg:
        // The r11 field is the row's, not a register; off becomes the slot.
        t.kind = oi.sem == Sem::LdxArg ? Kind::LDX_ARG : oi.sem == Sem::StArg ? Kind::ST_ARG : Kind::STX_ARG;
        if (oi.sem == Sem::LdxArg) t.src = t.rs = 0;
        else t.dst = t.rd = 0;
        t.off = static_cast<int32_t>(stack_arg_slot(in.off));
        return ok();
      case Sem::Alloca:
        // imm holds the verifier's placement (interp.cpp; in checked code
        // only where a host put it there, as the verifier fuzzer's oracle
        // does). A decoded alloca has 0, and an alloca no path reached -1:
        // both fault when reached.
        t.kind = in.imm > 0 ? Kind::ALLOCA : Kind::UNSUPPORTED;
        t.k = static_cast<uint64_t>(in.imm);
        return ok();
      case Sem::LdImm64: case Sem::LdMapFd: case Sem::LdMapValue: case Sem::LdBtfId: case Sem::LdFunc:
      case Sem::LdMapIdx: case Sem::LdMapIdxValue:
        t.kind = Kind::LD_CONST;
        return ld_imm64(in, t);
      case Sem::LdAbs: case Sem::LdInd:
        t.kind = Kind::LD_PKT;
        t.k = oi.width / 8;
        t.off = in.imm;
        if (oi.sem == Sem::LdInd) t.flags |= kLdInd;
        return ok();
      case Sem::AtomicAdd: case Sem::AtomicFetchAdd: case Sem::AtomicOr: case Sem::AtomicFetchOr:
      case Sem::AtomicAnd: case Sem::AtomicFetchAnd: case Sem::AtomicXor: case Sem::AtomicFetchXor:
      case Sem::AtomicXchg: case Sem::AtomicCmpxchg:
        t.kind = atomic_kind(oi.sem, oi.width);
        return ok();
      case Sem::LoadAcquire: t.kind = by_width(Kind::LDACQ8, in); return ok();
      case Sem::StoreRelease: t.kind = by_width(Kind::STREL8, in); return ok();
      case Sem::Ja: t.kind = Kind::JA; return ok();
      case Sem::GotoX: t.kind = Kind::GOTOX; return ok();
      case Sem::MayGoto: t.kind = Kind::MAY_GOTO; return ok();
      case Sem::Call: case Sem::CallKfunc: call(in, t); return ok();
      case Sem::CallLocal: t.kind = Kind::CALL_LOCAL; return ok();
      case Sem::CallX: t.kind = Kind::CALLX; return ok();
      case Sem::Exit: t.kind = Kind::EXIT; return ok();
    }
    return make_error(ErrorCode::Internal, "unhandled instruction row", in.pc);
  }

  // Jump and call targets become pointers into tp.code; LdFunc's value is
  // the target's address (what callx and callbacks accept).
  Status targets(const Insn& in, TInsn& t) {
    if (!has_target(in.op)) return ok();
    const int32_t idx = index_of(in.target);
    if (idx < 0) {
      if (!checked) return make_error(ErrorCode::DecodeJumpOutOfRange, "target outside the program", in.pc);
      t.kind = Kind::BAD_JUMP;
      return ok();
    }
    t.t = &tp.code[static_cast<size_t>(idx)];
    if (in.info().sem == Sem::LdFunc) t.k = reinterpret_cast<uint64_t>(t.t);
    return ok();
  }
};

// The instruction whose taken branch code[i]'s handler runs: itself, or for
// a superinstruction that ends in a branch (the only ones with a twin), its
// last part: the next instruction when that is the branch (a pair), else
// the one after (a triple's middle part is never a branch).
const TInsn& branch_of(const std::vector<TInsn>& code, size_t i) {
  if (!is_fused(code[i].kind)) return code[i];
  const Kind next = plain_kind(code[i + 1].kind);  // parts may have taken variant kinds
  return next >= Kind::JEQ64_IMM && next <= Kind::JSLE32_REG ? code[i + 1] : code[i + 2];
}

// Every instruction gets its plain handler, which reads no stop word. Every
// jump whose target is not after it (a loop's back-edge) and every gotox (a
// table may jump backwards) is recorded with its kind's backward twin, which
// reads it; a stop swaps the twins in while the stopped run executes the
// code (hold_checks in run.cpp). Runs last: forward(), fuse() and
// use_variants() choose the kinds.
void assign_handlers(TProgram& tp, const Handlers& h) {
  std::vector<TInsn>& code = tp.code;
  std::vector<const void*> back(kKindCount, nullptr);
  for (size_t i = 0; i < h.back_count; ++i) back[static_cast<size_t>(h.back[i].kind)] = h.back[i].label;
  for (size_t i = 0; i < code.size(); ++i) {
    TInsn& t = code[i];
    t.h = h.labels[static_cast<size_t>(t.kind)];
    const void* twin = back[static_cast<size_t>(t.kind)];
    if (!twin) continue;
    const TInsn& br = branch_of(code, i);
    if (t.kind == Kind::GOTOX || br.t <= &br) tp.back_edges.push_back({static_cast<uint32_t>(i), t.h, twin});
  }
}

// A hand-built Program (compile_checked takes any) must still be consistent.
bool slot_ok(const Program& prog, const Insn& in, size_t i) {
  return in.pc < prog.slot_index.size() && prog.slot_index[in.pc] == static_cast<int32_t>(i);
}

uint64_t find_arena(const ProgramEnv& env) {
  for (Map* m : env.maps)
    if (ArenaMap* a = as_arena(m)) return a->user_vm_start();
  return 0;
}

}  // namespace

Result<std::unique_ptr<TProgram>> translate(Program prog, ProgramEnv env, bool checked,
                                            const std::vector<bool>& safe) {
  auto tp = std::make_unique<TProgram>();
  tp->env = std::move(env);
  tp->checked = checked;
  tp->arena_base = find_arena(tp->env);
  tp->code.resize(prog.insns.size() + 1);  // never resized again: targets point into it
  Handlers handlers;
  if (checked)
    exec<true>(nullptr, nullptr, nullptr, nullptr, &handlers);
  else
    exec<false>(nullptr, nullptr, nullptr, nullptr, &handlers);
  Translator tr{*tp, prog, checked};
  for (size_t i = 0; i < prog.insns.size(); ++i) {
    const Insn& in = prog.insns[i];
    TInsn& t = tp->code[i];
    const bool arg_field = in.info().group == Group::stackargs;  // r11 in the row's fixed field
    if ((in.dst >= kNumRegs && !(arg_field && in.dst == kArgRegister)) ||
        (in.src >= kNumRegs && !(arg_field && in.src == kArgRegister)))
      return make_error(ErrorCode::DecodeBadRegister, fmt::format("register r{} does not exist", std::max(in.dst, in.src)),
                        in.pc);
    if (slot_ok(prog, in, i)) {
      if (auto s = tr.one(in, t); !s) return std::unexpected(s.error());
      if (auto s = tr.targets(in, t); !s) return std::unexpected(s.error());
    } else {
      if (!checked) return make_error(ErrorCode::Internal, "instruction index does not match its slot", in.pc);
      t.pc = in.pc;
      t.kind = Kind::BAD_JUMP;
    }
    const bool mem = t.kind >= Kind::LDX8 && t.kind <= Kind::STREL64 && t.kind != Kind::LD_CONST;
    if (mem && (checked || i >= safe.size() || !safe[i])) t.flags |= kCheckMem;
  }
  TInsn& end = tp->code.back();
  end.kind = Kind::BAD_JUMP;  // falling off the end of the program
  end.pc = prog.slot_count;
  if (!checked) forward(*tp);  // before fuse(): it reads the plain kinds
  if (!checked) fuse(*tp);  // checked runs count every instruction against the budget
  if (!checked) use_variants(*tp);
  assign_handlers(*tp, handlers);
  tp->slot_to_index = prog.slot_index;
  tp->prog = std::move(prog);
  return tp;
}

}  // namespace decade::interp::detail
