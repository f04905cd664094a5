// SPDX-License-Identifier: Apache-2.0
// The decoded instruction and the decoded program: the typed IR that every
// stage after decode works on. Nothing after decode reads raw opcode bits.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "isa/isa.hpp"

namespace decade {

// One raw 8-byte slot, exactly as in memory.
struct RawInsn {
  uint8_t code;
  uint8_t regs;  // dst in the low nibble, src in the high nibble
  int16_t off;
  int32_t imm;
  constexpr uint8_t dst() const { return regs & 0x0f; }
  constexpr uint8_t src() const { return regs >> 4; }
};
static_assert(sizeof(RawInsn) == 8);

struct Insn {
  Op op{};
  uint8_t dst = 0;
  uint8_t src = 0;
  int16_t off = 0;
  int32_t imm = 0;
  // ld_imm64: the full 64-bit value (imm | next.imm << 32). For the map-value
  // pseudo forms, imm is the map and imm2 the offset (the second slot's imm).
  uint64_t imm64 = 0;
  int32_t imm2 = 0;
  uint32_t pc = 0;       // slot index of this instruction
  int32_t target = -1;   // for has_target(op): slot index of the destination

  const OpInfo& info() const { return decade::info(op); }
  uint32_t slots() const { return is_two_slot(op) ? 2 : 1; }
};

// Source position for one instruction (from BTF line info or assembly text).
struct LineInfo {
  uint32_t pc = 0;
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text;
};

// A function inside a program (the main program is function 0).
struct Subprogram {
  uint32_t start_pc = 0;  // first slot
  uint32_t end_pc = 0;    // one past the last slot
  std::string name;       // from the symbol table when known
};

struct Program {
  std::vector<Insn> insns;          // in slot order
  std::vector<int32_t> slot_index;  // slot -> index into insns, -1 for a ld_imm64's second slot
  uint32_t slot_count = 0;
  std::vector<Subprogram> subprograms;  // filled by decode from call targets, refined by the loader
  std::vector<LineInfo> lines;          // sorted by pc; may be empty
  std::string name;
  // The slot of the exception callback bpf_throw ends in (the BTF decl tag
  // "exception_callback:<name>" on the main function, as libbpf reads it),
  // or -1: without one a throw returns its cookie.
  int32_t exception_cb = -1;
  // Set by the ELF loader: an object names its maps by relocation
  // (map_idx forms), so a map_fd or map_value ld_imm64 in its code holds a
  // kernel file descriptor written by hand, which no map answers to (Decade
  // has no map fds). The verifier refuses it with the kernel's words, the
  // engines with MapNotFound. Assembled programs use map_fd N for map N.
  bool raw_map_fds = false;
  // `in` is such a hand-written fd (map_fd or map_value form in an ELF
  // program): it names no map.
  bool raw_map_fd(const Insn& in) const {
    return raw_map_fds && (in.info().sem == Sem::LdMapFd || in.info().sem == Sem::LdMapValue);
  }

  // The instruction at a slot, or nullptr for a second slot / out of range.
  const Insn* at_pc(uint32_t pc) const {
    if (pc >= slot_index.size() || slot_index[pc] < 0) return nullptr;
    return &insns[static_cast<size_t>(slot_index[pc])];
  }
  // Best source line for a slot (nullptr when none).
  const LineInfo* line_for(uint32_t pc) const;
};

}  // namespace decade
