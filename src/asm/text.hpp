// SPDX-License-Identifier: Apache-2.0
// Small lexing helpers shared by both assembly syntaxes and the .data parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace decade::asmtext {

std::string_view trim(std::string_view s);
// Cuts a line at the first comment marker: '#', ';' or "//".
std::string_view strip_comment(std::string_view s);
std::string lower(std::string_view s);
bool is_ident_start(char c);
bool is_ident_char(char c);
bool is_identifier(std::string_view s);

// An integer literal: optional sign, then 0x-hex or decimal digits.
struct Number {
  bool negative = false;
  bool explicit_plus = false;
  bool hex = false;
  bool overflow = false;  // magnitude does not fit in 64 bits
  uint64_t magnitude = 0;
  // The value as two's complement bits (meaningful when !overflow).
  uint64_t bits() const { return negative ? 0 - magnitude : magnitude; }
};
// Parses the whole of `s`; nullopt when it is not a number.
std::optional<Number> parse_number(std::string_view s);

// Range helpers. A 32-bit immediate is any int32 or, written as an unsigned
// value, any uint32 (stored as raw bits: 0xffffffff is -1).
bool fits_imm32(const Number& n);
int32_t as_imm32(const Number& n);
bool fits_imm64(const Number& n);  // int64 or uint64
bool fits_off16(const Number& n);  // int16

// "0x1f" / "-0x1f" (signed) as llvm-objdump prints immediates.
std::string hex_signed(int64_t v);

// Position in a line for the LLVM syntax matcher.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  void skip_ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  bool done() {
    skip_ws();
    return i >= s.size();
  }
  char peek() const { return i < s.size() ? s[i] : '\0'; }
  // Sign and alphanumeric run starting at the cursor (after whitespace).
  std::string_view word_with_sign();
  std::string_view identifier();
};

}  // namespace decade::asmtext
