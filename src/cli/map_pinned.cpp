// SPDX-License-Identifier: Apache-2.0
#include "cli/map_pinned.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "cli/cli_util.hpp"
#include "cli/command.hpp"
#include "cli/map_print.hpp"
#include "runtime/map.hpp"
#include "runtime/maps/pinned.hpp"

namespace decade::cli {
namespace {

using Args = std::vector<std::string>;

Error bad_input(std::string msg) { return Error{ErrorCode::InvalidArgument, -1, std::move(msg), {}, {}}; }

struct Pin {
  std::unique_ptr<Map> map;
  PinHeader header{};
  std::vector<uint8_t> key;  // lookup, update, delete: the key of the command line
  Layout layout() const {
    return {header.key_size, header.value_size, header.cpus > 1 || header.type == uint32_t(MapType::PercpuArray) ||
                                                    header.type == uint32_t(MapType::PercpuHash) ||
                                                    header.type == uint32_t(MapType::LruPercpuHash)};
  }
};

// "pinned PATH" at args[*at]: the pin, opened.
Result<Pin> open_pin(const Args& args, size_t* at) {
  if (args.size() < *at + 2 || args[*at] != "pinned") return Unexpected<Error>(bad_input("expected: pinned PATH"));
  Pin p;
  auto m = open_pinned_file(args[*at + 1], &p.header);
  if (!m) return Unexpected<Error>(m.error());
  p.map = std::move(*m);
  *at += 2;
  return p;
}

// `WORD [hex] BYTE...` at args[*at], exactly n bytes (bpftool's parse_bytes).
Result<std::vector<uint8_t>> parse_data(const Args& args, size_t* at, std::string_view word, size_t n) {
  if (*at >= args.size() || args[*at] != word) return Unexpected<Error>(bad_input(fmt::format("'{}' expected", word)));
  ++*at;
  int base = 0;
  if (*at < args.size() && args[*at] == "hex") {
    base = 16;
    ++*at;
  }
  std::vector<uint8_t> out;
  for (; out.size() < n; ++*at) {
    if (*at >= args.size()) return Unexpected<Error>(bad_input(fmt::format("{}: {} bytes expected, got {}", word, n, out.size())));
    const char* s = args[*at].c_str();
    char* end = nullptr;
    errno = 0;
    const unsigned long b = std::strtoul(s, &end, base);
    if (!*s || *end || errno || b > 0xff) return Unexpected<Error>(bad_input(fmt::format("error parsing byte: {}", s)));
    out.push_back(static_cast<uint8_t>(b));
  }
  return out;
}

// "pinned PATH key BYTE..." at args[*at]: the pin, opened, and the key.
Result<Pin> open_pin_key(const Args& args, size_t* at) {
  auto p = open_pin(args, at);
  if (!p) return p;
  auto key = parse_data(args, at, "key", p->header.key_size);
  if (!key) return Unexpected<Error>(key.error());
  p->key = std::move(*key);
  return p;
}

// A per-CPU value given once stands for every CPU.
std::vector<uint8_t> host_value(const Pin& p, std::vector<uint8_t> value) {
  if (!p.layout().per_cpu) return value;
  const size_t stride = (p.header.value_size + 7) & ~size_t{7};
  std::vector<uint8_t> all(stride * p.header.cpus);
  for (uint32_t c = 0; c < p.header.cpus; ++c) std::memcpy(all.data() + c * stride, value.data(), value.size());
  return all;
}

int map_errno(long rc, std::string_view op) {
  return report(Error{rc == -ENOENT ? ErrorCode::MapKeyNotFound : ErrorCode::InvalidArgument, -1,
                      fmt::format("{} failed: {}", op, std::strerror(static_cast<int>(-rc))), {}, {}},
                kExitRejected);
}

// Success of a command that prints nothing: bpftool's JSON says null.
int done() {
  if (output_mode().json) std::printf("null\n");
  return kExitOk;
}

int extra(const Args& args, size_t at) {
  return at == args.size() ? kExitOk : report(bad_input(fmt::format("unexpected '{}'", args[at])));
}

int lookup(const Args& args) {
  size_t at = 0;
  auto p = open_pin_key(args, &at);
  if (!p) return report(p.error());
  if (int rc = extra(args, at)) return rc;
  Element e{p->key, std::vector<uint8_t>(p->map->host_value_size())};
  const long rc = p->map->host_lookup(e.key.data(), e.value.data(), 0);
  if (rc == -ENOENT) {
    if (output_mode().json) std::printf("null\n");
    else std::printf("key:\n%s\n\nNot found\n", fmt::format("{:02x}", fmt::join(e.key, " ")).c_str());
    return kExitRejected;
  }
  if (rc) return map_errno(rc, "lookup");
  if (!output_mode().json) {
    print_plain(p->layout(), {e}, false);
    return kExitOk;
  }
  JsonWriter w(stdout, output_mode().pretty);
  w.begin_object();
  raw_members(w, p->layout(), e);
  w.end_object();
  std::printf("\n");
  return kExitOk;
}

int update(const Args& args) {
  size_t at = 0;
  auto p = open_pin_key(args, &at);
  if (!p) return report(p.error());
  auto value = parse_data(args, &at, "value", p->header.value_size);
  if (!value) return report(value.error());
  uint64_t flags = kBpfAny;
  if (at < args.size()) {
    const std::string& f = args[at++];
    if (f == "exist") flags = kBpfExist;
    else if (f == "noexist") flags = kBpfNoExist;
    else if (f != "any") return report(bad_input(fmt::format("unknown update flag '{}' (any, exist, noexist)", f)));
  }
  if (int rc = extra(args, at)) return rc;
  const std::vector<uint8_t> v = host_value(*p, std::move(*value));
  if (long rc = p->map->host_update(p->key.data(), v.data(), flags)) return map_errno(rc, "update");
  return done();
}

int erase(const Args& args) {
  size_t at = 0;
  auto p = open_pin_key(args, &at);
  if (!p) return report(p.error());
  if (int rc = extra(args, at)) return rc;
  if (long rc = p->map->erase(p->key.data())) return map_errno(rc, "delete");
  return done();
}

// `pin pinned PATH FILE` links the pin file; `pin OBJ name NAME FILE`
// loads OBJ (its PIN_BY_NAME maps from pin_dir) and pins its map NAME.
int pin(const Args& args, const std::string& pin_dir) {
  if (args.size() == 3 && args[0] == "pinned") {
    PinHeader h{};
    if (auto m = open_pinned_file(args[1], &h); !m) return report(m.error());
    if (link(args[1].c_str(), args[2].c_str()) != 0)
      return report(Error{ErrorCode::IoError, -1, fmt::format("can't pin the object ({}): {}", args[2], std::strerror(errno)), {}, {}});
    return done();
  }
  if (args.size() != 4 || args[1] != "name") return report(bad_input("usage: map pin pinned PATH FILE | map pin OBJ name NAME FILE"));
  auto obj = open_input(args[0]);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  LoadOptions lo;
  lo.pin_dir = pin_dir;
  if (auto s = obj->load(lo); !s) return report(s.error(), exit_code_for(s.error()));
  auto m = obj->map(args[2]);
  if (!m) return report(m.error());
  if (auto s = m->pin(args[3]); !s) return report(s.error());
  return done();
}

}  // namespace

Status print_pinned(const std::string& path, JsonWriter& w) {
  Pin p;
  auto m = open_pinned_file(path, &p.header);
  if (!m) return Unexpected<Error>(m.error());
  p.map = std::move(*m);
  std::vector<Element> all;
  std::vector<uint8_t> key(p.header.key_size), next(p.header.key_size);
  for (bool first = true; p.map->get_next_key(first ? nullptr : key.data(), next.data()); first = false) {
    key = next;
    Element e{key, std::vector<uint8_t>(p.map->host_value_size())};
    if (p.map->host_lookup(e.key.data(), e.value.data(), 0) == 0) all.push_back(std::move(e));  // else deleted meanwhile
  }
  if (!output_mode().json) {
    print_plain(p.layout(), all, true);
    return {};
  }
  w.begin_array();
  for (const auto& e : all) {
    w.begin_object();
    raw_members(w, p.layout(), e);
    w.end_object();
  }
  w.end_array();
  std::printf("\n");
  return {};
}

void add_pinned_subcommands(CLI::App& map, const std::shared_ptr<std::function<int()>>& action) {
  auto args = std::make_shared<Args>();
  auto pin_dir = std::make_shared<std::string>();
  auto add = [&](const char* name, const char* help, const char* usage, std::function<int(const Args&)> fn) {
    CLI::App* c = map.add_subcommand(name, help);
    c->add_option("args", *args, usage)->required()->expected(1, -1);
    c->callback([=] { *action = [=] { return fn(*args); }; });
    return c;
  };
  add("lookup", "Print one element of a pinned map (bpftool's map lookup)", "pinned PATH key DATA", lookup);
  add("update", "Write one element of a pinned map (bpftool's map update)",
      "pinned PATH key DATA value DATA [any|exist|noexist]", update);
  add("delete", "Delete one element of a pinned map (bpftool's map delete)", "pinned PATH key DATA", erase);
  CLI::App* p = add("pin", "Pin a map at FILE: another name for a pin, or an object's map copied into a new pin",
                    "pinned PATH FILE | OBJ name NAME FILE", [pin_dir](const Args& a) { return pin(a, *pin_dir); });
  p->add_option("--pin-dir", *pin_dir, "directory of OBJ's LIBBPF_PIN_BY_NAME maps (default $XDG_RUNTIME_DIR/decade or /run/decade)");
}

}  // namespace decade::cli
