// SPDX-License-Identifier: Apache-2.0
// `decade features`: what this build supports, one "kind name" per line:
// its engines (the default first) and the Decade ISA extensions it
// implements (docs/isa-extensions.md). Uses only the public API.
#include <cstdio>

#include "cli/command.hpp"
#include "decade/decade.hpp"

namespace decade::cli {
namespace {

int features() {
  for (const std::string& e : engines()) std::printf("engine %s\n", e.c_str());
  for (const std::string& x : extensions()) std::printf("extension %s\n", x.c_str());
  return kExitOk;
}

DECADE_COMMAND("features", "List the engines and the ISA extensions this build supports",
                [](CLI::App&) -> std::function<int()> { return [] { return features(); }; });

}  // namespace
}  // namespace decade::cli
