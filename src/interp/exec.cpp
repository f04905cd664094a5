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

namespace {

bool exec_checked(RunState* stp, const TInsn* start, const uint64_t* args, uint64_t* r0, const void* const** labels) {
  constexpr bool Checked = true;
#include "interp/exec_body.inc"
}

bool exec_verified(RunState* stp, const TInsn* start, const uint64_t* args, uint64_t* r0, const void* const** labels) {
  constexpr bool Checked = false;
#ifndef DECADE_INTERP_NO_FUSION  // set by the build option DECADE_INTERP_FUSION=OFF
#define DECADE_EXEC_FUSED
#endif
#include "interp/exec_body.inc"
#undef DECADE_EXEC_FUSED
}

}  // namespace

template <bool Checked>
bool exec(RunState* stp, const TInsn* start, const uint64_t* args, uint64_t* r0, const void* const** labels) {
  return Checked ? exec_checked(stp, start, args, r0, labels) : exec_verified(stp, start, args, r0, labels);
}

template bool exec<true>(RunState*, const TInsn*, const uint64_t*, uint64_t*, const void* const**);
template bool exec<false>(RunState*, const TInsn*, const uint64_t*, uint64_t*, const void* const**);

}  // namespace decade::interp::detail
