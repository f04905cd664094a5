// SPDX-License-Identifier: Apache-2.0
// `decade btf dump [file] F [format raw|c]`: the BTF of an object (or of a
// raw .BTF file such as /sys/kernel/btf/vmlinux), one type per line in the
// layout of `bpftool btf dump file F` (raw), or as a C header (c).
#include <cstdio>

#include "api/btf_format.hpp"
#include "api/object_impl.hpp"
#include "btf/btf_c.hpp"
#include "cli/cli_util.hpp"
#include "cli/command.hpp"

namespace decade::cli {
namespace {

// bpftool's word order: [file] F [format raw|c].
int dump(std::vector<std::string> args) {
  std::string format = "raw";
  if (args.size() >= 2 && args[args.size() - 2] == "format") {
    format = args.back();
    args.resize(args.size() - 2);
  }
  if (args.size() == 2 && args[0] == "file") args.erase(args.begin());
  if (args.size() != 1 || (format != "raw" && format != "c"))
    return report(Error{ErrorCode::InvalidArgument, -1, "usage: btf dump [file] F [format raw|c]", {}, {}});
  auto bytes = read_file(args[0]);
  if (!bytes) return report(bytes.error());
  auto btf = api::parse_target_btf(*bytes);
  if (!btf) return report(btf.error());
  const std::string text = format == "c" ? btfc::dump_c(**btf) : api::dump_btf(**btf);
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

DECADE_COMMAND("btf", "Inspect BTF: dump",
                [](CLI::App& sub) -> std::function<int()> {
                  sub.require_subcommand(1);
                  auto args = std::make_shared<std::vector<std::string>>();
                  auto chosen = std::make_shared<bool>(false);
                  auto* d = sub.add_subcommand("dump", "[file] F [format raw|c]: every BTF type of F, one per line, or C");
                  d->add_option("args", *args, "[file] ELF object (-g) or raw .BTF file, then optionally format raw|c")
                      ->required()
                      ->expected(1, 4);
                  d->callback([=] { *chosen = true; });
                  return [=] { return *chosen ? dump(*args) : kExitBadInput; };
                });

}  // namespace
}  // namespace decade::cli
