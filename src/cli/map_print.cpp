// SPDX-License-Identifier: Apache-2.0
#include "cli/map_print.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>

#include "api/json_value.hpp"

namespace decade::cli {
namespace {

Result<std::vector<Element>> elements(const BpfMap& m) {
  if (m.key_size() == 0)
    return make_error(ErrorCode::Unsupported,
                      fmt::format("map '{}' ({}) has no keys to dump", m.name(), m.type_name()));
  std::vector<Element> out;
  std::vector<uint8_t> key(m.key_size()), next(m.key_size());
  bool first = true;
  for (uint64_t guard = 0; guard <= uint64_t{m.max_entries()} + 1; ++guard) {
    auto more = m.next_key(first ? std::span<const uint8_t>() : std::span<const uint8_t>(key), next);
    if (!more) return Unexpected<Error>(more.error());
    if (!*more) break;
    first = false;
    key = next;
    Element e{key, std::vector<uint8_t>(m.host_value_size())};
    if (!m.lookup(e.key, e.value)) continue;  // deleted meanwhile
    out.push_back(std::move(e));
  }
  return out;
}

bool per_cpu(const BpfMap& m) { return m.host_value_size() != m.value_size(); }

Layout layout_of(const BpfMap& m) { return {m.key_size(), m.value_size(), per_cpu(m)}; }

// bpftool's hex: bytes split by a space, two after each 8, 16 a line.
std::string hex_lines(std::span<const uint8_t> b) {
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i) out += i % 16 == 0 ? "\n" : i % 8 == 0 ? "  " : " ";
    out += fmt::format("{:02x}", b[i]);
  }
  return out;
}

}  // namespace

void print_plain(const Layout& m, const std::vector<Element>& all, bool count) {
  const bool split = m.key_size > 16 || m.value_size > 16 || m.per_cpu;
  const size_t stride = (m.value_size + 7) & ~size_t{7};
  for (const auto& e : all) {
    std::printf(split ? "key:\n%s\n" : "key: %s  ", hex_lines(e.key).c_str());
    if (!m.per_cpu) {
      std::printf(split ? "value:\n%s\n" : "value: %s\n", hex_lines(e.value).c_str());
      continue;
    }
    for (size_t off = 0, cpu = 0; off + stride <= e.value.size(); off += stride, ++cpu)
      std::printf("value (CPU %02zu): %s\n", cpu,
                  hex_lines(std::span<const uint8_t>(e.value).subspan(off, m.value_size)).c_str());
  }
  if (count) std::printf("Found %zu element%s\n", all.size(), all.size() == 1 ? "" : "s");
}

namespace {

void hex_array(JsonWriter& w, std::span<const uint8_t> b) {
  w.begin_array();
  for (uint8_t x : b) w.string(fmt::format("0x{:02x}", x));
  w.end_array();
}

api::JsonValue parsed(const std::string& text) {
  auto v = api::parse_json(text);
  if (v) return std::move(*v);
  api::JsonValue s;  // not JSON (cannot happen for BpfMap's formatters): keep the text
  s.kind = api::JsonValue::Kind::String;
  s.text = text;
  return s;
}

// Global data as bpftool shows a DATASEC: {".bss": [{"var": value}, ...]}.
api::JsonValue datasec(std::string_view section, api::JsonValue vars) {
  api::JsonValue list;
  list.kind = api::JsonValue::Kind::Array;
  for (auto& member : vars.members) {
    api::JsonValue one;
    one.kind = api::JsonValue::Kind::Object;
    one.members.push_back(std::move(member));
    list.items.push_back(std::move(one));
  }
  api::JsonValue out;
  out.kind = api::JsonValue::Kind::Object;
  out.members.push_back({std::string(section), std::move(list)});
  return out;
}

bool is_datasec(const BpfMap& m) { return m.btf_key_type_id() == 0 && m.section() != ".maps" && m.section().starts_with('.'); }

// The BTF-typed members of one element: "key" (when typed), then "value"
// or, per CPU, "values".
void typed_members(JsonWriter& w, const BpfMap& m, const Element& e) {
  if (m.btf_key_type_id()) {
    w.name("key");
    w.value(parsed(m.format_key(e.key)));
  }
  api::JsonValue v = parsed(m.format_value(e.value));
  if (is_datasec(m) && v.kind == api::JsonValue::Kind::Object) v = datasec(m.section(), std::move(v));
  w.name(per_cpu(m) ? "values" : "value");
  w.value(v);
}

}  // namespace

void raw_members(JsonWriter& w, const Layout& m, const Element& e) {
  w.name("key");
  hex_array(w, e.key);
  if (!m.per_cpu) {
    w.name("value");
    hex_array(w, e.value);
    return;
  }
  const size_t stride = (m.value_size + 7) & ~size_t{7};
  w.name("values");
  w.begin_array();
  for (size_t off = 0, cpu = 0; off + stride <= e.value.size(); off += stride, ++cpu) {
    w.begin_object();
    w.name("cpu");
    w.literal(fmt::format("{}", cpu));
    w.name("value");
    hex_array(w, std::span<const uint8_t>(e.value).subspan(off, m.value_size));
    w.end_object();
  }
  w.end_array();
}

Status print_map(const BpfMap& m, JsonWriter& w) {
  auto all = elements(m);
  if (!all) return Unexpected<Error>(all.error());
  const bool typed = m.btf_value_type_id() != 0;
  if (!output_mode().json && !typed) {
    print_plain(layout_of(m), *all, true);
    return {};
  }
  w.begin_array();
  for (const auto& e : *all) {
    w.begin_object();
    if (!output_mode().json) {
      typed_members(w, m, e);
    } else {
      raw_members(w, layout_of(m), e);
      if (typed) {
        w.name("formatted");
        w.begin_object();
        typed_members(w, m, e);
        w.end_object();
      }
    }
    w.end_object();
  }
  w.end_array();
  return {};
}

// Whether print_map writes JSON for `m` (then the caller ends the line).
bool prints_json(const BpfMap& m) { return output_mode().json || m.btf_value_type_id() != 0; }

// Every map with keys: text gives "NAME (type):" above each, JSON one array
// of {"name", "type", "elements"} so the output stays one document.
Status print_all_maps(const BpfObject& obj, JsonWriter& w) {
  const bool json = output_mode().json;
  if (json) w.begin_array();
  for (const auto& name : obj.map_names()) {
    auto m = obj.map(name);
    if (!m) return std::unexpected(m.error());
    if (m->key_size() == 0) continue;  // ring buffers, queues, arenas: nothing to list
    if (json) {
      w.begin_object();
      w.name("name");
      w.string(name);
      w.name("type");
      w.string(m->type_name());
      w.name("elements");
    } else {
      std::printf("%s (%s):\n", name.c_str(), std::string(m->type_name()).c_str());
    }
    // In text each map's typed elements are a JSON document of their own:
    // a writer shared across maps would put a comma before the second.
    JsonWriter own(stdout, true);
    if (auto s = print_map(*m, json ? w : own); !s) return s;
    if (json) w.end_object();
    else if (prints_json(*m)) std::printf("\n");
  }
  if (json) {
    w.end_array();
    std::printf("\n");
  }
  return ok();
}

}  // namespace decade::cli
