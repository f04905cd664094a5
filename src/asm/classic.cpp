// SPDX-License-Identifier: Apache-2.0
// The classic syntax of the BPF conformance suite (FORMAT.md section 2):
// `mnemonic op, op, ...` with `%rN` registers and `[%rN+off]` memory.
// Mnemonics come from the table's CLASSIC column; the operands a row takes
// follow from its shape (classic_signature), used for parsing and printing.
#include <fmt/format.h>

#include <unordered_map>
#include <vector>

#include "asm/parsed.hpp"
#include "asm/text.hpp"
#include "isa/insn.hpp"

namespace decade::asmtext {
namespace {

// ArgMemDst / ArgMemSrc: a stack-argument slot, [%r11-off] / [%r11+off].
enum class K : uint8_t { Dst, Src, Imm, Imm64, Imm2, MemDst, MemSrc, ArgMemDst, ArgMemSrc, Tgt, KOff, AsDst, AsSrc };

struct Sig {
  K k[4];
  uint8_t n;
};

Sig classic_signature(const OpInfo& i) {
  switch (i.shape) {
    case Shape::AluImm: return {{K::Dst, K::Imm}, 2};
    case Shape::AluReg: return {{K::Dst, K::Src}, 2};
    case Shape::Unary: return {{K::Dst}, 1};
    case Shape::AddrSpaceCast: return {{K::Dst, K::Src, K::AsDst, K::AsSrc}, 4};
    case Shape::Load: return {{K::Dst, K::MemSrc}, 2};
    case Shape::StoreImm: return {{K::MemDst, K::Imm}, 2};
    case Shape::StoreReg: return {{K::MemDst, K::Src}, 2};
    case Shape::LoadArg: return {{K::Dst, K::ArgMemSrc}, 2};
    case Shape::StoreArg: return {{K::ArgMemDst, K::Src}, 2};
    case Shape::StoreImmArg: return {{K::ArgMemDst, K::Imm}, 2};
    case Shape::LdImm64:
      if (i.sem == Sem::LdImm64) return {{K::Dst, K::Imm64}, 2};
      if (i.sem == Sem::LdFunc) return {{K::Dst, K::Tgt}, 2};
      if (i.sem == Sem::LdMapValue || i.sem == Sem::LdMapIdxValue) return {{K::Dst, K::Imm, K::Imm2}, 3};
      return {{K::Dst, K::Imm}, 2};
    case Shape::LdAbs: return {{K::Imm}, 1};
    case Shape::LdInd: return {{K::Src, K::Imm}, 2};
    case Shape::AtomicRmw: return {{K::MemDst, K::Src}, 2};
    case Shape::AtomicLoad: return {{K::Dst, K::MemSrc}, 2};
    case Shape::AtomicStore: return {{K::MemDst, K::Src}, 2};
    case Shape::JmpImm: return {{K::Dst, K::Imm, K::Tgt}, 3};
    case Shape::JmpReg: return {{K::Dst, K::Src, K::Tgt}, 3};
    case Shape::Ja:
    case Shape::Ja32:
    case Shape::MayGoto:
    case Shape::CallLocal: return {{K::Tgt}, 1};
    case Shape::GotoX:
    case Shape::CallX: return {{K::Dst}, 1};
    case Shape::CallHelper: return {{K::Imm}, 1};
    case Shape::CallKfunc: return {{K::Imm, K::KOff}, 2};
    case Shape::Exit: return {{}, 0};
  }
  return {{}, 0};
}

bool is_reg_kind(K k) { return k == K::Dst || k == K::Src; }
bool is_arg_mem_kind(K k) { return k == K::ArgMemDst || k == K::ArgMemSrc; }

// Mnemonic -> rows, from the table plus the suite's spellings: a `64`
// suffix on ALU/JMP names, `swapN` for `bswapN`, `call %rN` for callx.
const std::unordered_map<std::string, std::vector<Op>>& mnemonics() {
  static const auto m = [] {
    std::unordered_map<std::string, std::vector<Op>> r;
    for (const OpInfo& i : kOps) r[std::string(i.classic)].push_back(i.op);
    std::vector<std::pair<std::string, std::vector<Op>>> extra;
    for (const auto& [name, ops] : r) {
      const OpInfo& i = info(ops.front());
      const bool alu_or_jmp = is_alu(i.sem) || is_cond_jump(i.sem);
      if (alu_or_jmp && i.width == 64 && !r.contains(name + "64")) extra.emplace_back(name + "64", ops);
      if (name.starts_with("bswap")) extra.emplace_back(name.substr(1), ops);
    }
    for (auto& [n, ops] : extra) r.emplace(std::move(n), std::move(ops));
    r["call"].push_back(Op::CALLX);
    return r;
  }();
  return m;
}

bool looks_reg(std::string_view t) {
  if (!t.empty() && t[0] == '%') return true;
  return t.size() >= 2 && (t[0] == 'r' || t[0] == 'R') && t[1] >= '0' && t[1] <= '9';
}

// "[%r11+8]", "[r11-16]": a stack-argument operand (the stackargs rows).
bool looks_arg_mem(std::string_view t) {
  if (!t.starts_with('[')) return false;
  t.remove_prefix(1);
  if (t.starts_with('%')) t.remove_prefix(1);
  if (t.empty() || (t[0] != 'r' && t[0] != 'R')) return false;
  t.remove_prefix(1);
  return t.starts_with("11") && t.size() > 2 && (t[2] == '+' || t[2] == '-' || t[2] == ']');
}

// Splits operands on commas and whitespace; a [...] group stays one token.
std::vector<std::string> split_operands(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : s) {
    if (c == '[') ++depth;
    if (c == ']' && depth > 0) --depth;
    const bool sep = c == ',' || c == ' ' || c == '\t';
    if (sep && depth == 0) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else if (!(depth > 0 && (c == ' ' || c == '\t'))) {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::expected<uint8_t, LineError> parse_reg(std::string_view t) {
  if (!t.empty() && t[0] == '%') t.remove_prefix(1);
  if (t.size() < 2 || (t[0] != 'r' && t[0] != 'R')) return line_error(ErrorCode::AsmBadOperand, fmt::format("expected a register, got '{}'", t));
  auto n = parse_number(t.substr(1));
  if (!n || n->hex || n->negative || n->explicit_plus) return line_error(ErrorCode::AsmBadRegister, fmt::format("invalid register '{}'", t));
  if (n->overflow || n->magnitude > kFramePointer) return line_error(ErrorCode::AsmBadRegister, fmt::format("invalid register '{}'", t));
  return static_cast<uint8_t>(n->magnitude);
}

std::expected<Number, LineError> parse_imm32(std::string_view t) {
  auto n = parse_number(t);
  if (!n) return line_error(ErrorCode::AsmBadOperand, fmt::format("expected an immediate, got '{}'", t));
  if (n->hex && n->negative) return line_error(ErrorCode::AsmBadOperand, fmt::format("negative hex immediate '{}'", t));
  const bool ok = n->hex ? fits_imm32(*n) : !n->overflow && (n->negative ? n->magnitude <= 0x80000000ULL : n->magnitude <= 0x7fffffffULL);
  if (!ok) return line_error(ErrorCode::AsmImmediateRange, fmt::format("immediate '{}' does not fit in 32 bits", t));
  return *n;
}

struct Mem {
  uint8_t reg;
  int16_t off;
};
std::expected<Mem, LineError> parse_mem(std::string_view t) {
  if (t.size() < 2 || t.front() != '[' || t.back() != ']')
    return line_error(ErrorCode::AsmBadOperand, fmt::format("expected a memory operand [%rN+off], got '{}'", t));
  t = t.substr(1, t.size() - 2);
  const size_t sign = t.find_first_of("+-");
  auto reg = parse_reg(t.substr(0, sign));
  if (!reg) return std::unexpected(reg.error());
  Mem m{*reg, 0};
  if (sign == std::string_view::npos) return m;
  auto n = parse_number(t.substr(sign));
  if (!n) return line_error(ErrorCode::AsmBadOperand, fmt::format("bad offset in '[{}]'", t));
  if (!fits_off16(*n)) return line_error(ErrorCode::AsmOffsetRange, fmt::format("offset in '[{}]' does not fit in 16 bits", t));
  m.off = static_cast<int16_t>(n->bits());
  return m;
}

std::expected<void, LineError> parse_operand(K k, std::string_view t, ParsedInsn& p) {
  switch (k) {
    case K::ArgMemDst:
    case K::ArgMemSrc: {
      // The register field is the row's fixed r11 (make_insn sets it).
      if (!looks_arg_mem(t)) return line_error(ErrorCode::AsmBadOperand, fmt::format("expected a stack argument [%r11+off], got '{}'", t));
      const size_t sign = t.find_first_of("+-");
      if (sign == std::string_view::npos) return {};
      auto n = parse_number(t.substr(sign, t.size() - 1 - sign));
      if (!n) return line_error(ErrorCode::AsmBadOperand, fmt::format("bad offset in '{}'", t));
      if (!fits_off16(*n)) return line_error(ErrorCode::AsmOffsetRange, fmt::format("offset in '{}' does not fit in 16 bits", t));
      p.off = static_cast<int16_t>(n->bits());
      return {};
    }
    case K::Dst:
    case K::Src: {
      auto r = parse_reg(t);
      if (!r) return std::unexpected(r.error());
      (k == K::Dst ? p.dst : p.src) = *r;
      return {};
    }
    case K::Imm:
    case K::Imm2:
    case K::AsDst:
    case K::AsSrc: {
      auto n = parse_imm32(t);
      if (!n) return std::unexpected(n.error());
      if ((k == K::AsDst || k == K::AsSrc) && n->bits() > 0xffff)
        return line_error(ErrorCode::AsmImmediateRange, fmt::format("address space '{}' does not fit in 16 bits", t));
      const int32_t v = as_imm32(*n);
      if (k == K::Imm) p.imm = v;
      else if (k == K::Imm2) p.imm2 = v;
      else if (k == K::AsDst) p.imm |= v << 16;
      else p.imm |= v;
      return {};
    }
    case K::Imm64: {
      auto n = parse_number(t);
      if (!n) return line_error(ErrorCode::AsmBadOperand, fmt::format("expected a 64-bit immediate, got '{}'", t));
      if (!fits_imm64(*n)) return line_error(ErrorCode::AsmImmediateRange, fmt::format("immediate '{}' does not fit in 64 bits", t));
      p.imm64 = n->bits();
      return {};
    }
    case K::MemDst:
    case K::MemSrc: {
      auto m = parse_mem(t);
      if (!m) return std::unexpected(m.error());
      (k == K::MemDst ? p.dst : p.src) = m->reg;
      p.off = m->off;
      return {};
    }
    case K::KOff: {
      auto n = parse_number(t);
      if (!n) return line_error(ErrorCode::AsmBadOperand, fmt::format("expected an offset, got '{}'", t));
      if (!fits_off16(*n)) return line_error(ErrorCode::AsmOffsetRange, fmt::format("offset '{}' does not fit in 16 bits", t));
      p.off = static_cast<int16_t>(n->bits());
      return {};
    }
    case K::Tgt: {
      if (is_identifier(t)) {
        p.label = std::string(t);
        return {};
      }
      auto n = parse_number(t);
      if (!n || n->overflow || n->magnitude > 0xffffffffULL)
        return line_error(ErrorCode::AsmBadOperand, fmt::format("expected a label or relative target, got '{}'", t));
      p.rel = static_cast<int64_t>(n->bits());
      return {};
    }
  }
  return {};
}

// The pseudo ld_imm64 forms take their second-slot imm as an optional last
// operand when their signature does not name it (see llvm.cpp).
bool optional_imm2(const OpInfo& i) {
  const Sig sig = classic_signature(i);
  return i.shape == Shape::LdImm64 && i.sem != Sem::LdImm64 && sig.k[sig.n - 1] != K::Imm2;
}

LineResult parse_for(Op op, const std::vector<std::string>& ops, std::string_view mnemonic) {
  Sig sig = classic_signature(info(op));
  if (optional_imm2(info(op)) && ops.size() == sig.n + 1u) sig.k[sig.n++] = K::Imm2;
  if (ops.size() != sig.n)
    return line_error(ErrorCode::AsmOperandCount,
                      fmt::format("Invalid number of operands for {}: expected {}, got {}", mnemonic, sig.n, ops.size()));
  ParsedInsn p;
  p.op = op;
  for (size_t k = 0; k < ops.size(); ++k)
    if (auto s = parse_operand(sig.k[k], ops[k], p); !s) return std::unexpected(s.error());
  return p;
}

}  // namespace

LineResult parse_classic(std::string_view line) {
  std::vector<std::string> toks = split_operands(line);
  if (toks.empty()) return line_error(ErrorCode::AsmSyntax, "empty instruction");
  std::string name = lower(toks[0]);
  size_t first_operand = 1;
  if (name == "lock") {
    if (toks.size() < 2) return line_error(ErrorCode::AsmOperandCount, "Invalid number of operands for lock");
    std::string op = lower(toks[1]);
    first_operand = 2;
    if (op == "fetch" && toks.size() > 2) {
      op = "fetch_" + lower(toks[2]);
      first_operand = 3;
    }
    name = "lock_" + op;
  } else if (name == "call" && toks.size() > 1 && lower(toks[1]) == "local") {
    name = "call_local";
    first_operand = 2;
  }
  const auto& m = mnemonics();
  const auto it = m.find(name);
  if (it == m.end()) return line_error(ErrorCode::AsmUnknownMnemonic, fmt::format("unknown mnemonic '{}'", name));
  const std::vector<std::string> ops(toks.begin() + static_cast<std::ptrdiff_t>(first_operand), toks.end());
  // Rows sharing a mnemonic differ in register vs immediate operands, or
  // in a memory operand based on r11 (stackargs) or on r0-r10.
  Op chosen = it->second.front();
  for (Op op : it->second) {
    const Sig sig = classic_signature(info(op));
    bool fits = true;
    for (size_t k = 0; k < ops.size() && k < sig.n; ++k) {
      if (looks_reg(ops[k]) != is_reg_kind(sig.k[k])) fits = false;
      if (ops[k].starts_with('[') && looks_arg_mem(ops[k]) != is_arg_mem_kind(sig.k[k])) fits = false;
    }
    if (fits) {
      chosen = op;
      break;
    }
  }
  return parse_for(chosen, ops, name);
}

bool looks_classic(std::string_view line) {
  // Every LLVM form but the jumps, calls and exit has '=' or '('; classic
  // operands are %rN registers and [..] memory.
  if (line.find('=') != std::string_view::npos || line.find('(') != std::string_view::npos) return false;
  if (line.find("%r") != std::string_view::npos || line.find('[') != std::string_view::npos) return true;
  const std::string first = lower(line.substr(0, line.find_first_of(" \t")));
  if (first == "call") return line.find("local") != std::string_view::npos;
  return mnemonics().contains(first) || first == "lock";
}

std::string format_classic(const Insn& in, bool labels) {
  const OpInfo& i = in.info();
  std::string name(i.classic);
  if (name.starts_with("lock_") || name == "call_local")
    for (char& c : name)
      if (c == '_') c = ' ';
  Sig sig = classic_signature(i);
  if (optional_imm2(i) && in.imm2 != 0) sig.k[sig.n++] = K::Imm2;
  std::string out = name;
  auto mem = [](uint8_t reg, int16_t off) {
    return off < 0 ? fmt::format("[%r{}-{}]", reg, -static_cast<int32_t>(off)) : fmt::format("[%r{}+{}]", reg, off);
  };
  for (uint8_t k = 0; k < sig.n; ++k) {
    out += k == 0 ? " " : ", ";
    switch (sig.k[k]) {
      case K::Dst: out += fmt::format("%r{}", in.dst); break;
      case K::Src: out += fmt::format("%r{}", in.src); break;
      case K::Imm: out += fmt::format("{}", in.imm); break;
      case K::Imm2: out += fmt::format("{}", in.imm2); break;
      case K::Imm64: out += fmt::format("0x{:x}", in.imm64); break;
      case K::MemDst: out += mem(in.dst, in.off); break;
      case K::MemSrc: out += mem(in.src, in.off); break;
      case K::ArgMemDst:
      case K::ArgMemSrc: out += mem(kArgRegister, in.off); break;
      case K::KOff: out += fmt::format("{}", in.off); break;
      case K::AsDst: out += fmt::format("{}", static_cast<uint32_t>(in.imm) >> 16); break;
      case K::AsSrc: out += fmt::format("{}", static_cast<uint32_t>(in.imm) & 0xffff); break;
      case K::Tgt: {
        const int64_t rel = relative_target(in);
        out += labels ? label_name(int64_t{in.pc} + 1 + rel) : fmt::format("{:+}", rel);
        break;
      }
    }
  }
  return out;
}

}  // namespace decade::asmtext
