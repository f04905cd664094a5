// SPDX-License-Identifier: Apache-2.0
#include "cli/json_writer.hpp"

#include <fmt/format.h>

namespace decade::cli {

OutputMode& output_mode() {
  static OutputMode m;
  return m;
}

void JsonWriter::separate() {
  if (need_comma_) std::fputc(',', out_);
  need_comma_ = true;
}

void JsonWriter::line_break() {
  if (!pretty_) return;
  std::fputc('\n', out_);
  for (int i = 0; i < depth_; ++i) std::fputs("    ", out_);
}

void JsonWriter::open(char c) {
  separate();
  std::fputc(c, out_);
  ++depth_;
  need_comma_ = false;
}

void JsonWriter::close(char c) {
  --depth_;
  if (need_comma_) line_break();  // a non-empty container ends on its own line
  std::fputc(c, out_);
  need_comma_ = true;
}

void JsonWriter::name(std::string_view n) {
  separate();
  line_break();
  need_comma_ = false;  // the value that follows takes no comma
  string(n);
  std::fputs(pretty_ ? ": " : ":", out_);
  need_comma_ = false;
}

void JsonWriter::string(std::string_view s) {
  separate();
  std::string q = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': q += "\\\""; break;
      case '\\': q += "\\\\"; break;
      case '\n': q += "\\n"; break;
      case '\t': q += "\\t"; break;
      case '\r': q += "\\r"; break;
      default:
        if (u < 0x20) q += fmt::format("\\u{:04x}", u);
        else q += c;
    }
  }
  q += '"';
  std::fputs(q.c_str(), out_);
}

void JsonWriter::literal(std::string_view text) {
  separate();
  std::fwrite(text.data(), 1, text.size(), out_);
}

void JsonWriter::value(const api::JsonValue& v) {
  using K = api::JsonValue::Kind;
  switch (v.kind) {
    case K::Null: literal("null"); break;
    case K::Bool: literal(v.boolean ? "true" : "false"); break;
    case K::Number: literal(v.text); break;
    case K::String: string(v.text); break;
    case K::Array:
      begin_array();
      for (const auto& item : v.items) value(item);
      end_array();
      break;
    case K::Object:
      begin_object();
      for (const auto& m : v.members) {
        name(m.name);
        value(m.value);
      }
      end_object();
      break;
  }
}

}  // namespace decade::cli
