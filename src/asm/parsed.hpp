// SPDX-License-Identifier: Apache-2.0
// What one line of assembly says, before labels are resolved. Both syntax
// front ends produce this; assembler.cpp resolves targets and encodes.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "decade/error.hpp"
#include "isa/isa.hpp"

namespace decade::asmtext {

// Operand values for a row, already range checked (off fits int16, imm int32).
struct ParsedInsn {
  Op op{};
  uint8_t dst = 0;
  uint8_t src = 0;
  int16_t off = 0;
  int32_t imm = 0;
  int32_t imm2 = 0;     // second-slot imm of the pseudo ld_imm64 forms
  uint64_t imm64 = 0;   // plain ld_imm64
  // Jump / call / func target: a relative slot count or a label.
  std::optional<int64_t> rel;
  std::string label;
};

struct LineError {
  ErrorCode code;
  std::string message;
};
using LineResult = std::expected<ParsedInsn, LineError>;

inline std::unexpected<LineError> line_error(ErrorCode c, std::string m) {
  return std::unexpected(LineError{c, std::move(m)});
}

// Parse one instruction (comments, labels and address prefixes already removed).
LineResult parse_classic(std::string_view line);
LineResult parse_llvm(std::string_view line);

// True when a line (without comments and labels) looks like the classic syntax.
bool looks_classic(std::string_view line);

}  // namespace decade::asmtext

namespace decade {
struct Insn;
}

namespace decade::asmtext {

// One instruction as text (no newline). With `labels`, targets print as
// label_name(target) instead of a relative count.
std::string format_classic(const Insn& insn, bool labels);
std::string format_llvm(const Insn& insn, bool labels);
std::string label_name(int64_t slot);

// The relative target a has_target() instruction encodes (off or imm).
int64_t relative_target(const Insn& insn);

}  // namespace decade::asmtext
