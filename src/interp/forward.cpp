// SPDX-License-Identifier: Apache-2.0
// Result forwarding for verified programs. Every handler that writes its
// destination register also leaves the value in a local of the loop (`last`,
// which the compiler keeps in a machine register). An instruction that reads
// the register the previous write went to can take the value from there
// instead of from the register array: a chain such as
// `r7 <<= 59; r7 s>>= 32; r7 >>= 31` then runs through a machine register,
// not through a store and a load of the same array slot on every step, whose
// forwarding latency was most of the interpreter's time on such code.
//
// This pass computes, for every instruction, which BPF register `last`
// mirrors when the instruction starts (a forward data flow over the
// program's branches: the mirror survives stores, branches and writes to
// other registers; it is lost at function entries, after calls and where
// paths that disagree meet) and marks the reads that may be forwarded
// (kFwdD / kFwdS; rd / rs then name the array's sink slot, which is never
// written, so the array load of a forwarded operand does not wait for the
// store it would alias).
//
// The contract with exec_body.inc: a kind that writes_last() writes its
// destination only through SET_D, and every other kind leaves `last` alone.
// Reads that are not forwarded read the array, which is always current.
#include <vector>

#include "interp/threaded.hpp"

namespace decade::interp::detail {
namespace {

constexpr uint8_t kNone = 0xff;     // `last` mirrors no register
constexpr uint8_t kUnseen = 0xfe;   // not reached yet

bool in(Kind k, Kind lo, Kind hi) { return k >= lo && k <= hi; }

// The kinds whose handlers write the destination through SET_D.
bool writes_last(Kind k) {
  return in(k, Kind::ADD64_IMM, Kind::ARSH32_REG) || in(k, Kind::NEG64, Kind::CAST_TO_KERN) ||
         in(k, Kind::LDX8, Kind::LDXS32) || k == Kind::LD_CONST || in(k, Kind::LDACQ8, Kind::LDACQ64) ||
         k == Kind::LDX_ARG || k == Kind::ALLOCA;
}
static_assert(Kind::ARSH32_REG < Kind::NEG64 && Kind::CAST_TO_KERN < Kind::LDX8);

// The variant of each kind that reads dst (FD) / src (FS) from `last`, or
// the kind itself when it has none, and the plain kind of each variant
// (all from forward.def).
struct Variants {
  Kind fd[kKindCount];
  Kind fs[kKindCount];
  Kind plain[kKindCount];
  constexpr Variants() : fd{}, fs{}, plain{} {
    for (size_t k = 0; k < kKindCount; ++k) fd[k] = fs[k] = plain[k] = static_cast<Kind>(k);
#define DECADE_FWD_SET_FD_(N) fd[static_cast<size_t>(Kind::N)] = Kind::N##_FD, \
                              plain[static_cast<size_t>(Kind::N##_FD)] = Kind::N;
#define DECADE_FWD_SET_FS_(N) fs[static_cast<size_t>(Kind::N)] = Kind::N##_FS, \
                              plain[static_cast<size_t>(Kind::N##_FS)] = Kind::N;
    DECADE_FWD_KINDS(DECADE_FWD_SET_FD_, DECADE_FWD_SET_FS_)
#undef DECADE_FWD_SET_FD_
#undef DECADE_FWD_SET_FS_
  }
};
constexpr Variants kVariants;

bool reads_fd(Kind k) { return kVariants.fd[static_cast<size_t>(k)] != k; }
bool reads_fs(Kind k) { return kVariants.fs[static_cast<size_t>(k)] != k; }

// Kinds after which the next instruction is not reached by falling through.
bool no_fallthrough(Kind k) {
  return k == Kind::JA || k == Kind::EXIT || k == Kind::BAD_JUMP || k == Kind::BAD_CALL || k == Kind::UNSUPPORTED ||
         k == Kind::GOTOX;
}

uint8_t meet(uint8_t a, uint8_t b) {
  if (a == kUnseen) return b;
  if (b == kUnseen) return a;
  return a == b ? a : kNone;
}

}  // namespace

size_t forward(TProgram& tp) {
  auto& code = tp.code;
  const size_t n = code.size() - 1;  // not the sentinel
  if (n == 0) return 0;
  std::vector<uint8_t> at(n, kUnseen);  // the mirror when instruction i starts
  std::vector<bool> entry(n, false);    // function entries: reached with any `last`
  entry[0] = true;
  for (size_t i = 0; i < n; ++i) {
    const TInsn& t = code[i];
    if (t.kind == Kind::GOTOX) return 0;  // it may enter any instruction
    const bool fn_target = t.kind == Kind::CALL_LOCAL || (t.kind == Kind::LD_CONST && t.t);
    if (fn_target && t.t) entry[static_cast<size_t>(t.t - code.data())] = true;
  }
  for (size_t i = 0; i < n; ++i)
    if (entry[i]) at[i] = kNone;

  std::vector<uint32_t> work;
  work.reserve(n);
  for (size_t i = n; i-- > 0;) work.push_back(static_cast<uint32_t>(i));
  std::vector<bool> queued(n, true);
  auto flow = [&](size_t to, uint8_t m) {
    if (to >= n) return;
    const uint8_t v = entry[to] ? kNone : meet(at[to], m);
    if (v == at[to]) return;
    at[to] = v;
    if (!queued[to]) queued[to] = true, work.push_back(static_cast<uint32_t>(to));
  };
  while (!work.empty()) {
    const size_t i = work.back();
    work.pop_back();
    queued[i] = false;
    if (at[i] == kUnseen) continue;  // not reached (yet)
    const TInsn& t = code[i];
    uint8_t out = at[i];
    if (writes_last(t.kind)) {
      out = t.dst;
    } else if (is_call(t.kind) || in(t.kind, Kind::AADD32, Kind::ACMPXCHG64)) {
      out = kNone;  // registers written without `last` (r0-r5, a fetch's src, cmpxchg's r0)
    }
    if (t.t && t.kind != Kind::LD_CONST && t.kind != Kind::CALL_LOCAL) flow(static_cast<size_t>(t.t - code.data()), out);
    if (!no_fallthrough(t.kind)) flow(i + 1, is_call(t.kind) ? kNone : out);
  }

  size_t marked = 0;
  for (size_t i = 0; i < n; ++i) {
    TInsn& t = code[i];  // rd and rs start as dst and src (translate.cpp)
    const uint8_t m = at[i];
    if (m == kNone || m == kUnseen) continue;
    if (reads_fd(t.kind) && t.dst == m) t.flags |= kFwdD, t.rd = kSinkReg, ++marked;
    if (reads_fs(t.kind) && t.src == m) t.flags |= kFwdS, t.rs = kSinkReg, ++marked;
  }
  return marked;
}

Kind plain_kind(Kind k) { return kVariants.plain[static_cast<size_t>(k)]; }

void use_variants(TProgram& tp) {
  for (TInsn& t : tp.code) {
    if (is_fused(t.kind) || is_variant(t.kind)) continue;
    if (t.flags & kFwdD) {
      t.kind = kVariants.fd[static_cast<size_t>(t.kind)];
    } else if (t.flags & kFwdS) {
      t.kind = kVariants.fs[static_cast<size_t>(t.kind)];
    }
  }
}

}  // namespace decade::interp::detail
