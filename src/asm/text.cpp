// SPDX-License-Identifier: Apache-2.0
#include "asm/text.hpp"

#include <cctype>
#include <fmt/format.h>
#include <limits>

namespace decade::asmtext {

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string_view strip_comment(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' || s[i] == ';') return s.substr(0, i);
    if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '/') return s.substr(0, i);
  }
  return s;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool is_identifier(std::string_view s) {
  if (s.empty() || !is_ident_start(s[0])) return false;
  for (char c : s)
    if (!is_ident_char(c)) return false;
  return true;
}

std::optional<Number> parse_number(std::string_view s) {
  Number n;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    n.negative = s[i] == '-';
    n.explicit_plus = s[i] == '+';
    ++i;
  }
  if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    n.hex = true;
    i += 2;
  }
  if (i >= s.size()) return std::nullopt;
  const unsigned base = n.hex ? 16 : 10;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (n.hex && c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (n.hex && c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return std::nullopt;
    if (n.magnitude > (std::numeric_limits<uint64_t>::max() - d) / base) n.overflow = true;
    n.magnitude = n.magnitude * base + d;
  }
  return n;
}

bool fits_imm32(const Number& n) {
  if (n.overflow) return false;
  return n.negative ? n.magnitude <= 0x80000000ULL : n.magnitude <= 0xffffffffULL;
}
int32_t as_imm32(const Number& n) { return static_cast<int32_t>(static_cast<uint32_t>(n.bits())); }
bool fits_imm64(const Number& n) { return !n.overflow && (!n.negative || n.magnitude <= 0x8000000000000000ULL); }
bool fits_off16(const Number& n) { return !n.overflow && (n.negative ? n.magnitude <= 0x8000 : n.magnitude <= 0x7fff); }

std::string hex_signed(int64_t v) {
  if (v < 0) return fmt::format("-0x{:x}", 0 - static_cast<uint64_t>(v));
  return fmt::format("0x{:x}", static_cast<uint64_t>(v));
}

std::string_view Cursor::word_with_sign() {
  skip_ws();
  const size_t b = i;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  while (i < s.size() && std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(b, i - b);
}

std::string_view Cursor::identifier() {
  skip_ws();
  const size_t b = i;
  if (i < s.size() && is_ident_start(s[i])) {
    while (i < s.size() && is_ident_char(s[i])) ++i;
  }
  return s.substr(b, i - b);
}

}  // namespace decade::asmtext
