// SPDX-License-Identifier: Apache-2.0
#include "probe/relocate.hpp"

#if defined(__x86_64__)
#include <Zydis/Zydis.h>

#include <cstring>

#include <fmt/format.h>

namespace decade::probe {
namespace {

struct Decoded {
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
};

bool decode(uint64_t addr, uint64_t max, Decoded& d) {
  static const ZydisDecoder decoder = [] {
    ZydisDecoder z;
    ZydisDecoderInit(&z, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    return z;
  }();
  return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, reinterpret_cast<const void*>(addr), max, &d.insn, d.ops));
}

const char* mnemonic(const Decoded& d) { return ZydisMnemonicGetString(d.insn.mnemonic); }

// The target of a relative branch (an immediate operand relative to the
// next instruction), or 0 when d is not one.
uint64_t branch_target(const Decoded& d, uint64_t addr) {
  if (!(d.insn.attributes & ZYDIS_ATTRIB_IS_RELATIVE)) return 0;
  for (uint8_t i = 0; i < d.insn.operand_count_visible; ++i) {
    const ZydisDecodedOperand& op = d.ops[i];
    uint64_t target = 0;
    if (op.type == ZYDIS_OPERAND_TYPE_IMMEDIATE && op.imm.is_relative &&
        ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&d.insn, &op, addr, &target)))
      return target;
  }
  return 0;
}

// The RIP-relative memory operand's absolute address, or 0.
uint64_t rip_target(const Decoded& d, uint64_t addr) {
  for (uint8_t i = 0; i < d.insn.operand_count_visible; ++i) {
    const ZydisDecodedOperand& op = d.ops[i];
    uint64_t target = 0;
    if (op.type == ZYDIS_OPERAND_TYPE_MEMORY && op.mem.base == ZYDIS_REGISTER_RIP &&
        ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&d.insn, &op, addr, &target)))
      return target;
  }
  return 0;
}

void put64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

// jmp qword [rip + 0]; dq target
void emit_abs_jmp(std::vector<uint8_t>& out, uint64_t target) {
  out.insert(out.end(), {0xFF, 0x25, 0, 0, 0, 0});
  put64(out, target);
}

// Emits d (at addr in the function) as it must read at `at`.
Status emit_moved(const Decoded& d, uint64_t addr, uint64_t at, std::vector<uint8_t>& out) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(addr);
  const uint8_t len = d.insn.length;
  if (uint64_t target = branch_target(d, addr)) {
    const ZydisInstructionCategory cat = d.insn.meta.category;  // an if chain: the enum has ~100 values
    if (cat == ZYDIS_CATEGORY_UNCOND_BR) {
      emit_abs_jmp(out, target);
      return ok();
    }
    if (cat == ZYDIS_CATEGORY_CALL) {  // call [rip + 2]; jmp +8; dq target
      out.insert(out.end(), {0xFF, 0x15, 2, 0, 0, 0, 0xEB, 0x08});
      put64(out, target);
      return ok();
    }
    const bool jcc8 = d.insn.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (d.insn.opcode & 0xF0) == 0x70;
    const bool jcc32 = d.insn.opcode_map == ZYDIS_OPCODE_MAP_0F && (d.insn.opcode & 0xF0) == 0x80;
    if (cat == ZYDIS_CATEGORY_COND_BR && (jcc8 || jcc32)) {
      out.insert(out.end(), {uint8_t(0x70 | ((d.insn.opcode & 0xF) ^ 1)), 14});  // skip the 14-byte jmp
      emit_abs_jmp(out, target);
      return ok();
    }
    return make_error(ErrorCode::ProbeCannotRelocate,
                      fmt::format("cannot move relative instruction '{}' at {:#x}", mnemonic(d), addr));
  }
  const size_t start = out.size();
  out.insert(out.end(), bytes, bytes + len);
  if (uint64_t target = rip_target(d, addr)) {
    const int64_t disp = int64_t(target - (at + start + len));
    if (disp != int64_t(int32_t(disp)) || d.insn.raw.disp.size != 32)
      return make_error(ErrorCode::ProbeCannotRelocate,
                        fmt::format("'{}' at {:#x}: its RIP-relative operand is out of reach", mnemonic(d), addr));
    const int32_t d32 = int32_t(disp);
    std::memcpy(out.data() + start + d.insn.raw.disp.offset, &d32, 4);
  }
  return ok();
}

// Decodes all of fn linearly: addr must start an instruction, and no
// relative branch may land in (addr, addr + window).
Status check_body(const FunctionRange& fn, uint64_t addr, uint32_t window) {
  bool boundary = false;
  for (uint64_t pc = fn.start; pc < fn.start + fn.size;) {
    Decoded d;
    if (!decode(pc, fn.start + fn.size - pc, d))
      return make_error(ErrorCode::ProbeCannotRelocate,
                        fmt::format("cannot decode {} at +{:#x}", fn.name, pc - fn.start));
    boundary |= pc == addr;
    const uint64_t target = branch_target(d, pc);
    if (target > addr && target < addr + window)
      return make_error(ErrorCode::ProbeJumpIntoPatch,
                        fmt::format("'{}' at {}+{:#x} jumps to +{:#x}, inside the {} bytes patched at +{:#x}", mnemonic(d),
                                    fn.name, pc - fn.start, target - fn.start, window, addr - fn.start));
    pc += d.insn.length;
  }
  if (!boundary)
    return make_error(ErrorCode::ProbeBadAddress,
                      fmt::format("{:#x} is not an instruction boundary of {}", addr, fn.name));
  return ok();
}

}  // namespace

Result<Relocated> relocate_window(const FunctionRange& fn, uint64_t addr, uint64_t at) {
  const uint64_t end = fn.start + fn.size;
  if (addr < fn.start || addr >= end || end - addr < kJumpSize)
    return make_error(ErrorCode::ProbeFunctionTooShort,
                      fmt::format("{} has {} bytes from +{:#x}; a probe needs {}", fn.name, end > addr ? end - addr : 0,
                                  addr - fn.start, kJumpSize));
  Relocated r;
  std::vector<Decoded> moved;
  for (uint64_t pc = addr; pc < addr + kJumpSize;) {
    Decoded d;
    if (!decode(pc, end - pc, d))
      return make_error(ErrorCode::ProbeCannotRelocate, fmt::format("cannot decode {} at +{:#x}", fn.name, pc - fn.start));
    if (pc + d.insn.length > end)
      return make_error(ErrorCode::ProbeFunctionTooShort, fmt::format("{} ends inside the patched bytes", fn.name));
    moved.push_back(d);
    pc += d.insn.length;
    r.window = uint32_t(pc - addr);
  }
  if (auto s = check_body(fn, addr, r.window); !s) return std::unexpected(s.error());
  uint64_t pc = addr;
  for (const Decoded& d : moved) {
    r.boundaries.emplace_back(uint32_t(pc - addr), uint32_t(r.code.size()));
    if (auto s = emit_moved(d, pc, at, r.code); !s) return std::unexpected(s.error());
    pc += d.insn.length;
  }
  return r;
}

}  // namespace decade::probe

#else  // attach() refuses off x86-64 before reaching here

namespace decade::probe {
Result<Relocated> relocate_window(const FunctionRange&, uint64_t, uint64_t) {
  return make_error(ErrorCode::Unsupported, "user-space probes need x86-64");
}
}  // namespace decade::probe

#endif
