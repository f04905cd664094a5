// SPDX-License-Identifier: Apache-2.0
#include "loader/intrinsics.hpp"

#include "isa/encode.hpp"
#include "isa/intrinsics.hpp"

namespace decade {
namespace {

constexpr size_t kWindow = 8;  // how far back the value's definition is looked for

// Only writes dst, reading at most src: may write r0 instead of r1.
bool retargetable(const Insn& in) {
  const Sem s = in.info().sem;
  return s == Sem::Mov || s == Sem::MovSx || s == Sem::Ldx || s == Sem::LdxSx || in.info().shape == Shape::LdImm64;
}

// Straight-line code that neither reads nor writes r0 or r1.
bool leaves_r0_r1(const Insn& in) {
  const OpInfo& i = in.info();
  const bool alu = is_alu(i.sem) && i.sem != Sem::AddrSpaceCast;
  const bool load = i.sem == Sem::Ldx || i.sem == Sem::LdxSx || i.shape == Shape::LdImm64;
  if (!alu && !load) return false;
  const bool uses_src = i.shape == Shape::AluReg || i.shape == Shape::Load;
  return in.dst > 1 && (!uses_src || in.src > 1);
}

std::vector<bool> jump_targets(const Program& prog) {
  std::vector<bool> t(prog.slot_count, false);
  for (const Insn& in : prog.insns)
    if (in.target >= 0 && static_cast<uint32_t>(in.target) < prog.slot_count) t[static_cast<size_t>(in.target)] = true;
  for (const Subprogram& s : prog.subprograms)
    if (s.start_pc < prog.slot_count) t[s.start_pc] = true;
  return t;
}

// The index of the instruction to retarget for the call at insns[c], or -1.
int64_t value_definition(const Program& prog, const std::vector<bool>& targets, size_t c) {
  for (size_t k = 1; k <= kWindow && k <= c; ++k) {
    const Insn& in = prog.insns[c - k];
    if (targets[prog.insns[c - k + 1].pc]) return -1;  // a path enters after `in`
    if (in.dst == 1 && retargetable(in)) return static_cast<int64_t>(c - k);
    if (!leaves_r0_r1(in)) return -1;
  }
  return -1;
}

// decade_alloca: the call's operands are the instruction's, so every call
// becomes `r0 = alloca r1` in its own slot (whatever jumps or gotox the
// program has).
size_t rewrite_alloca_calls(Program& prog, const std::vector<std::string>& kfunc_names) {
  size_t n = 0;
  for (Insn& call : prog.insns) {
    if (call.info().sem != Sem::CallKfunc || call.imm < 0 || static_cast<size_t>(call.imm) >= kfunc_names.size() ||
        kfunc_names[static_cast<size_t>(call.imm)] != kAllocaIntrinsic)
      continue;
    const uint32_t pc = call.pc;
    call = make_insn(Op::ALLOCA, 0, 1);
    call.pc = pc;
    ++n;
  }
  return n;
}

}  // namespace

size_t fuse_intrinsic_calls(Program& prog, const std::vector<std::string>& kfunc_names) {
  size_t fused = rewrite_alloca_calls(prog, kfunc_names);
  for (const Insn& in : prog.insns)
    if (in.info().sem == Sem::GotoX) return fused;
  const std::vector<bool> targets = jump_targets(prog);
  for (size_t c = 0; c < prog.insns.size(); ++c) {
    Insn& call = prog.insns[c];
    if (call.info().sem != Sem::CallKfunc || call.imm < 0 || static_cast<size_t>(call.imm) >= kfunc_names.size()) continue;
    const auto intrinsic = find_intrinsic(kfunc_names[static_cast<size_t>(call.imm)]);
    if (!intrinsic) continue;
    const int64_t d = value_definition(prog, targets, c);
    if (d < 0) continue;
    prog.insns[static_cast<size_t>(d)].dst = 0;
    const bool binary = info(intrinsic->op).shape == Shape::AluReg;
    const uint32_t pc = call.pc;
    call = make_insn(intrinsic->op, 0, binary ? 2 : 0);
    call.pc = pc;
    ++fused;
  }
  return fused;
}

}  // namespace decade
