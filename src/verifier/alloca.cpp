// SPDX-License-Identifier: Apache-2.0
#include "verifier/alloca.hpp"

#include <fmt/format.h>

#include "verifier/transfer.hpp"

namespace decade::verifier {
namespace {

uint64_t round8(uint64_t v) { return (v + 7) / 8 * 8; }

// The register a memory instruction addresses through, or -1.
int base_register(const Insn& in) {
  const Shape s = in.info().shape;
  if (s == Shape::Load || s == Shape::AtomicLoad) return in.src;
  if (s == Shape::StoreImm || s == Shape::StoreReg || s == Shape::AtomicStore || s == Shape::AtomicRmw) return in.dst;
  return -1;
}

// Deepest byte below r10 that insns[i] addresses directly (0: none).
int64_t direct_depth(const Program& prog, size_t i) {
  const Insn& in = prog.insns[i];
  if (base_register(in) == 10 && in.off < 0) return -int64_t{in.off};
  // clang's address of a local: rX = r10; rX += -k.
  if (in.op == Op::MOV64_REG && in.src == 10 && i + 1 < prog.insns.size()) {
    const Insn& next = prog.insns[i + 1];
    if (next.op == Op::ADD64_IMM && next.dst == in.dst && next.imm < 0) return -int64_t{next.imm};
  }
  return 0;
}

}  // namespace

void plan_alloca_frames(Env& env) {
  for (size_t i = 0; i < env.prog.insns.size(); ++i) {
    if (env.prog.insns[i].info().sem != Sem::Alloca) continue;
    SubprogInfo& sub = env.subs[static_cast<size_t>(env.sub_of_pc[env.prog.insns[i].pc])];
    if (sub.fixed_stack >= 0) continue;
    int64_t deepest = 0;
    for (size_t j = 0; j < env.prog.insns.size(); ++j) {
      const uint32_t pc = env.prog.insns[j].pc;
      if (pc >= sub.start && pc < sub.end) deepest = std::max(deepest, direct_depth(env.prog, j));
    }
    sub.fixed_stack = static_cast<int64_t>(round8(static_cast<uint64_t>(deepest)));
  }
}

Status do_alloca(Env& env, State& st, const Insn& insn) {
  if (auto s = check_readable(env, st, insn.src, insn.pc); !s) return s;
  const RegState& n = st.reg(insn.src);
  Frame& fr = st.cur();
  SubprogInfo& sub = env.subs[fr.subprog];
  const int64_t max = env.opts.max_stack;
  const int64_t room = max - sub.fixed_stack - fr.alloc_top;
  if (!n.is_scalar())
    return fail(env, ErrorCode::VerifierAllocaSize, insn.pc, fmt::format("alloca size R{} is a pointer ({})", insn.src, n.to_string()),
                "pass the number of bytes");
  if (n.val.umax == 0 || n.val.umax > static_cast<uint64_t>(std::max<int64_t>(room, 0)))
    return fail(env, ErrorCode::VerifierAllocaSize, insn.pc,
                fmt::format("alloca size R{} {} needs an upper bound in [1, {}]: the frame has {} bytes, {} of them the "
                            "function's own stack and {} allocated",
                            insn.src, n.val.to_string(), std::max<int64_t>(room, 0), max, sub.fixed_stack, fr.alloc_top),
                "bound the size with a comparison (if (n > N) n = N) or a mask before the allocation");
  const uint64_t bytes = round8(n.val.umax);
  const int64_t at = max - fr.alloc_top;  // the area's start, bytes below r10
  int32_t& placed = env.alloca_offset[insn.pc];
  if (placed >= 0 && placed != at)
    return fail(env, ErrorCode::VerifierAllocaPlacement, insn.pc,
                fmt::format("alloca reached with {} bytes allocated in its frame, {} on an earlier path", fr.alloc_top,
                            max - placed),
                "allocate the same areas on every path to an alloca, and none in a loop");
  placed = static_cast<int32_t>(at);
  // A fresh area: whatever an earlier use of these bytes left is unreadable.
  fr.grow(static_cast<size_t>(at));
  const size_t first = static_cast<size_t>(at) - bytes;
  for (size_t i = first; i < static_cast<size_t>(at); ++i) fr.bytes[i] = SlotByte::Invalid;
  for (size_t k = first / 8; k < static_cast<size_t>(at) / 8; ++k) {
    fr.spills[k] = RegState{};
    fr.iters[k] = IterSlot{};
  }
  fr.alloc_top += static_cast<uint32_t>(bytes);
  if (fr.alloc_top > sub.alloca_top) {
    sub.alloca_top = fr.alloc_top;
    env.stack_grew = true;  // the call chain's stack grew (the driver checks it)
  }
  RegState p = RegState::pointer(RegType::Stack, static_cast<int32_t>(-at));
  p.frame = static_cast<uint32_t>(st.frames.size() - 1);
  p.range = static_cast<uint32_t>(at);
  p.mem_size = static_cast<uint32_t>(n.val.umax);
  st.reg(insn.dst) = p;
  return ok();
}

Status check_alloca_access(const Env& env, const State& st, const RegState& ptr, int64_t lo, int64_t end, uint32_t pc) {
  if (ptr.range) {
    const int64_t start = -int64_t{ptr.range};
    if (lo >= start && end <= start + int64_t{ptr.mem_size}) return ok();
    return fail(env, ErrorCode::VerifierAllocaBounds, pc,
                fmt::format("access of bytes [{}, {}) of an alloca area of at most {} bytes", lo - start, end - start,
                            ptr.mem_size),
                "index the area below the size's upper bound");
  }
  const int64_t fixed = env.subs[st.frames[ptr.frame].subprog].fixed_stack;
  if (fixed < 0 || lo >= -fixed) return ok();
  return fail(env, ErrorCode::VerifierAllocaPlacement, pc,
              fmt::format("stack access fp{} is below the function's own {} bytes, in its allocation area", lo, fixed),
              "address locals from r10 directly (as clang does) in functions that call decade_alloca");
}

}  // namespace decade::verifier
