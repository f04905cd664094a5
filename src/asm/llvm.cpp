// SPDX-License-Identifier: Apache-2.0
// LLVM syntax, as llvm-objdump prints it. Each row's LLVM template from the
// table is compiled once into pieces; parsing matches a line against every
// row's pieces, printing fills them in.
#include <fmt/format.h>

#include <array>
#include <optional>
#include <vector>

#include "asm/parsed.hpp"
#include "asm/text.hpp"
#include "isa/insn.hpp"

namespace decade::asmtext {
namespace {

enum class P : uint8_t { Lit, Space, Rd, Wd, Rs, Ws, Imm, Imm64, Imm2, Off, Tgt, AsDst, AsSrc, KOff };

struct Piece {
  P kind;
  char c = 0;  // for Lit
};

// llvm-objdump prints a kfunc call exactly like a helper call ("call 0x..")
// and drops its off field, so that text cannot be assembled back. This row
// uses a Decade spelling instead; every other row uses the table's template.
std::string_view llvm_template(const OpInfo& i) {
  if (i.shape == Shape::CallKfunc) return "call_kfunc {imm}, {koff}";
  return i.llvm;
}

// The pseudo ld_imm64 forms carry a second-slot imm (a BTF object fd for
// btf_id, a value offset for map_value). Rows whose template does not print
// it take it as an optional last argument: "btf_id(0x3, 0x1) ll".
bool has_optional_imm2(const OpInfo& i) {
  return i.shape == Shape::LdImm64 && i.sem != Sem::LdImm64 && i.llvm.find("{imm2}") == std::string_view::npos;
}
std::string with_imm2(std::string_view t) {
  std::string s(t);
  const size_t close = s.rfind(')');
  if (close != std::string::npos) s.insert(close, ", {imm2}");
  return s;
}

std::vector<Piece> compile(std::string_view t) {
  static constexpr std::array<std::pair<std::string_view, P>, 13> names{{
      {"rd", P::Rd}, {"wd", P::Wd}, {"rs", P::Rs}, {"ws", P::Ws}, {"imm", P::Imm}, {"imm64", P::Imm64},
      {"imm2", P::Imm2}, {"off", P::Off}, {"tgt", P::Tgt}, {"as_dst", P::AsDst}, {"as_src", P::AsSrc},
      {"koff", P::KOff}, {"", P::Lit}}};
  std::vector<Piece> out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '{' && t.find('}', i) != std::string_view::npos) {
      const size_t e = t.find('}', i);
      const std::string_view name = t.substr(i + 1, e - i - 1);
      for (const auto& [n, k] : names)
        if (n == name && k != P::Lit) out.push_back({k});
      i = e;
    } else if (t[i] == ' ') {
      out.push_back({P::Space});
    } else {
      out.push_back({P::Lit, t[i]});
    }
  }
  return out;
}

// Per row: the template's pieces, and the optional-imm2 variant (or empty).
struct Compiled {
  std::vector<Piece> main, imm2;
};
const std::vector<Compiled>& templates() {
  static const auto all = [] {
    std::vector<Compiled> v;
    for (const OpInfo& i : kOps)
      v.push_back({compile(llvm_template(i)), has_optional_imm2(i) ? compile(with_imm2(llvm_template(i))) : std::vector<Piece>{}});
    return v;
  }();
  return all;
}

// LLVM prints the value register of a sub-64-bit memory access as wN or rN
// depending on its alu32 feature; the assembler accepts either there.
bool memory_access(Shape s) {
  return s == Shape::Load || s == Shape::StoreReg || s == Shape::AtomicRmw || s == Shape::AtomicLoad || s == Shape::AtomicStore;
}

struct Matcher {
  const OpInfo& row;
  bool lenient;  // memory accesses: accept rN where wN is written and the other way round
  Cursor cur;
  ParsedInsn p;
  std::optional<uint8_t> dst, src;
  std::optional<LineError> issue;  // the text matched but a value is out of range

  void flag(ErrorCode c, std::string m) {
    if (!issue) issue = LineError{c, std::move(m)};
  }

  bool reg(char want, std::optional<uint8_t>& slot) {
    cur.skip_ws();
    const char c = cur.peek();
    if (c != want && !(lenient && memory_access(row.shape) && (c == 'r' || c == 'w'))) return false;
    const size_t b = ++cur.i;
    while (cur.i < cur.s.size() && cur.s[cur.i] >= '0' && cur.s[cur.i] <= '9') ++cur.i;
    if (cur.i == b || (cur.i < cur.s.size() && is_ident_char(cur.s[cur.i]))) return false;
    auto n = parse_number(cur.s.substr(b, cur.i - b));
    const uint8_t r = n && !n->overflow && n->magnitude <= kFramePointer ? static_cast<uint8_t>(n->magnitude) : 0xff;
    if (r == 0xff) flag(ErrorCode::AsmBadRegister, fmt::format("invalid register '{}'", cur.s.substr(b - 1, cur.i - b + 1)));
    if (slot && *slot != r) flag(ErrorCode::AsmBadOperand, "the same register must appear in both places");
    slot = r;
    return true;
  }

  std::optional<Number> number(bool allow_plus) {
    auto n = parse_number(cur.word_with_sign());
    if (!n || (n->explicit_plus && !allow_plus)) return std::nullopt;
    return n;
  }

  bool imm32(int32_t& out, bool unsigned_only) {
    auto n = number(false);
    if (!n || (unsigned_only && n->negative)) return false;
    if (!fits_imm32(*n)) flag(ErrorCode::AsmImmediateRange, "immediate does not fit in 32 bits");
    out = as_imm32(*n);
    return true;
  }

  bool offset() {
    cur.skip_ws();
    const char sign = cur.peek();
    if (sign != '+' && sign != '-') return true;  // "(r1)": offset 0
    ++cur.i;
    cur.skip_ws();
    auto n = parse_number(cur.word_with_sign());
    if (!n || n->negative || n->explicit_plus) return false;
    n->negative = sign == '-';
    if (!fits_off16(*n)) flag(ErrorCode::AsmOffsetRange, "offset does not fit in 16 bits");
    p.off = static_cast<int16_t>(n->bits());
    return true;
  }

  bool target() {
    cur.skip_ws();
    if (is_ident_start(cur.peek())) {
      p.label = std::string(cur.identifier());
      return true;
    }
    auto n = number(true);
    if (!n) return false;
    if (n->overflow || n->magnitude > 0xffffffffULL) flag(ErrorCode::AsmOffsetRange, "jump offset out of range");
    p.rel = static_cast<int64_t>(n->bits());
    return true;
  }

  bool piece(const Piece& pc, char prev) {
    switch (pc.kind) {
      case P::Lit:
        cur.skip_ws();
        if (cur.peek() != pc.c) return false;
        ++cur.i;
        return true;
      case P::Space:
        // "goto" must not run into its operand ("gotol" is another mnemonic).
        if (is_ident_char(prev) && is_ident_char(cur.peek())) return false;
        cur.skip_ws();
        return true;
      case P::Rd: return reg('r', dst);
      case P::Wd: return reg('w', dst);
      case P::Rs: return reg('r', src);
      case P::Ws: return reg('w', src);
      case P::Imm: return imm32(p.imm, row.shape == Shape::CallHelper);
      case P::Imm2: return imm32(p.imm2, false);
      case P::Imm64: {
        auto n = number(false);
        if (!n) return false;
        if (!fits_imm64(*n)) flag(ErrorCode::AsmImmediateRange, "immediate does not fit in 64 bits");
        p.imm64 = n->bits();
        return true;
      }
      case P::AsDst:
      case P::AsSrc: {
        auto n = number(false);
        if (!n || n->negative) return false;
        if (n->overflow || n->magnitude > 0xffff) flag(ErrorCode::AsmImmediateRange, "address space does not fit in 16 bits");
        const auto v = static_cast<int32_t>(n->magnitude & 0xffff);
        p.imm |= pc.kind == P::AsDst ? v << 16 : v;
        return true;
      }
      case P::Off: return offset();
      case P::KOff: {
        auto n = number(false);
        if (!n) return false;
        if (!fits_off16(*n)) flag(ErrorCode::AsmOffsetRange, "offset does not fit in 16 bits");
        p.off = static_cast<int16_t>(n->bits());
        return true;
      }
      case P::Tgt: return target();
    }
    return false;
  }

  bool run(const std::vector<Piece>& pieces) {
    char prev = 0;
    for (const Piece& pc : pieces) {
      if (!piece(pc, prev)) return false;
      if (pc.kind == P::Lit) prev = pc.c;
      else if (pc.kind != P::Space) prev = 'x';
    }
    if (!cur.done()) return false;
    p.op = row.op;
    p.dst = dst.value_or(0);
    p.src = src.value_or(0);
    return true;
  }
};

// First words of the templates, to tell an unknown mnemonic from bad syntax.
bool known_leading_word(std::string_view w) {
  if (w.size() >= 2 && (w[0] == 'r' || w[0] == 'w') && w[1] >= '0' && w[1] <= '9') return true;
  for (const OpInfo& i : kOps) {
    const std::string_view t = llvm_template(i);
    if (t.substr(0, t.find_first_of(" ({")) == w) return true;
  }
  return false;
}

std::string reg_text(char kind, uint8_t r) { return fmt::format("{}{}", kind, r); }

}  // namespace

LineResult parse_llvm(std::string_view line) {
  std::optional<LineError> issue;
  for (bool lenient : {false, true}) {
    for (size_t k = 0; k < kOps.size(); ++k) {
      for (const auto* pieces : {&templates()[k].main, &templates()[k].imm2}) {
        if (pieces->empty()) continue;
        Matcher m{kOps[k], lenient, Cursor{line, 0}, {}, {}, {}, {}};
        if (!m.run(*pieces)) continue;
        if (!m.issue) return m.p;
        if (!issue) issue = m.issue;
      }
    }
  }
  if (issue) return std::unexpected(*issue);
  Cursor c{line, 0};
  const std::string_view first = c.identifier();
  const char after = c.peek();
  if (!first.empty() && !known_leading_word(first) && (after == '\0' || after == ' ' || after == '\t'))
    return line_error(ErrorCode::AsmUnknownMnemonic, fmt::format("unknown instruction '{}'", first));
  return line_error(ErrorCode::AsmSyntax, fmt::format("cannot parse '{}'", line));
}

std::string format_llvm(const Insn& in, bool labels) {
  const OpInfo& i = in.info();
  const std::string extended = has_optional_imm2(i) && in.imm2 != 0 ? with_imm2(llvm_template(i)) : std::string();
  const std::string_view t = extended.empty() ? llvm_template(i) : std::string_view(extended);
  std::string out;
  for (size_t k = 0; k < t.size(); ++k) {
    if (t[k] != '{' || t.find('}', k) == std::string_view::npos) {
      out += t[k];
      continue;
    }
    const size_t e = t.find('}', k);
    const std::string_view n = t.substr(k + 1, e - k - 1);
    k = e;
    if (n == "rd") out += reg_text('r', in.dst);
    else if (n == "wd") out += reg_text('w', in.dst);
    else if (n == "rs") out += reg_text('r', in.src);
    else if (n == "ws") out += reg_text('w', in.src);
    else if (n == "imm") out += i.shape == Shape::CallHelper && in.imm < 0 ? fmt::format("0x{:x}", static_cast<uint32_t>(in.imm)) : hex_signed(in.imm);
    else if (n == "imm2") out += hex_signed(in.imm2);
    else if (n == "imm64") out += hex_signed(static_cast<int64_t>(in.imm64));
    else if (n == "koff") out += hex_signed(in.off);
    else if (n == "off") out += in.off < 0 ? fmt::format("- 0x{:x}", -static_cast<int32_t>(in.off)) : fmt::format("+ 0x{:x}", in.off);
    else if (n == "as_dst") out += fmt::format("0x{:x}", static_cast<uint32_t>(in.imm) >> 16);
    else if (n == "as_src") out += fmt::format("0x{:x}", static_cast<uint32_t>(in.imm) & 0xffff);
    else if (n == "tgt") {
      const int64_t rel = relative_target(in);
      if (labels) out += label_name(int64_t{in.pc} + 1 + rel);
      else out += rel < 0 ? hex_signed(rel) : "+" + hex_signed(rel);
    }
  }
  return out;
}

std::string label_name(int64_t slot) { return fmt::format("L{}", slot); }

int64_t relative_target(const Insn& in) {
  return target_in_imm(in.op) || in.info().sem == Sem::LdFunc ? int64_t{in.imm} : int64_t{in.off};
}

}  // namespace decade::asmtext
