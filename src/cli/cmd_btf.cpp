// SPDX-License-Identifier: Apache-2.0
// `decade btf dump OBJ.o`: the object's BTF, one type per line (members
// indented), in the layout of `bpftool btf dump file OBJ.o`.
#include <cstdio>

#include "cli/cli_util.hpp"
#include "cli/command.hpp"

namespace decade::cli {
namespace {

int dump(const std::string& file) {
  auto obj = open_input(file);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  auto text = obj->btf_dump();
  if (!text) return report(text.error());
  std::fputs(text->c_str(), stdout);
  return kExitOk;
}

DECADE_COMMAND("btf", "Inspect an object's BTF: dump",
                [](CLI::App& sub) -> std::function<int()> {
                  sub.require_subcommand(1);
                  auto file = std::make_shared<std::string>();
                  auto chosen = std::make_shared<bool>(false);
                  auto* d = sub.add_subcommand("dump", "Every BTF type of OBJ.o, one per line");
                  d->add_option("object", *file, "ELF object compiled with -g")->required();
                  d->callback([=] { *chosen = true; });
                  return [=] { return *chosen ? dump(*file) : kExitBadInput; };
                });

}  // namespace
}  // namespace decade::cli
