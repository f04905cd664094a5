// SPDX-License-Identifier: Apache-2.0
// `decade prog list OBJ.o`: the programs (section, type, size) and maps of an
// object. `decade prog dump OBJ.o [--prog NAME]`: disassembly with C lines.
#include <cstdio>

#include "cli/cli_util.hpp"
#include "cli/command.hpp"

namespace decade::cli {
namespace {

int list(const std::string& file) {
  auto obj = open_input(file);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  std::printf("%-24s %-20s %-14s %6s\n", "PROGRAM", "SECTION", "TYPE", "INSNS");
  for (const auto& name : obj->program_names()) {
    auto p = obj->program(name);
    if (!p) return report(p.error());
    std::string type(p->type());
    std::printf("%-24s %-20s %-14s %6zu\n", name.c_str(), std::string(p->section()).c_str(),
                type.empty() ? "(unknown)" : type.c_str(), p->insn_count());
  }
  auto maps = obj->map_names();
  if (maps.empty()) return kExitOk;
  std::printf("\n%-24s %-16s %6s %6s %12s\n", "MAP", "TYPE", "KEY", "VALUE", "MAX_ENTRIES");
  for (const auto& name : maps) {
    auto m = obj->map(name);
    if (!m) return report(m.error());
    std::printf("%-24s %-16s %6u %6u %12u\n", name.c_str(), std::string(m->type_name()).c_str(), m->key_size(),
                m->value_size(), m->max_entries());
  }
  return kExitOk;
}

int dump(const std::string& file, const std::string& prog, bool no_source) {
  auto obj = open_input(file);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  for (const auto& name : obj->program_names()) {
    if (!prog.empty() && name != prog) continue;
    auto p = obj->program(name);
    if (!p) return report(p.error());
    std::printf("%s (section %s, type %s):\n%s\n", name.c_str(), std::string(p->section()).c_str(),
                std::string(p->type()).c_str(), p->disassembly(!no_source).c_str());
    if (!prog.empty()) return kExitOk;
  }
  if (!prog.empty()) return report(Error{ErrorCode::ProgramNotFound, -1, "no program named '" + prog + "'", {}, {}});
  return kExitOk;
}

DECADE_COMMAND("prog", "Inspect the programs of an object: list, dump",
                [](CLI::App& sub) -> std::function<int()> {
                  sub.require_subcommand(1);
                  auto file = std::make_shared<std::string>();
                  auto prog = std::make_shared<std::string>();
                  auto no_source = std::make_shared<bool>(false);
                  auto action = std::make_shared<std::function<int()>>();
                  auto* l = sub.add_subcommand("list", "Programs (section, type, instructions) and maps of OBJ.o");
                  l->add_option("object", *file, "ELF object")->required();
                  l->callback([=] { *action = [=] { return list(*file); }; });
                  auto* d = sub.add_subcommand("dump", "Disassemble programs, with the C source lines from BTF");
                  d->add_option("object", *file, "ELF object or raw bytecode")->required();
                  d->add_option("--prog", *prog, "only this program");
                  d->add_flag("--no-source", *no_source, "instructions only");
                  d->callback([=] { *action = [=] { return dump(*file, *prog, *no_source); }; });
                  return [action] { return *action ? (*action)() : kExitBadInput; };
                });

}  // namespace
}  // namespace decade::cli
