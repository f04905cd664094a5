// SPDX-License-Identifier: Apache-2.0
// Text -> slots. Pass 1 cleans each line (comments, llvm-objdump's address,
// raw-bytes column and <sym> annotations), records labels and parses the
// instruction in its syntax; pass 2 resolves targets and encodes.
#include <fmt/format.h>

#include <unordered_map>

#include "asm/asm.hpp"
#include "asm/parsed.hpp"
#include "asm/text.hpp"
#include "isa/encode.hpp"

namespace decade {
namespace {

using namespace asmtext;

struct Pending {
  ParsedInsn insn;
  uint32_t line;
  uint32_t pc;
  std::string_view text;
};

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// "  12:\t18 03 00 00 cd ab 78 56 00 00 00 00 34 12 00 00\tr3 = ... ll" -> "r3 = ... ll".
std::string_view strip_address(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0 || i >= s.size() || s[i] != ':') return s;
  s = trim(s.substr(i + 1));
  size_t bytes = 0, pos = 0;
  while (pos + 2 <= s.size() && is_hex_digit(s[pos]) && is_hex_digit(s[pos + 1]) &&
         (pos + 2 == s.size() || s[pos + 2] == ' ' || s[pos + 2] == '\t')) {
    ++bytes;
    pos += 3;
  }
  if (bytes == 8 || bytes == 16) s = trim(s.substr(std::min(pos, s.size())));
  return s;
}

// "goto +0x3 <LBB0_2>" / "... <prog+0x90>" -> without the annotation.
std::string_view strip_annotation(std::string_view s) {
  if (s.empty() || s.back() != '>') return s;
  const size_t lt = s.rfind('<');
  if (lt == std::string_view::npos || lt == 0 || (s[lt - 1] != ' ' && s[lt - 1] != '\t')) return s;
  const std::string_view inner = s.substr(lt + 1, s.size() - lt - 2);
  if (inner.empty() || inner.find_first_of(" \t<>=") != std::string_view::npos) return s;
  return trim(s.substr(0, lt));
}

// "0000000000000000 <prog>:" -> "prog".
std::optional<std::string_view> symbol_header(std::string_view s) {
  const size_t sp = s.find(' ');
  if (sp == std::string_view::npos || sp == 0 || s.size() < sp + 4 || s.substr(s.size() - 2) != ">:") return std::nullopt;
  for (size_t i = 0; i < sp; ++i)
    if (!is_hex_digit(s[i])) return std::nullopt;
  const std::string_view name = trim(s.substr(sp)).substr(1);
  return name.substr(0, name.size() - 2);
}

bool is_noise(std::string_view s) {
  return s.starts_with("Disassembly of section") || s.find(": file format") != std::string_view::npos ||
         s.find(":\tfile format") != std::string_view::npos || s.find("R_BPF_") != std::string_view::npos;
}

Error line_err(ErrorCode code, std::string msg, uint32_t pc, uint32_t line, std::string_view text, const AsmOptions& o) {
  Error e{code, static_cast<int64_t>(pc), std::move(msg), {}, {}};
  e.where = SourceLocation{o.file_name, line, 0, std::string(text)};
  return e;
}

struct Pass1 {
  std::vector<Pending> insns;
  std::unordered_map<std::string, uint32_t> labels;
  uint32_t slots = 0;
};

Result<Pass1> first_pass(std::string_view text, const AsmOptions& opts) {
  Pass1 r;
  uint32_t lineno = 0;
  for (size_t pos = 0; pos <= text.size();) {
    const size_t nl = text.find('\n', pos);
    const std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++lineno;
    std::string_view s = trim(strip_comment(raw));
    if (s.empty() || is_noise(s)) continue;
    auto define = [&](std::string_view name) -> Status {
      if (!r.labels.emplace(std::string(name), r.slots).second)
        return std::unexpected(line_err(ErrorCode::AsmDuplicateLabel, fmt::format("label '{}' defined twice", name), r.slots, lineno, raw, opts));
      return ok();
    };
    if (auto sym = symbol_header(s)) {
      if (auto st = define(*sym); !st) return std::unexpected(st.error());
      continue;
    }
    s = strip_address(s);
    // Leading "name:" labels.
    for (;;) {
      size_t i = 0;
      while (i < s.size() && is_ident_char(s[i])) ++i;
      if (i == 0 || i >= s.size() || s[i] != ':' || !is_ident_start(s[0])) break;
      if (auto st = define(s.substr(0, i)); !st) return std::unexpected(st.error());
      s = trim(s.substr(i + 1));
    }
    s = strip_annotation(s);
    if (s.empty()) continue;
    const bool classic = opts.syntax ? *opts.syntax == Syntax::Classic : looks_classic(s);
    LineResult p = classic ? parse_classic(s) : parse_llvm(s);
    if (!p) return std::unexpected(line_err(p.error().code, p.error().message, r.slots, lineno, raw, opts));
    r.insns.push_back(Pending{*p, lineno, r.slots, raw});
    r.slots += is_two_slot(p->op) ? 2 : 1;
  }
  return r;
}

}  // namespace

Result<Assembled> assemble(std::string_view text, const AsmOptions& opts) {
  auto p1 = first_pass(text, opts);
  if (!p1) return std::unexpected(p1.error());
  // "exit" names the first exit instruction unless defined explicitly.
  if (!p1->labels.contains("exit"))
    for (const Pending& p : p1->insns)
      if (p.insn.op == Op::EXIT) {
        p1->labels.emplace("exit", p.pc);
        break;
      }
  Assembled out;
  for (const Pending& p : p1->insns) {
    ParsedInsn in = p.insn;
    if (has_target(in.op)) {
      int64_t rel = in.rel.value_or(0);
      if (!in.label.empty()) {
        const auto it = p1->labels.find(in.label);
        if (it == p1->labels.end())
          return std::unexpected(line_err(ErrorCode::AsmUnknownLabel, fmt::format("unknown label '{}'", in.label), p.pc, p.line, p.text, opts));
        rel = int64_t{it->second} - (int64_t{p.pc} + 1);
      }
      const bool in_imm = target_in_imm(in.op) || info(in.op).sem == Sem::LdFunc;
      const bool fits = in_imm ? rel >= INT32_MIN && rel <= INT32_MAX : rel >= INT16_MIN && rel <= INT16_MAX;
      if (!fits) return std::unexpected(line_err(ErrorCode::AsmOffsetRange, fmt::format("jump offset {} out of range", rel), p.pc, p.line, p.text, opts));
      if (in_imm) in.imm = static_cast<int32_t>(rel);
      else in.off = static_cast<int16_t>(rel);
    }
    const bool pseudo = info(in.op).shape == Shape::LdImm64 && info(in.op).sem != Sem::LdImm64;
    const uint64_t wide = pseudo ? static_cast<uint32_t>(in.imm2) : in.imm64;
    const Insn insn = make_insn(in.op, in.dst, in.src, in.off, in.imm, wide);
    encode(insn, out.code);
    out.source_lines.push_back(p.line);
    if (insn.slots() == 2) out.source_lines.push_back(0);
  }
  return out;
}

}  // namespace decade
