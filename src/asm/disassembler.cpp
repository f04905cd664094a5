// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include <set>

#include "asm/asm.hpp"
#include "asm/parsed.hpp"

namespace decade {

std::string disassemble(const Insn& insn, const DisasmOptions& opts) {
  return opts.syntax == Syntax::Classic ? asmtext::format_classic(insn, opts.labels) : asmtext::format_llvm(insn, opts.labels);
}

std::string disassemble(const Program& prog, const DisasmOptions& opts) {
  std::set<int64_t> targets;
  if (opts.labels)
    for (const Insn& in : prog.insns)
      if (has_target(in.op)) targets.insert(int64_t{in.pc} + 1 + asmtext::relative_target(in));
  std::string out;
  for (const Insn& in : prog.insns) {
    if (targets.contains(in.pc)) out += asmtext::label_name(in.pc) + ":\n";
    out += fmt::format("{:>4}: {}\n", in.pc, disassemble(in, opts));
  }
  return out;
}

}  // namespace decade
