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

// Whether print_map writes JSON for `m` (then the caller ends the line).
bool prints_json(const BpfMap& m);
// Every map with keys, as `decade map dump OBJ` prints them: text gives
// "NAME (type):" above each, JSON one array of {"name", "type",
// "elements"} so the output stays one document.
Status print_all_maps(const BpfObject& obj, JsonWriter& w);

// The untyped printers, for maps known only by their sizes (pins).
struct Element {
  std::vector<uint8_t> key, value;  // value: host_value_size bytes (every CPU's)
};
struct Layout {
  uint32_t key_size, value_size;
  bool per_cpu;
};
// bpftool's text for each element, then "Found N element(s)" when `count`.
void print_plain(const Layout& m, const std::vector<Element>& all, bool count);
// "key" and "value" (per CPU: "values") members of one element's JSON object.
void raw_members(JsonWriter& w, const Layout& m, const Element& e);

}  // namespace decade::cli
