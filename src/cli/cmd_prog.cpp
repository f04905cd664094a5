// SPDX-License-Identifier: Apache-2.0
// `decade prog list OBJ.o`: the programs (section, type, size) and maps of an
// object. `decade prog dump [xlated|jited] OBJ.o [--prog NAME]`: the
// instructions as bpftool prints them, or the JIT's native code (prog_dump.hpp).
#include <cstdio>

#include "cli/cli_util.hpp"
#include "cli/command.hpp"
#include "cli/prog_dump.hpp"

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

// `dump [xlated|jited] OBJ`: the mode word is optional (xlated), as the
// object comes last either way.
int dump(const std::vector<std::string>& args, const std::string& prog, bool no_source) {
  const bool moded = args.size() == 2;
  const std::string& mode = moded ? args[0] : std::string("xlated");
  if (args.empty() || args.size() > 2 || (mode != "xlated" && mode != "jited"))
    return report(Error{ErrorCode::InvalidArgument, -1, "usage: prog dump [xlated|jited] OBJ", {}, {}});
  const std::string& file = args.back();
  return mode == "jited" ? dump_jited(file, prog, !no_source) : dump_xlated(file, prog, !no_source);
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
                  auto dump_args = std::make_shared<std::vector<std::string>>();
                  auto* d = sub.add_subcommand("dump", "[xlated|jited] OBJ: instructions as bpftool prints them, or the JIT's code");
                  d->add_option("args", *dump_args, "xlated (default) or jited, then the ELF object or raw bytecode")
                      ->required()
                      ->expected(1, 2);
                  d->add_option("--prog", *prog, "only this program");
                  d->add_flag("--no-source", *no_source, "instructions only");
                  d->callback([=] { *action = [=] { return dump(*dump_args, *prog, *no_source); }; });
                  return [action] { return *action ? (*action)() : kExitBadInput; };
                });

}  // namespace
}  // namespace decade::cli
