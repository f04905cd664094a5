// SPDX-License-Identifier: Apache-2.0
// The threaded interpreter loop: one label per handler kind (handlers.def),
// each ending in an indirect jump to the next instruction's handler
// (`goto *ins->h`, the GCC/Clang labels-as-values extension). Registers are
// locals; semantics come from isa/semantics.hpp. Instantiated twice: checked
// (budget and bounds on every access) and verified (bounds only where the
// verifier did not prove them).
#include <cstring>

#include "interp/threaded.hpp"
#include "isa/semantics.hpp"
#include "runtime/maps/arena.hpp"

namespace decade::interp::detail {

// clang-format off
#define DISPATCH                                                         \
  do {                                                                   \
    if constexpr (Checked) {                                             \
      if (budget == 0) goto out_of_budget;                               \
      --budget;                                                          \
    }                                                                    \
    goto *ins->h;                                                        \
  } while (0)
#define NEXT do { ++ins; DISPATCH; } while (0)
#define JUMP do { ins = ins->t; DISPATCH; } while (0)
#define D R[ins->dst]
#define S R[ins->src]
#define OFF static_cast<uint64_t>(static_cast<int64_t>(ins->off))

#define CHECK_MEM(ADDR, SIZE, WRITE)                                     \
  if (Checked || (ins->flags & kCheckMem)) {                             \
    if (!mem_ok(st, ADDR, SIZE, WRITE)) {                                \
      fault_addr = ADDR; fault_size = SIZE; fault_write = WRITE;         \
      goto bad_mem;                                                      \
    }                                                                    \
  }
#define CHECK_ALIGN(ADDR, SIZE) if ((ADDR) % (SIZE)) { fault_addr = ADDR; fault_size = SIZE; goto misaligned; }

#define ALU(OP, E64, E32)                                                                                 \
  L_##OP##64_IMM: { [[maybe_unused]] const uint64_t a = D; const uint64_t b = ins->k; D = (E64); NEXT; }  \
  L_##OP##64_REG: { [[maybe_unused]] const uint64_t a = D; const uint64_t b = S; D = (E64); NEXT; }       \
  L_##OP##32_IMM: { [[maybe_unused]] const uint32_t a = static_cast<uint32_t>(D);                        \
                    const uint32_t b = static_cast<uint32_t>(ins->k); D = static_cast<uint32_t>(E32); NEXT; } \
  L_##OP##32_REG: { [[maybe_unused]] const uint32_t a = static_cast<uint32_t>(D);                        \
                    const uint32_t b = static_cast<uint32_t>(S); D = static_cast<uint32_t>(E32); NEXT; }

#define JMP(C, F64, F32)                                                                                  \
  L_J##C##64_IMM: if (F64(D, ins->k)) JUMP; NEXT;                                                        \
  L_J##C##64_REG: if (F64(D, S)) JUMP; NEXT;                                                             \
  L_J##C##32_IMM: if (F32(static_cast<uint32_t>(D), static_cast<uint32_t>(ins->k))) JUMP; NEXT;          \
  L_J##C##32_REG: if (F32(static_cast<uint32_t>(D), static_cast<uint32_t>(S))) JUMP; NEXT;

#define LOAD(NAME, T, EXT)                                                                                \
  L_##NAME: { const uint64_t a = S + OFF; CHECK_MEM(a, sizeof(T), false);                                \
              T v; std::memcpy(&v, reinterpret_cast<const void*>(a), sizeof v); D = EXT(v); NEXT; }
#define STORE(NAME, T, VAL)                                                                               \
  L_##NAME: { const uint64_t a = D + OFF; CHECK_MEM(a, sizeof(T), true);                                 \
              const T v = static_cast<T>(VAL); std::memcpy(reinterpret_cast<void*>(a), &v, sizeof v); NEXT; }

// Read-modify-write atomics: address dst + off, operand src.
#define ATOMIC_PTR(T)                                                                                     \
  const uint64_t a = D + OFF; CHECK_MEM(a, sizeof(T), true); CHECK_ALIGN(a, sizeof(T));                  \
  T* p = reinterpret_cast<T*>(a)
#define ATOMIC(W, T)                                                                                      \
  L_AADD##W: { ATOMIC_PTR(T); __atomic_fetch_add(p, static_cast<T>(S), __ATOMIC_SEQ_CST); NEXT; }        \
  L_AFADD##W: { ATOMIC_PTR(T); S = __atomic_fetch_add(p, static_cast<T>(S), __ATOMIC_SEQ_CST); NEXT; }   \
  L_AOR##W: { ATOMIC_PTR(T); __atomic_fetch_or(p, static_cast<T>(S), __ATOMIC_SEQ_CST); NEXT; }          \
  L_AFOR##W: { ATOMIC_PTR(T); S = __atomic_fetch_or(p, static_cast<T>(S), __ATOMIC_SEQ_CST); NEXT; }     \
  L_AAND##W: { ATOMIC_PTR(T); __atomic_fetch_and(p, static_cast<T>(S), __ATOMIC_SEQ_CST); NEXT; }        \
  L_AFAND##W: { ATOMIC_PTR(T); S = __atomic_fetch_and(p, static_cast<T>(S), __ATOMIC_SEQ_CST); NEXT; }   \
  L_AXOR##W: { ATOMIC_PTR(T); __atomic_fetch_xor(p, static_cast<T>(S), __ATOMIC_SEQ_CST); NEXT; }        \
  L_AFXOR##W: { ATOMIC_PTR(T); S = __atomic_fetch_xor(p, static_cast<T>(S), __ATOMIC_SEQ_CST); NEXT; }   \
  L_AXCHG##W: { ATOMIC_PTR(T); S = __atomic_exchange_n(p, static_cast<T>(S), __ATOMIC_SEQ_CST); NEXT; }  \
  L_ACMPXCHG##W: { ATOMIC_PTR(T); T expected = static_cast<T>(R[0]);                                     \
                   __atomic_compare_exchange_n(p, &expected, static_cast<T>(S), false, __ATOMIC_SEQ_CST,  \
                                               __ATOMIC_SEQ_CST);                                         \
                   R[0] = expected; NEXT; }
#define LOAD_ACQ(W, T)                                                                                    \
  L_LDACQ##W: { const uint64_t a = S + OFF; CHECK_MEM(a, sizeof(T), false); CHECK_ALIGN(a, sizeof(T));   \
                D = __atomic_load_n(reinterpret_cast<const T*>(a), __ATOMIC_ACQUIRE); NEXT; }
#define STORE_REL(W, T)                                                                                   \
  L_STREL##W: { const uint64_t a = D + OFF; CHECK_MEM(a, sizeof(T), true); CHECK_ALIGN(a, sizeof(T));    \
                __atomic_store_n(reinterpret_cast<T*>(a), static_cast<T>(S), __ATOMIC_RELEASE); NEXT; }
// clang-format on

namespace {
constexpr uint64_t id(uint64_t v) { return v; }
constexpr uint64_t sx8(int8_t v) { return static_cast<uint64_t>(int64_t{v}); }
constexpr uint64_t sx16(int16_t v) { return static_cast<uint64_t>(int64_t{v}); }
constexpr uint64_t sx32(int32_t v) { return static_cast<uint64_t>(int64_t{v}); }
}  // namespace

template <bool Checked>
bool exec(RunState* stp, const TInsn* start, const uint64_t* args, uint64_t* r0, const void* const** labels) {
  static const void* const kLabels[] = {
#define K(NAME) &&L_##NAME,
#include "interp/handlers.def"
#undef K
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == kKindCount);
  if (!stp) {
    *labels = kLabels;
    return true;
  }
  RunState& st = *stp;
  const uint32_t base = st.depth;
  uint64_t R[kNumRegs] = {0, args[0], args[1], args[2], args[3], args[4], 0, 0, 0, 0, st.frame_pointer(base - 1)};
  uint64_t budget = st.budget;
  uint64_t may_goto = sem::kLoopBudget;
  uint64_t fault_addr = 0, fault_size = 0;
  bool fault_write = false;
  const FuncProto* proto = nullptr;
  const TInsn* callee = nullptr;
  const TInsn* ins = start;
  if (!Checked && !ins) goto out_of_budget;  // keeps the label used in the verified instantiation
  DISPATCH;

  ALU(ADD, a + b, a + b)
  ALU(SUB, a - b, a - b)
  ALU(MUL, a * b, a * b)
  ALU(DIV, sem::udiv64(a, b), sem::udiv32(a, b))
  ALU(SDIV, sem::sdiv64(a, b), sem::sdiv32(a, b))
  ALU(OR, a | b, a | b)
  ALU(AND, a & b, a & b)
  ALU(LSH, sem::lsh64(a, b), sem::lsh32(a, b))
  ALU(RSH, sem::rsh64(a, b), sem::rsh32(a, b))
  ALU(MOD, sem::umod64(a, b), sem::umod32(a, b))
  ALU(SMOD, sem::smod64(a, b), sem::smod32(a, b))
  ALU(XOR, a ^ b, a ^ b)
  ALU(MOV, b, b)
  ALU(ARSH, sem::arsh64(a, b), sem::arsh32(a, b))
L_NEG64:
  D = 0 - D;
  NEXT;
L_NEG32:
  D = static_cast<uint32_t>(0u - static_cast<uint32_t>(D));
  NEXT;
L_MOVSX64:
  D = sem::sext(S, static_cast<unsigned>(ins->k));
  NEXT;
L_MOVSX32:
  D = sem::zext32(sem::sext(S, static_cast<unsigned>(ins->k)));
  NEXT;
L_LE:
  D = sem::to_le(D, static_cast<unsigned>(ins->k));
  NEXT;
L_BE:
  D = sem::to_be(D, static_cast<unsigned>(ins->k));
  NEXT;
L_CAST_TO_USER:
  D = arena_cast_to_user(ins->k, S);
  NEXT;
L_CAST_TO_KERN:
  D = arena_cast_to_kern(S);
  NEXT;

  LOAD(LDX8, uint8_t, id)
  LOAD(LDX16, uint16_t, id)
  LOAD(LDX32, uint32_t, id)
  LOAD(LDX64, uint64_t, id)
  LOAD(LDXS8, int8_t, sx8)
  LOAD(LDXS16, int16_t, sx16)
  LOAD(LDXS32, int32_t, sx32)
  STORE(ST8, uint8_t, ins->k)
  STORE(ST16, uint16_t, ins->k)
  STORE(ST32, uint32_t, ins->k)
  STORE(ST64, uint64_t, ins->k)
  STORE(STX8, uint8_t, S)
  STORE(STX16, uint16_t, S)
  STORE(STX32, uint32_t, S)
  STORE(STX64, uint64_t, S)
L_LD_CONST:
  D = ins->k;
  NEXT;
  ATOMIC(32, uint32_t)
  ATOMIC(64, uint64_t)
  LOAD_ACQ(8, uint8_t)
  LOAD_ACQ(16, uint16_t)
  LOAD_ACQ(32, uint32_t)
  LOAD_ACQ(64, uint64_t)
  STORE_REL(8, uint8_t)
  STORE_REL(16, uint16_t)
  STORE_REL(32, uint32_t)
  STORE_REL(64, uint64_t)

  JMP(EQ, sem::cond_eq, sem::cond_eq)
  JMP(GT, sem::cond_gt, sem::cond_gt)
  JMP(GE, sem::cond_ge, sem::cond_ge)
  JMP(SET, sem::cond_set, sem::cond_set)
  JMP(NE, !sem::cond_eq, !sem::cond_eq)
  JMP(SGT, sem::cond_sgt64, sem::cond_sgt32)
  JMP(SGE, sem::cond_sge64, sem::cond_sge32)
  JMP(LT, sem::cond_lt, sem::cond_lt)
  JMP(LE, sem::cond_le, sem::cond_le)
  JMP(SLT, sem::cond_slt64, sem::cond_slt32)
  JMP(SLE, sem::cond_sle64, sem::cond_sle32)
L_JA:
  JUMP;
L_GOTOX: {
  const uint64_t slot = D;
  const auto& map = st.prog->slot_to_index;
  if (slot >= map.size() || map[slot] < 0) {
    fail(st, ErrorCode::ExecBadJump, ins, "gotox: r" + std::to_string(ins->dst) + " = " + std::to_string(slot) +
                                              " is not an instruction of the program");
    goto failed;
  }
  ins = &st.prog->code[static_cast<size_t>(map[slot])];
  DISPATCH;
}
L_MAY_GOTO:
  if (may_goto == 0) JUMP;
  --may_goto;
  NEXT;

L_CALL_HELPER:
L_CALL_KFUNC:
  proto = reinterpret_cast<const FuncProto*>(ins->k);
call_proto:
  if constexpr (Checked) {
    const CallCheck c = check_call_args(st, *proto, R, ins);
    if (c == CallCheck::Fail) goto failed;
    if (c == CallCheck::Done) NEXT;
  }
  st.budget = budget;
  R[0] = proto->fn(R[1], R[2], R[3], R[4], R[5]);
  budget = st.budget;
  if (st.rc->fault) {
    adopt_fault(st, ins);
    goto failed;
  }
  NEXT;
L_TAIL_CALL: {
  bool taken = false;
  st.budget = budget;
  const auto res = tail_call(st, R, ins, &taken);
  budget = st.budget;
  if (st.error) goto failed;
  if (!taken) {
    R[0] = static_cast<uint64_t>(-2);  // -ENOENT; execution continues like the kernel's
    NEXT;
  }
  R[0] = *res;  // the target's exit is this frame's exit
  goto L_EXIT;
}
L_CALL_LOCAL:
  callee = ins->t;
call_local:
  if (st.depth >= kMaxFrames) {
    fail(st, ErrorCode::ExecCallDepth, ins, "more than 8 nested call frames");
    goto failed;
  }
  {
    Frame& f = st.frames[st.depth];
    f.ret = ins + 1;
    f.saved[0] = R[6], f.saved[1] = R[7], f.saved[2] = R[8], f.saved[3] = R[9];
    f.may_goto = may_goto;
    ++st.depth;
    may_goto = sem::kLoopBudget;
    R[10] = st.frame_pointer(st.depth - 1);
    ins = callee;
    DISPATCH;
  }
L_CALLX: {
  const uint64_t v = D;
  if (v < kMaxHelperId) {  // a helper id, as the conformance suite's callx expects
    proto = st.prog->env.platform ? st.prog->env.platform->helper(static_cast<uint32_t>(v)) : nullptr;
    if (proto && proto->fn && v != 12) goto call_proto;
  } else if ((callee = code_target(st, v))) {
    goto call_local;
  }
  fail(st, ErrorCode::ExecBadCall, ins, "callx: r" + std::to_string(ins->dst) + " = " + std::to_string(v) +
                                            " is neither a helper id nor a function of the program");
  goto failed;
}
L_EXIT:
  if (st.depth == base) {
    *r0 = R[0];
    st.budget = budget;
    return true;
  }
  {
    --st.depth;
    const Frame& f = st.frames[st.depth];
    R[6] = f.saved[0], R[7] = f.saved[1], R[8] = f.saved[2], R[9] = f.saved[3];
    may_goto = f.may_goto;
    R[10] = st.frame_pointer(st.depth - 1);
    ins = f.ret;
    DISPATCH;
  }

#include "interp/fused_handlers.inc"

L_BAD_CALL:
  fail(st, ErrorCode::ExecBadCall, ins, insn_name(st, ins) + ": no such helper or kfunc");
  goto failed;
L_BAD_JUMP:
  fail(st, ErrorCode::ExecBadJump, ins, "execution left the program");
  goto failed;
L_UNSUPPORTED:
  fail(st, ErrorCode::ExecUnsupported, ins, insn_name(st, ins) + " is not supported by the interpreter here");
  goto failed;
out_of_budget:
  fail(st, ErrorCode::ExecBudgetExhausted, ins, "instruction budget exhausted");
  goto failed;
bad_mem:
  fail(st, ErrorCode::ExecOutOfBounds, ins,
       describe_access(fault_addr, fault_size, fault_write));
  goto failed;
misaligned:
  fail(st, ErrorCode::ExecMisaligned, ins, describe_access(fault_addr, fault_size, true) + " is not aligned");
  goto failed;
failed:
  st.budget = budget;
  return false;
}

template bool exec<true>(RunState*, const TInsn*, const uint64_t*, uint64_t*, const void* const**);
template bool exec<false>(RunState*, const TInsn*, const uint64_t*, uint64_t*, const void* const**);

}  // namespace decade::interp::detail
