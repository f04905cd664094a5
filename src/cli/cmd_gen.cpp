// SPDX-License-Identifier: Apache-2.0
// `decade gen skeleton OBJ.o [--name NAME]`: the C skeleton of an object
// on standard output (cli/skeleton.hpp), as `bpftool gen skeleton`.
#include <cstdio>

#include "cli/cli_util.hpp"
#include "cli/command.hpp"
#include "cli/skeleton.hpp"

namespace decade::cli {
namespace {

// libbpf's default name: the file name up to its first '.'.
std::string default_name(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  return base.substr(0, base.find('.'));
}

int gen(const std::string& file, const std::string& name) {
  auto bytes = read_file(file);
  if (!bytes) return report(bytes.error());
  const std::string n = name.empty() ? default_name(file) : name;
  auto obj = BpfObject::open(*bytes, n);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  auto text = skeleton(*obj, *bytes, n);
  if (!text) return report(text.error());
  std::fputs(text->c_str(), stdout);
  return kExitOk;
}

DECADE_COMMAND("gen", "Generate code: skeleton",
                [](CLI::App& sub) -> std::function<int()> {
                  sub.require_subcommand(1);
                  auto file = std::make_shared<std::string>();
                  auto name = std::make_shared<std::string>();
                  auto chosen = std::make_shared<bool>(false);
                  auto* s = sub.add_subcommand("skeleton", "A C header that embeds OBJ and types its global data");
                  s->add_option("object", *file, "ELF object compiled with -g")->required();
                  s->add_option("--name", *name, "the skeleton's name (default: the file name up to its first '.')");
                  s->callback([=] { *chosen = true; });
                  return [=] { return *chosen ? gen(*file, *name) : kExitBadInput; };
                });

}  // namespace
}  // namespace decade::cli
