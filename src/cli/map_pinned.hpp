// SPDX-License-Identifier: Apache-2.0
// The map subcommands that work on pins (runtime/maps/pinned.hpp), with
// bpftool's syntax and output:
//   map dump pinned PATH
//   map lookup pinned PATH key DATA
//   map update pinned PATH key DATA value DATA [any|exist|noexist]
//   map delete pinned PATH key DATA
//   map pin pinned PATH FILE | map pin OBJ name NAME FILE
// DATA is key_size (value: value_size) bytes, each decimal or 0x-prefixed
// hex (strtoul base 0), or all hex after the word `hex`. A per-CPU map's
// value given once is written to every CPU, as bpftool does.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/json_writer.hpp"
#include "decade/error.hpp"

namespace decade::cli {

// The elements of the map pinned at `path`, untyped, in map_print's shapes;
// ends JSON's line.
Status print_pinned(const std::string& path, JsonWriter& w);

// Adds lookup, update, delete and pin under `map`; the chosen one's action
// goes to *action.
void add_pinned_subcommands(CLI::App& map, const std::shared_ptr<std::function<int()>>& action);

}  // namespace decade::cli
