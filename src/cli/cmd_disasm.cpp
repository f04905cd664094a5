// SPDX-License-Identifier: Apache-2.0
// `decade disasm FILE [--syntax llvm|classic] [--section NAME] [--labels]`:
// raw bytecode or an ELF object (every executable section, with its function
// symbols, or the one --section names) to text that `decade asm` reads back.
// `--source` (ELF objects) lists each program as the loader builds it
// (subprograms appended, relocations applied) with the C source lines from
// BTF line info interleaved, as `llvm-objdump -S` does for sections.
#include <fmt/format.h>

#include <cstring>
#include <iostream>
#include <set>

#include "asm/asm.hpp"
#include "cli/cli_util.hpp"
#include "cli/command.hpp"
#include "cli/elf_sections.hpp"
#include "isa/decode.hpp"

namespace decade::cli {
namespace {

// Slot by slot, so that a section whose calls leave it (relocated calls
// into .text) still lists; errors name the slot of an undecodable instruction.
Result<std::string> listing(std::span<const uint8_t> bytes, const DisasmOptions& opts,
                            const std::vector<std::pair<uint32_t, std::string>>& symbols) {
  if (bytes.size() % sizeof(RawInsn) != 0)
    return make_error(ErrorCode::DecodeTruncated, fmt::format("size {} is not a multiple of 8", bytes.size()),
                      static_cast<int64_t>(bytes.size() / sizeof(RawInsn)));
  std::vector<RawInsn> raw(bytes.size() / sizeof(RawInsn));
  if (!raw.empty()) std::memcpy(raw.data(), bytes.data(), bytes.size());
  std::vector<Insn> insns;
  std::set<int64_t> starts;
  for (uint32_t pc = 0; pc < raw.size();) {
    auto in = decode_one(raw, pc);
    if (!in) return std::unexpected(in.error());
    starts.insert(pc);
    insns.push_back(*in);
    pc += in->slots();
  }
  std::set<int64_t> targets;
  for (const Insn& in : insns)
    if (opts.labels && has_target(in.op) && starts.contains(in.target)) targets.insert(in.target);
  std::string out;
  for (const Insn& in : insns) {
    for (const auto& [slot, name] : symbols)
      if (slot == in.pc) out += name + ":\n";
    if (targets.contains(in.pc)) out += fmt::format("L{}:\n", in.pc);
    const DisasmOptions o{opts.syntax, opts.labels && has_target(in.op) && targets.contains(in.target)};
    out += fmt::format("{:>4}: {}\n", in.pc, disassemble(in, o));
  }
  return out;
}

// Programs of an ELF object with their source lines; --section narrows to
// the programs of that section.
int source_listing(const std::string& file, const std::string& section) {
  auto obj = open_input(file);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  bool found = false;
  for (const auto& name : obj->program_names()) {
    auto p = obj->program(name);
    if (!p) return report(p.error());
    if (!section.empty() && p->section() != section) continue;
    found = true;
    std::cout << "Disassembly of program " << name << " (section " << p->section() << "):\n"
              << p->disassembly(true) << "\n";
  }
  if (!found)
    return report(Error{section.empty() ? ErrorCode::ElfNoProgram : ErrorCode::ElfBadSection, -1,
                        section.empty() ? file + ": no program" : file + ": no program in section " + section, {}, {}});
  return kExitOk;
}

int run_disasm(const std::string& file, const std::string& syntax, const std::string& section, bool labels,
               bool source) {
  Result<std::vector<uint8_t>> bytes = std::vector<uint8_t>{};
  if (file == "-") {
    auto text = read_text(file);
    if (!text) return report(text.error());
    bytes = std::vector<uint8_t>(text->begin(), text->end());
  } else {
    bytes = read_file(file);
  }
  if (!bytes) return report(bytes.error());
  const DisasmOptions opts{syntax == "classic" ? Syntax::Classic : Syntax::Llvm, labels};
  if (!is_elf(*bytes)) {
    if (source) return report(Error{ErrorCode::InvalidArgument, -1, "--source needs an ELF object with BTF line info", {}, {}});
    if (!section.empty()) return report(Error{ErrorCode::InvalidArgument, -1, "--section needs an ELF object", {}, {}});
    auto text = listing(*bytes, opts, {});
    if (!text) return report(text.error());
    std::cout << *text;
    return kExitOk;
  }
  if (source) {
    if (syntax != "llvm" || labels)
      return report(Error{ErrorCode::InvalidArgument, -1, "--source lists in LLVM syntax with relative offsets", {}, {}});
    return source_listing(file, section);
  }
  auto secs = read_code_sections(*bytes);
  if (!secs) return report(secs.error());
  bool found = false;
  for (const CodeSection& s : *secs) {
    if (!section.empty() && s.name != section) continue;
    found = true;
    auto text = listing(s.bytes, opts, s.symbols);
    if (!text) {
      Error e = text.error();
      e.message = "section " + s.name + ": " + e.message;
      return report(e);
    }
    std::cout << (section.empty() ? "Disassembly of section " + s.name + ":\n" : "") << *text;
    if (section.empty()) std::cout << "\n";
  }
  if (!found)
    return report(Error{section.empty() ? ErrorCode::ElfNoProgram : ErrorCode::ElfBadSection, -1,
                        section.empty() ? file + ": no executable section" : file + ": no executable section named " + section, {}, {}});
  return kExitOk;
}

DECADE_COMMAND("disasm", "Disassemble raw bytecode or the code sections of an ELF object", [](CLI::App& sub) {
  auto file = std::make_shared<std::string>();
  auto syntax = std::make_shared<std::string>("llvm");
  auto section = std::make_shared<std::string>();
  auto labels = std::make_shared<bool>(false);
  auto source = std::make_shared<bool>(false);
  sub.add_option("FILE", *file, "raw bytecode or ELF object ('-' for stdin)")->required();
  sub.add_option("--syntax", *syntax, "output syntax")->check(CLI::IsMember({"llvm", "classic"}));
  sub.add_option("--section", *section, "only this ELF section");
  sub.add_flag("--labels", *labels, "jump targets as labels instead of relative offsets");
  sub.add_flag("--source", *source, "ELF objects: each program with its C source lines from BTF line info");
  return [=] { return run_disasm(*file, *syntax, *section, *labels, *source); };
});

}  // namespace
}  // namespace decade::cli
