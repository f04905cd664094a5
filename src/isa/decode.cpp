// SPDX-License-Identifier: Apache-2.0
#include "isa/decode.hpp"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

#include "isa/semantics.hpp"

namespace decade {
namespace {

struct FieldUse {
  bool dst, src, off, imm;
};

// Which raw fields a shape reads. The discriminating field of a row is
// matched separately and exempt from the "must be zero" rule.
constexpr FieldUse uses(Shape s) {
  switch (s) {
    case Shape::AluImm: return {true, false, false, true};
    case Shape::AluReg: return {true, true, false, false};
    case Shape::Unary: return {true, false, false, false};
    case Shape::AddrSpaceCast: return {true, true, false, true};
    case Shape::Load: return {true, true, true, false};
    case Shape::LoadArg: return {true, false, true, false};
    case Shape::StoreArg: return {false, true, true, false};
    case Shape::StoreImmArg: return {false, false, true, true};
    case Shape::StoreImm: return {true, false, true, true};
    case Shape::StoreReg: return {true, true, true, false};
    case Shape::LdImm64: return {true, false, false, true};
    case Shape::LdAbs: return {false, false, false, true};
    case Shape::LdInd: return {false, true, false, true};
    case Shape::AtomicRmw: return {true, true, true, false};
    case Shape::AtomicLoad: return {true, true, true, false};
    case Shape::AtomicStore: return {true, true, true, false};
    case Shape::JmpImm: return {true, false, true, true};
    case Shape::JmpReg: return {true, true, true, false};
    case Shape::Ja: return {false, false, true, false};
    case Shape::Ja32: return {false, false, false, true};
    case Shape::GotoX: return {true, false, false, false};
    case Shape::MayGoto: return {false, false, true, false};
    case Shape::CallHelper: return {false, false, false, true};
    case Shape::CallLocal: return {false, false, false, true};
    case Shape::CallKfunc: return {false, false, true, true};
    case Shape::CallX: return {true, false, false, false};
    case Shape::Exit: return {false, false, false, false};
  }
  return {};
}

std::unexpected<Error> err(ErrorCode c, uint32_t pc, std::string msg) {
  return make_error(c, std::move(msg), static_cast<int64_t>(pc));
}

// stackargs: r11 only as the fixed register of the LoadArg / StoreArg /
// StoreImmArg rows, with an offset naming one of the kMaxStackArgs slots
// (positive for the incoming arguments, negative for the outgoing ones).
Status check_stack_arg(const OpInfo& i, const RawInsn& r, uint32_t pc) {
  const bool arg_row = i.group == Group::stackargs;
  const bool uses_r11 = (uses(i.shape).dst && r.dst() == kArgRegister) || (uses(i.shape).src && r.src() == kArgRegister);
  if (uses_r11)
    return err(ErrorCode::DecodeBadStackArg, pc,
               fmt::format("{}: r11 is only the stack-argument base of 64-bit loads and stores", i.classic));
  if (!arg_row) return ok();
  const int sign = i.shape == Shape::LoadArg ? 1 : -1;
  const int32_t off = sign * r.off;
  if (off <= 0 || off % 8 != 0 || off > static_cast<int32_t>(8 * kMaxStackArgs))
    return err(ErrorCode::DecodeBadStackArg, pc,
               fmt::format("{}: r11 {:+} names no stack-argument slot (r11 {}8 .. r11 {}{})", i.classic, r.off,
                           sign > 0 ? "+" : "-", sign > 0 ? "+" : "-", 8 * kMaxStackArgs));
  return ok();
}

Status check_fields(const OpInfo& i, const RawInsn& r, uint32_t pc) {
  const FieldUse u = uses(i.shape);
  const bool off_is_disc = i.disc == Disc::Off, imm_is_disc = i.disc == Disc::Imm, src_is_disc = i.disc == Disc::Src;
  if (auto s = check_stack_arg(i, r, pc); !s) return s;
  if (!u.dst && i.disc != Disc::Dst && r.dst() != 0) return err(ErrorCode::DecodeReservedField, pc, fmt::format("{}: dst register field must be 0", i.classic));
  if (!u.src && !src_is_disc && r.src() != 0)
    return err(ErrorCode::DecodeReservedField, pc, fmt::format("{}: src register field must be 0", i.classic));
  if (!u.off && !off_is_disc && r.off != 0) return err(ErrorCode::DecodeReservedField, pc, fmt::format("{}: offset field must be 0", i.classic));
  if (!u.imm && !imm_is_disc && r.imm != 0) return err(ErrorCode::DecodeReservedField, pc, fmt::format("{}: immediate field must be 0", i.classic));
  for (const unsigned reg : {u.dst ? unsigned{r.dst()} : 0u, u.src ? unsigned{r.src()} : 0u}) {
    if (reg <= kFramePointer) continue;
    Error e{.code = ErrorCode::DecodeBadRegister, .insn = static_cast<int64_t>(pc),
            .message = fmt::format("{}: invalid register r{}", i.classic, reg)};
    e.kernel = fmt::format("R{} is invalid", reg);  // the kernel's verifier words
    return std::unexpected(std::move(e));
  }
  // Immediate rotates: the amount must be below the width (register rotates
  // take theirs modulo the width at run time).
  if ((i.sem == Sem::Rol || i.sem == Sem::Ror) && i.shape == Shape::AluImm && (r.imm < 0 || r.imm >= i.width))
    return err(ErrorCode::DecodeBadImmediate, pc, fmt::format("{}: rotate amount {} is outside [0, {})", i.classic, r.imm, i.width));
  if (i.shape == Shape::AddrSpaceCast && r.imm != sem::kCastArenaToHost && r.imm != sem::kCastHostToArena)
    return err(ErrorCode::DecodeBadImmediate, pc, fmt::format("addr_space_cast: invalid address spaces 0x{:x}", static_cast<uint32_t>(r.imm)));
  return ok();
}

Status check_allowed(const OpInfo& i, const DecodeOptions& o, uint32_t pc) {
  if (i.cpu > o.max_cpu)
    return err(ErrorCode::DecodeNotAllowed, pc, fmt::format("{} needs cpu v{} (allowed: v{})", i.classic, i.cpu, o.max_cpu));
  if (i.group == Group::kernel && !o.allow_kernel_ext)
    return err(ErrorCode::DecodeNotAllowed, pc, fmt::format("{} is a kernel extension, disabled", i.classic));
  if ((i.group == Group::bitmanip && !o.allow_bitmanip) || (i.group == Group::stackargs && !o.allow_stackargs) ||
      (i.group == Group::alloca && !o.allow_alloca))
    return err(ErrorCode::ElfExtensionMissing, pc,
               fmt::format("{} needs the Decade extension '{}', which is disabled", i.classic, group_name(i.group)));
  if (i.group == Group::packet && !o.allow_legacy_packet)
    return err(ErrorCode::DecodeNotAllowed, pc, fmt::format("{}: legacy packet access is disabled", i.classic));
  return ok();
}

std::string opcode_message(const RawInsn& r) {
  return fmt::format("unknown opcode 0x{:02x} (src={} off={} imm={})", r.code, r.src(), r.off, r.imm);
}

}  // namespace

Result<Insn> decode_one(std::span<const RawInsn> raw, uint32_t pc, const DecodeOptions& opts) {
  if (pc >= raw.size()) return err(ErrorCode::DecodeTruncated, pc, "instruction index past the end");
  const RawInsn& r = raw[pc];
  auto op = find_op(r.code, r.dst(), r.src(), r.off, r.imm);
  if (!op) {
    if (!opcode_known(r.code)) return err(ErrorCode::DecodeUnknownOpcode, pc, opcode_message(r));
    return err(ErrorCode::DecodeReservedField, pc,
               fmt::format("opcode 0x{:02x}: no instruction has src={} off={} imm={}", r.code, r.src(), r.off, r.imm));
  }
  const OpInfo& i = info(*op);
  if (auto s = check_allowed(i, opts, pc); !s) return std::unexpected(s.error());
  if (auto s = check_fields(i, r, pc); !s) return std::unexpected(s.error());
  Insn insn;
  insn.op = *op;
  insn.dst = r.dst();
  insn.src = r.src();
  insn.off = r.off;
  insn.imm = r.imm;
  insn.pc = pc;
  if (i.shape == Shape::LdImm64) {
    if (pc + 1 >= raw.size()) return err(ErrorCode::DecodeLddwCutOff, pc, "lddw is missing its second slot");
    const RawInsn& n = raw[pc + 1];
    if (n.code != 0 || n.regs != 0 || n.off != 0)
      return err(ErrorCode::DecodeLddwBadSecondSlot, pc + 1, "second slot of lddw must be zero except imm");
    insn.imm2 = n.imm;
    insn.imm64 = static_cast<uint32_t>(r.imm) | (static_cast<uint64_t>(static_cast<uint32_t>(n.imm)) << 32);
  }
  if (has_target(*op)) {
    const int64_t rel = target_in_imm(*op) || i.sem == Sem::LdFunc ? r.imm : r.off;
    insn.target = static_cast<int32_t>(std::clamp<int64_t>(int64_t{pc} + 1 + rel, -1, INT32_MAX));
  }
  return insn;
}

Result<Program> decode(std::span<const RawInsn> raw, const DecodeOptions& opts) {
  if (raw.empty()) return make_error(ErrorCode::DecodeEmpty, "program has no instructions");
  if (raw.size() > opts.max_slots)
    return make_error(ErrorCode::DecodeTooLong, fmt::format("program has {} instructions, limit is {}", raw.size(), opts.max_slots),
                      static_cast<int64_t>(opts.max_slots));
  Program p;
  p.slot_count = static_cast<uint32_t>(raw.size());
  p.slot_index.assign(raw.size(), -1);
  p.insns.reserve(raw.size());
  for (uint32_t pc = 0; pc < raw.size();) {
    auto insn = decode_one(raw, pc, opts);
    if (!insn) return std::unexpected(insn.error());
    p.slot_index[pc] = static_cast<int32_t>(p.insns.size());
    p.insns.push_back(*insn);
    pc += insn->slots();
  }
  // Targets must land on the first slot of an instruction inside the program.
  std::vector<uint32_t> entries{0};
  for (const Insn& in : p.insns) {
    if (in.target < 0 && !has_target(in.op)) continue;
    if (in.target < 0 || static_cast<uint32_t>(in.target) >= p.slot_count) {
      Error e{.code = ErrorCode::DecodeJumpOutOfRange, .insn = static_cast<int64_t>(in.pc),
              .message = fmt::format("{} target {} is outside the program (0..{})", in.info().classic, in.target,
                                     p.slot_count - 1)};
      e.kernel = fmt::format("jump out of range from insn {} to {}", in.pc, in.target);
      return std::unexpected(std::move(e));
    }
    if (p.slot_index[static_cast<size_t>(in.target)] < 0)
      return make_error(ErrorCode::DecodeJumpIntoLddw, fmt::format("target {} is the middle of an lddw", in.target), in.pc);
    if (in.info().sem == Sem::CallLocal || in.info().sem == Sem::LdFunc) entries.push_back(static_cast<uint32_t>(in.target));
  }
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  for (size_t k = 0; k < entries.size(); ++k) {
    const uint32_t end = k + 1 < entries.size() ? entries[k + 1] : p.slot_count;
    p.subprograms.push_back(Subprogram{entries[k], end, {}});
  }
  return p;
}

Result<Program> decode(std::span<const uint8_t> bytes, const DecodeOptions& opts) {
  if (bytes.empty()) return make_error(ErrorCode::DecodeEmpty, "program has no instructions");
  if (bytes.size() % sizeof(RawInsn) != 0)
    return make_error(ErrorCode::DecodeTruncated, fmt::format("program size {} is not a multiple of 8", bytes.size()),
                      static_cast<int64_t>(bytes.size() / sizeof(RawInsn)));
  std::vector<RawInsn> raw(bytes.size() / sizeof(RawInsn));
  std::memcpy(raw.data(), bytes.data(), bytes.size());
  return decode(std::span<const RawInsn>(raw), opts);
}

bool writes_frame_pointer(const Insn& in) {
  const Shape s = in.info().shape;
  const bool writes_dst = s == Shape::AluImm || s == Shape::AluReg || s == Shape::Unary ||
                          s == Shape::AddrSpaceCast || s == Shape::Load || s == Shape::LdImm64 ||
                          s == Shape::AtomicLoad;
  if (writes_dst) return in.dst == kFramePointer;
  // cmpxchg fetches into r0, never r10.
  return s == Shape::AtomicRmw && in.imm != sem::kAtomicCmpxchg && (in.imm & sem::kAtomicFetch) &&
         in.src == kFramePointer;
}

}  // namespace decade
