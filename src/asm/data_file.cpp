// SPDX-License-Identifier: Apache-2.0
// The conformance suite's .data files (../shared/conformance/FORMAT.md 1-2).
#include <fmt/format.h>

#include <cstring>

#include "asm/asm.hpp"
#include "asm/text.hpp"

namespace decade {
namespace {

using namespace asmtext;

enum class Section : uint8_t { None, Asm, Raw, Mem, Result, Error, StackSize, Ignored };

Section section_for(std::string_view header) {
  const std::string h = lower(trim(header.substr(2)));
  if (h == "asm") return Section::Asm;
  if (h == "raw") return Section::Raw;
  if (h == "mem") return Section::Mem;
  if (h == "result") return Section::Result;
  if (h == "error") return Section::Error;
  if (h == "stack-size") return Section::StackSize;  // Decade's own (asm.hpp, DataFile::stack_size)
  if (h == "c" || h.starts_with("no register offset")) return Section::Ignored;
  return Section::None;  // unknown: the runner skips the file
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> w;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > b) w.push_back(s.substr(b, i - b));
  }
  return w;
}

std::optional<uint8_t> hex_byte(std::string_view w) {
  if (w.size() != 2) return std::nullopt;
  auto n = parse_number(std::string("0x") + std::string(w));
  if (!n) return std::nullopt;
  return static_cast<uint8_t>(n->magnitude);
}

Error data_error(ErrorCode c, std::string msg, uint32_t line) {
  Error e{c, -1, std::move(msg), {}, {}};
  e.where.line = line;
  return e;
}

// `-- raw`: 64-bit words (0x.. or decimal), or lines of 8 hex bytes.
Result<std::vector<RawInsn>> parse_raw(const std::vector<std::pair<std::string_view, uint32_t>>& lines) {
  std::vector<std::string_view> all;
  for (const auto& [l, n] : lines)
    for (auto w : words(l)) all.push_back(w);
  bool bytes = !all.empty() && all.size() % 8 == 0;
  for (auto w : all) bytes = bytes && hex_byte(w).has_value();
  std::vector<uint8_t> b;
  if (bytes) {
    for (auto w : all) b.push_back(*hex_byte(w));
  } else {
    for (auto w : all) {
      auto n = parse_number(w);
      if (!n || n->negative || n->overflow)
        return std::unexpected(data_error(ErrorCode::AsmBadOperand, fmt::format("bad -- raw word '{}'", w), lines.front().second));
      const uint64_t v = n->magnitude;
      for (int k = 0; k < 8; ++k) b.push_back(static_cast<uint8_t>(v >> (8 * k)));
    }
  }
  std::vector<RawInsn> code(b.size() / 8);
  if (!code.empty()) std::memcpy(code.data(), b.data(), code.size() * 8);
  return code;
}

}  // namespace

Result<DataFile> parse_data_file(std::string_view text) {
  DataFile df;
  std::string asm_text;  // one line per file line, so assembler lines match the file
  std::vector<std::pair<std::string_view, uint32_t>> raw_lines;
  bool has_raw = false;
  Section sec = Section::None;
  uint32_t lineno = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = line.substr(0, line.find('#'));
    const std::string_view t = trim(line);
    std::string keep;
    if (t.starts_with("--")) {
      sec = section_for(t);
      if (sec == Section::None) df.skip = true;
      if (sec == Section::Raw) has_raw = true;
      if (sec == Section::Error) df.error = std::string();
    } else if (!t.empty()) {
      switch (sec) {
        case Section::Asm: keep = std::string(t); break;
        case Section::Raw: raw_lines.emplace_back(t, lineno); break;
        case Section::Mem:
          for (auto w : words(t)) {
            auto b = hex_byte(w);
            if (!b) return std::unexpected(data_error(ErrorCode::AsmBadOperand, fmt::format("bad -- mem byte '{}'", w), lineno));
            df.mem.push_back(*b);
          }
          break;
        case Section::Result: {
          auto n = parse_number(t);
          if (!n || n->overflow)
            return std::unexpected(data_error(ErrorCode::AsmBadOperand, fmt::format("bad -- result '{}'", t), lineno));
          df.result = n->bits();
          break;
        }
        case Section::Error: df.error = std::string(t); break;
        case Section::StackSize: {
          auto n = parse_number(t);
          if (!n || n->negative || n->overflow || n->magnitude > UINT32_MAX)
            return std::unexpected(data_error(ErrorCode::AsmBadOperand, fmt::format("bad -- stack-size '{}'", t), lineno));
          df.stack_size = static_cast<uint32_t>(n->magnitude);
          break;
        }
        case Section::None:
        case Section::Ignored: break;
      }
    }
    asm_text += keep;
    asm_text += '\n';
  }
  if (has_raw) {
    auto code = parse_raw(raw_lines.empty() ? std::vector<std::pair<std::string_view, uint32_t>>{{"", 0}} : raw_lines);
    if (!code) return std::unexpected(code.error());
    df.code = std::move(*code);
  } else if (!df.skip) {
    auto a = assemble(asm_text, {std::nullopt, {}});
    if (!a) return std::unexpected(a.error());
    df.code = std::move(a->code);
  }
  return df;
}

}  // namespace decade
