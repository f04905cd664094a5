// SPDX-License-Identifier: Apache-2.0
// JSON output in bpftool's layout, for -j/--json and -p/--pretty and for the
// BTF-typed text of `map dump`: compact, or pretty with four spaces per
// level where a line break comes before each member name and before the
// closing bracket of a non-empty container (array elements stay on the
// line: `[{` ... `},{` ... `}`). Scripts parse either; tests compare shapes.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "api/json_value.hpp"

namespace decade::cli {

class JsonWriter {
 public:
  JsonWriter(std::FILE* out, bool pretty) : out_(out), pretty_(pretty) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // A member name; the next value (or container) is its value.
  void name(std::string_view n);
  void string(std::string_view s);
  // A literal as written: a number, true, false, null.
  void literal(std::string_view text);
  void value(const api::JsonValue& v);

 private:
  void separate();  // the comma before a second and later element
  void line_break();
  void open(char c);
  void close(char c);

  std::FILE* out_;
  bool pretty_;
  int depth_ = 0;
  bool need_comma_ = false;  // an element was written at this level
};

// Global output options (-j/--json, -p/--pretty), set by main() before a
// command runs; -p implies -j as in bpftool.
struct OutputMode {
  bool json = false;
  bool pretty = false;
};
OutputMode& output_mode();

}  // namespace decade::cli
