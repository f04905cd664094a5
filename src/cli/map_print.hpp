// SPDX-License-Identifier: Apache-2.0
// A map's elements printed as `bpftool map dump` prints them, in the mode
// of -j/-p (cli/json_writer.hpp):
//  - text, no BTF value type: "key: 06 00 00 00  value: 09 00 .." per element
//    (key and value on lines of their own past 16 bytes), then
//    "Found N element(s)";
//  - text, BTF-typed: the typed elements as pretty JSON, [{"key": 6,
//    "value": {...}}], global data as {"value": {".bss": [{"var": v}, ..]}};
//  - JSON: [{"key": ["0x06", ..], "value": [..], "formatted": {..}}] with
//    "formatted" only where BTF types the value; per-CPU maps say "values":
//    [{"cpu": N, "value": ..}].
#pragma once

#include "cli/json_writer.hpp"
#include "decade/decade.hpp"

namespace decade::cli {

// Every element of `m` in the current output mode; `w` is the writer of
// the JSON modes, which the caller ends with a newline. Unsupported for
// maps without keys (ring buffers, queues, arenas).
Status print_map(const BpfMap& m, JsonWriter& w);

// The elements of the map pinned at `path` (a pin file of
// runtime/maps/pinned.hpp), untyped, in the same shapes; ends JSON's line.
Status print_pinned(const std::string& path, JsonWriter& w);

}  // namespace decade::cli
