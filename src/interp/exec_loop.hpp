// SPDX-License-Identifier: Apache-2.0
// The threaded interpreter loop's handler macros: one label per handler kind
// (handlers.def), each ending in an indirect jump to the next instruction's
// handler (`goto *ins->h`, the GCC/Clang labels-as-values extension).
// Registers are locals; semantics come from isa/semantics.hpp. The loop
// (exec_body.inc) is compiled once per mode, each in its own translation
// unit so that neither compile holds both: exec_checked.cpp (budget and
// bounds on every access) and exec_verified.cpp (bounds only where the
// verifier did not prove them; forwarded variants and superinstructions).
// Included only by those two.
#pragma once

#include <cstring>

#include "interp/threaded.hpp"
#include "isa/semantics.hpp"
#include "runtime/ld_packet.hpp"
#include "runtime/maps/arena.hpp"

namespace decade::interp::detail {

// clang-format off
#define DISPATCH                                                         \
  do {                                                                   \
    if constexpr (Checked) {                                             \
      if (budget == 0) goto out_of_budget;                               \
      --budget;                                                          \
    }                                                                    \
    goto *__atomic_load_n(&ins->h, __ATOMIC_RELAXED);                    \
  } while (0)
#define NEXT do { ++ins; DISPATCH; } while (0)
// The handler address is read with a relaxed atomic load (the same mov on
// x86-64 and arm64): a stop swaps handlers of code other threads may be
// running (hold_checks in run.cpp).
// Only a backward jump (or gotox) closes a loop, so only they may read the
// run's stop word, and only while a stop is pending for a run of the code:
// the translator gives every instruction its plain handler, which tests
// nothing, and records for each back-edge the twin of its handler, NAME_BK,
// whose taken branch runs JUMP_BK (translate.cpp, assign_handlers). A stop
// swaps the twins into the code the stopped run executes until that run
// ends (run.cpp, hold_checks). may_goto, whose taken branch is rare, tests
// the word there with STOP_CHECK itself. DECADE_NO_STOP_CHECKS (the
// benchmark-only build option DECADE_BENCH_NO_STOP_CHECKS) leaves the test
// out and records no back-edges, to measure what run control costs.
#if defined(DECADE_NO_STOP_CHECKS)
#define STOP_CHECK(COND) do { if (false) goto stopped; } while (0)
#else
#define STOP_CHECK(COND) do { if ((COND) && st.stop.load(std::memory_order_relaxed) && stop_now(st)) goto stopped; } while (0)
#endif
#define JUMP do { ins = ins->t; DISPATCH; } while (0)
// Every twin's taken branch shares one block (exec_body.inc, back_edge):
// the twins then differ from the plain handlers by their branch target
// only, so the check's code does not weigh on how the compiler allocates
// registers in the handlers that run until a stop.
#define JUMP_BK goto back_edge
// The conditions of the conditional jumps, in Kind order.
#define DECADE_JMP_CONDS(X) X(EQ) X(GT) X(GE) X(SET) X(NE) X(SGT) X(SGE) X(LT) X(LE) X(SLT) X(SLE)
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

// Forwarding (forward.cpp): every kind that writes its destination does so
// through SET_D, which also leaves the value in `last` (a local the
// compiler keeps in a machine register). The plain handlers read operands
// from the register array (D, S); their variants NAME_FD / NAME_FS
// (forward.def) read dst / src from `last` instead. The superinstructions'
// parts choose per instruction by its flags (FD, FS), with a branch: a
// conditional move was slower, as the unforwarded path's load then joins
// the forwarded path's chain. A forwarded operand's index is the sink slot
// (rd, rs), which no store touches. FWDV(...) keeps its argument only in
// the verified loop, the one place variants run.
#define FWD(FLAG, IDX) (Checked ? R[IDX] : ((ins->flags & (FLAG)) ? last : R[IDX]))
#define FD FWD(kFwdD, ins->rd)
#define FS FWD(kFwdS, ins->rs)
#define SET_D(V) do { const uint64_t v_ = (V); R[ins->dst] = v_; last = v_; } while (0)

// One ALU operation: imm and reg forms, 64 and 32 bits, reading dst as A and src as B.
#define ALU_IMM(OP, V, A, E64, E32)                                                                        \
  L_##OP##64_IMM##V: { [[maybe_unused]] const uint64_t a = A; const uint64_t b = ins->k; SET_D(E64); NEXT; } \
  L_##OP##32_IMM##V: { [[maybe_unused]] const uint32_t a = static_cast<uint32_t>(A);                       \
                       const uint32_t b = static_cast<uint32_t>(ins->k); SET_D(static_cast<uint32_t>(E32)); NEXT; }
#define ALU_REG(OP, V, A, B, E64, E32)                                                                     \
  L_##OP##64_REG##V: { [[maybe_unused]] const uint64_t a = A; const uint64_t b = B; SET_D(E64); NEXT; }    \
  L_##OP##32_REG##V: { [[maybe_unused]] const uint32_t a = static_cast<uint32_t>(A);                       \
                       const uint32_t b = static_cast<uint32_t>(B); SET_D(static_cast<uint32_t>(E32)); NEXT; }
#define ALU(OP, E64, E32)                                                                                  \
  ALU_IMM(OP, , D, E64, E32) ALU_REG(OP, , D, S, E64, E32)                                                 \
  FWDV(ALU_IMM(OP, _FD, last, E64, E32) ALU_REG(OP, _FD, last, S, E64, E32) ALU_REG(OP, _FS, D, last, E64, E32))
#define ALU_MOV                                                                                            \
  ALU_IMM(MOV, , D, b, b) ALU_REG(MOV, , D, S, b, b) FWDV(ALU_REG(MOV, _FS, D, last, b, b))

// B is empty for the plain handler and _BK for its backward twin.
#define JMP_IMM(C, V, A, F64, F32, B)                                                                      \
  L_J##C##64_IMM##V##B: if (F64(A, ins->k)) JUMP##B; NEXT;                                                \
  L_J##C##32_IMM##V##B: if (F32(static_cast<uint32_t>(A), static_cast<uint32_t>(ins->k))) JUMP##B; NEXT;
#define JMP_REG(C, V, A, B_, F64, F32, B)                                                                  \
  L_J##C##64_REG##V##B: if (F64(A, B_)) JUMP##B; NEXT;                                                    \
  L_J##C##32_REG##V##B: if (F32(static_cast<uint32_t>(A), static_cast<uint32_t>(B_))) JUMP##B; NEXT;
#define JMP_B(C, F64, F32, B)                                                                              \
  JMP_IMM(C, , D, F64, F32, B) JMP_REG(C, , D, S, F64, F32, B)                                             \
  FWDV(JMP_IMM(C, _FD, last, F64, F32, B) JMP_REG(C, _FD, last, S, F64, F32, B)                            \
       JMP_REG(C, _FS, D, last, F64, F32, B))
#define JMP(C, F64, F32) JMP_B(C, F64, F32, ) JMP_B(C, F64, F32, _BK)

// Loads read their address from src, stores theirs from dst.
#define LOAD_V(NAME, V, A, T, EXT)                                                                         \
  L_##NAME##V: { const uint64_t a = (A) + OFF; CHECK_MEM(a, sizeof(T), false);                            \
                 T v; std::memcpy(&v, reinterpret_cast<const void*>(a), sizeof v); SET_D(EXT(v)); NEXT; }
#define LOAD(NAME, T, EXT) LOAD_V(NAME, , S, T, EXT) FWDV(LOAD_V(NAME, _FS, last, T, EXT))
#define STORE_V(NAME, V, A, T, VAL)                                                                        \
  L_##NAME##V: { const uint64_t a = (A) + OFF; CHECK_MEM(a, sizeof(T), true);                             \
                 const T v = static_cast<T>(VAL); std::memcpy(reinterpret_cast<void*>(a), &v, sizeof v); NEXT; }
#define STORE_IMM(NAME, T) STORE_V(NAME, , D, T, ins->k) FWDV(STORE_V(NAME, _FD, last, T, ins->k))
#define STORE_REG(NAME, T) \
  STORE_V(NAME, , D, T, S) FWDV(STORE_V(NAME, _FD, last, T, S) STORE_V(NAME, _FS, D, T, last))

// One-operand operations: dst := EXPR(x) with x read from dst (UNARY_D) or src (UNARY_S).
#define UNARY_V(NAME, V, X, EXPR) L_##NAME##V: { const uint64_t x = X; SET_D(EXPR); NEXT; }
#define UNARY_D(NAME, EXPR) UNARY_V(NAME, , D, EXPR) FWDV(UNARY_V(NAME, _FD, last, EXPR))
#define UNARY_S(NAME, EXPR) UNARY_V(NAME, , S, EXPR) FWDV(UNARY_V(NAME, _FS, last, EXPR))

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
                SET_D(__atomic_load_n(reinterpret_cast<const T*>(a), __ATOMIC_ACQUIRE)); NEXT; }
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

}  // namespace decade::interp::detail
