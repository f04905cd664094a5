// SPDX-License-Identifier: Apache-2.0
// apply_map_init (see map_init.hpp). The element's JSON is split into its
// key and value texts here; BpfMap::parse_key / parse_value type them.
#include "cli/map_init.hpp"

#include <fmt/format.h>

#include <sstream>

#include "cli/cli_util.hpp"
#include "cli/command.hpp"

namespace decade::cli {
namespace {

// The text of member `name`'s value in the one-line JSON object `line`:
// scans strings and nesting so that commas and braces inside values do
// not end it. Empty when absent.
std::string member_text(std::string_view line, std::string_view name) {
  const std::string needle = fmt::format("\"{}\"", name);
  int depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_str) {
      if (c == '\\') ++i;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') --depth;
    else if (c == '"' && depth == 1 && line.substr(i, needle.size()) == needle) {
      size_t j = i + needle.size();
      while (j < line.size() && line[j] == ' ') ++j;
      if (j >= line.size() || line[j] != ':') { in_str = true; continue; }
      const size_t start = ++j;
      int d = 0;
      bool s = false;
      for (; j < line.size(); ++j) {
        const char k = line[j];
        if (s) {
          if (k == '\\') ++j;
          else if (k == '"') s = false;
        } else if (k == '"') s = true;
        else if (k == '{' || k == '[') ++d;
        else if ((k == '}' || k == ']') && d-- == 0) break;
        else if (k == ',' && d == 0) break;
      }
      std::string_view v = line.substr(start, j - start);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return std::string(v);
    } else if (c == '"') in_str = true;
  }
  return {};
}

// Whether `line` is one object: its braces and brackets (outside strings)
// close exactly at its last character. Member values are checked by
// parse_key / parse_value; this catches a line cut short.
bool one_object(std::string_view line) {
  int depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_str) {
      if (c == '\\') ++i;
      else if (c == '"') in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1 == line.size();
    }
  }
  return false;
}

// "NAME (TYPE):" as `map dump` prints it before a map's elements.
std::string header_map(std::string_view line) {
  if (!line.ends_with("):")) return {};
  const size_t paren = line.rfind(" (");
  return paren == std::string_view::npos ? std::string() : std::string(line.substr(0, paren));
}

Status one_element(const BpfObject& obj, std::string_view line, const std::string& current) {
  if (!one_object(line)) return make_error(ErrorCode::ValueTextMalformed, "the line is not one JSON object");
  std::string map = current;
  if (const std::string m = member_text(line, "map"); !m.empty()) {
    if (m.size() < 2 || m.front() != '"' || m.back() != '"')
      return make_error(ErrorCode::ValueTextMalformed, "\"map\" is the map's name as a string");
    map = m.substr(1, m.size() - 2);
  }
  if (map.empty())
    return make_error(ErrorCode::ValueTextMalformed, "no map named: give \"map\" or a \"NAME (TYPE):\" line before");
  auto m = obj.map(map);
  if (!m) return std::unexpected(m.error());
  const std::string key_text = member_text(line, "key"), value_text = member_text(line, "value");
  if (key_text.empty() || value_text.empty())
    return make_error(ErrorCode::ValueTextMalformed, "expected {\"key\": K, \"value\": V}");
  auto key = m->parse_key(key_text);
  if (!key) return std::unexpected(key.error());
  auto value = m->parse_value(value_text);
  if (!value) return std::unexpected(value.error());
  return m->update(std::span<const uint8_t>(*key), std::span<const uint8_t>(*value));
}

}  // namespace

Status apply_map_init(const BpfObject& obj, const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  std::istringstream in(std::string(bytes->begin(), bytes->end()));
  std::string line, current;
  for (uint32_t n = 1; std::getline(in, line); ++n) {
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::string_view text = std::string_view(line).substr(first);
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    Status s = ok();
    if (text.front() == '{') {
      s = one_element(obj, text, current);
    } else if (std::string h = header_map(text); !h.empty()) {
      current = std::move(h);
    } else {
      s = make_error(ErrorCode::ValueTextMalformed, "expected a JSON element or a \"NAME (TYPE):\" line");
    }
    if (!s) {
      Error e = s.error();
      e.where = {path, n, 0, line};
      return std::unexpected(std::move(e));
    }
  }
  return ok();
}

}  // namespace decade::cli
