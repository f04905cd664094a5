// SPDX-License-Identifier: Apache-2.0
#include "verifier/insn_text.hpp"

#include <fmt/format.h>

#include <optional>

namespace decade {
namespace {

std::string signed_dec(int64_t v) { return fmt::format("{:+}", v); }

// The kernel prints the compared immediate of a conditional jump in hex.
std::string imm_text(const Insn& in) {
  if (in.info().shape == Shape::JmpImm) return fmt::format("0x{:x}", static_cast<uint32_t>(in.imm));
  return fmt::format("{}", in.imm);
}

int64_t relative(const Insn& in) { return int64_t{in.target} - int64_t{in.pc} - 1; }

// Forms the kernel prints differently from the LLVM template, or nullopt.
std::optional<std::string> special(const Insn& in, const Platform& platform, std::span<const FuncProto* const> kfuncs) {
  const Sem sem = in.info().sem;
  const Shape shape = in.info().shape;
  if (sem == Sem::LdMapFd || sem == Sem::LdMapIdx) return fmt::format("r{} = map[idx:{}]", in.dst, in.imm);
  if (sem == Sem::LdMapValue || sem == Sem::LdMapIdxValue)
    return fmt::format("r{} = map[idx:{}][0]+{}", in.dst, in.imm, in.imm2);
  if (sem == Sem::LdImm64) return fmt::format("r{} = 0x{:x}", in.dst, in.imm64);
  if (sem == Sem::LdFunc) return fmt::format("r{} = func[pc{}]", in.dst, signed_dec(relative(in)));
  if (shape == Shape::CallHelper) {
    const FuncProto* p = platform.helper(static_cast<uint32_t>(in.imm));
    return fmt::format("call {}#{}", p ? p->name : std::string("unknown"), in.imm);
  }
  if (shape == Shape::CallLocal) return fmt::format("call pc{}", signed_dec(relative(in)));
  if (shape == Shape::CallKfunc) {
    const auto idx = static_cast<uint32_t>(in.imm);
    if (idx < kfuncs.size() && kfuncs[idx]) return fmt::format("call {}#{}", kfuncs[idx]->name, kfuncs[idx]->id);
    return fmt::format("call kfunc#{}", in.imm);
  }
  return std::nullopt;
}

}  // namespace

std::string kernel_insn_text(const Insn& in, const Platform& platform, std::span<const FuncProto* const> kfuncs) {
  if (auto s = special(in, platform, kfuncs)) return *s;
  std::string_view t = in.info().llvm;
  if (t.ends_with(" ll")) t.remove_suffix(3);
  std::string out;
  for (size_t k = 0; k < t.size(); ++k) {
    const size_t e = t[k] == '{' ? t.find('}', k) : std::string_view::npos;
    if (e == std::string_view::npos) {
      out += t[k];
      continue;
    }
    const std::string_view n = t.substr(k + 1, e - k - 1);
    k = e;
    if (n == "rd" || n == "wd") out += fmt::format("{}{}", n[0], in.dst);
    else if (n == "rs" || n == "ws") out += fmt::format("{}{}", n[0], in.src);
    else if (n == "imm") out += imm_text(in);
    else if (n == "imm2") out += fmt::format("{}", in.imm2);
    else if (n == "imm64") out += fmt::format("0x{:x}", in.imm64);
    else if (n == "koff") out += fmt::format("{}", in.off);
    else if (n == "off") out += signed_dec(in.off);
    else if (n == "tgt") out += "pc" + signed_dec(relative(in));
    else if (n == "as_dst") out += fmt::format("{}", static_cast<uint32_t>(in.imm) >> 16);
    else if (n == "as_src") out += fmt::format("{}", static_cast<uint32_t>(in.imm) & 0xffff);
  }
  return out;
}

}  // namespace decade
