// SPDX-License-Identifier: Apache-2.0
#include "cli/skeleton.hpp"

#include <fmt/format.h>

#include <cctype>

#include "api/object_impl.hpp"
#include "btf/btf_c.hpp"

namespace decade::cli {
namespace {

// The sections a skeleton types; others stay reachable through maps.
constexpr std::string_view kSections[] = {".rodata", ".data", ".bss"};

std::string ident(std::string_view s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
  return out;
}

// The member name of a map in skel->maps: a global-data map by its
// section (bss, rodata, rodata_str1_1), others by name.
std::string map_member(const BpfMap& m) {
  if (m.section() != ".maps" && m.section().starts_with('.')) return ident(m.section().substr(1));
  return ident(m.name());
}

uint32_t strip_qualifiers(const Btf& btf, uint32_t id) {
  for (int i = 0; i < 16; ++i) {
    const BtfType* t = btf.type(id);
    if (!t || (t->kind != BtfKind::Const && t->kind != BtfKind::Volatile)) break;
    id = t->type;
  }
  return id;
}

// `struct NAME__bss { ... };` (file scope, so C++ hosts can name it too)
// with the variables at their DATASEC offsets.
std::string section_struct(const Btf& btf, const std::string& name, std::string_view section,
                           std::vector<uint32_t>& types) {
  const uint32_t ds = btf.find(section, BtfKind::DataSec);
  const BtfType* t = btf.type(ds);
  if (!ds || !t) return {};
  std::string body;
  uint64_t at = 0;
  int pad = 0;
  for (const BtfVarSecInfo& v : t->secinfo) {
    const BtfType* var = btf.type(v.type);
    if (!var || var->kind != BtfKind::Var) continue;
    if (v.offset > at) body += fmt::format("\tchar __pad{}[{}];\n", pad++, v.offset - at);
    const uint32_t type = strip_qualifiers(btf, var->type);
    types.push_back(type);
    body += fmt::format("\t{};\n", btfc::declaration(btf, type, var->name));
    at = uint64_t{v.offset} + v.size;
  }
  const std::string member = ident(section.substr(1));
  return fmt::format("struct {}__{} {{\n{}}};\n\n", name, member, body);
}

std::string embedded(std::span<const uint8_t> elf) {
  std::string out = "\"";
  for (size_t i = 0; i < elf.size(); ++i) {
    if (i && i % 16 == 0) out += "\"\n\t\t\"";
    out += fmt::format("\\x{:02x}", elf[i]);
  }
  return out + "\"";
}

std::string functions(const BpfObject& obj, const std::string& n, const std::vector<std::string_view>& typed,
                      std::span<const uint8_t> elf) {
  std::string find;
  for (const auto& m : obj.map_names()) {
    auto map = obj.map(m);
    if (!map) continue;
    // Global data by section name: it does not depend on the object's name.
    const bool global = map->section() != ".maps" && map->section().starts_with('.');
    find += fmt::format("\ts->maps.{} = decade_object_find_map(s->obj, \"{}\");\n", map_member(*map),
                        global ? map->section() : std::string_view(m));
  }
  for (const auto& p : obj.program_names())
    find += fmt::format("\ts->progs.{} = decade_object_find_program(s->obj, \"{}\");\n", ident(p), p);
  std::string globals;
  for (std::string_view sec : typed) {
    const std::string m = ident(sec.substr(1));
    globals += fmt::format(
        "\ts->{m} = (struct {n}__{m} *)(loaded ? (void *)decade_object_global_view(s->obj, \"{sec}\", &sz)\n"
        "\t\t\t\t\t: decade_object_global(s->obj, \"{sec}\", &sz));\n",
        fmt::arg("m", m), fmt::arg("n", n), fmt::arg("sec", sec));
  }
  return fmt::format(R"(static inline const void *{n}__elf_bytes(size_t *sz)
{{
	*sz = {size};
	return (const void *){bytes};
}}

/* Points the section structs at the initial images (before load) or the live memory (after). */
static inline void {n}__globals(struct {n} *s, int loaded)
{{
	size_t sz;
	(void)sz;
	(void)loaded;
{globals}}}

static inline void {n}__destroy(struct {n} *s)
{{
	if (!s)
		return;
	decade_object_close(s->obj);
	free(s);
}}

static inline struct {n} *{n}__open(void)
{{
	struct {n} *s = (struct {n} *)calloc(1, sizeof(*s));
	size_t sz;
	const void *elf = {n}__elf_bytes(&sz);

	if (!s)
		return NULL;
	if (decade_object_open_mem(elf, sz, "{n}", &s->obj)) {{
		free(s);
		return NULL;
	}}
{find}	{n}__globals(s, 0);
	return s;
}}

/* 0, or the negative errno of decade_object_load (decade_last_error() says why). */
static inline int {n}__load_opts(struct {n} *s, const struct decade_load_opts *opts)
{{
	int err = decade_object_load(s->obj, opts);

	if (err)
		return err;
	{n}__globals(s, 1);
	return 0;
}}

static inline int {n}__load(struct {n} *s)
{{
	return {n}__load_opts(s, NULL);
}}

static inline struct {n} *{n}__open_and_load(void)
{{
	struct {n} *s = {n}__open();

	if (!s)
		return NULL;
	if ({n}__load(s)) {{
		{n}__destroy(s);
		return NULL;
	}}
	return s;
}}
)",
                     fmt::arg("n", n), fmt::arg("size", elf.size()), fmt::arg("bytes", embedded(elf)),
                     fmt::arg("globals", globals), fmt::arg("find", find));
}

}  // namespace

Result<std::string> skeleton(const BpfObject& obj, std::span<const uint8_t> elf, const std::string& name) {
  const std::string n = ident(name);
  const Btf* btf = api::Access::btf(obj);
  std::string maps, progs, sections, members;
  std::vector<uint32_t> types;
  std::vector<std::string_view> typed;
  for (std::string_view sec : kSections) {
    if (!obj.map(sec)) continue;  // the object has no such section
    if (!btf) return make_error(ErrorCode::ElfBadSection, fmt::format("'{}' has no BTF to type {} (compile with -g)", name, sec));
    std::string s = section_struct(*btf, n, sec, types);
    if (s.empty()) continue;
    sections += s;
    members += fmt::format("\tstruct {}__{} *{};\n", n, ident(sec.substr(1)), ident(sec.substr(1)));
    typed.push_back(sec);
  }
  for (const auto& m : obj.map_names())
    if (auto map = obj.map(m)) maps += fmt::format("\t\tdecade_map *{};\n", map_member(*map));
  for (const auto& p : obj.program_names()) progs += fmt::format("\t\tdecade_program *{};\n", ident(p));
  const std::string defs = btf ? btfc::definitions(*btf, types) : std::string();
  const std::string guard = "__" + n + "_SKEL_H__";
  std::string out = fmt::format(
      "/* SPDX-License-Identifier: Apache-2.0 */\n"
      "/* Generated by `decade gen skeleton`: do not edit. */\n"
      "#ifndef {g}\n#define {g}\n\n#include <stdlib.h>\n#include <decade/decade.h>\n\n{defs}{secs}"
      "struct {n} {{\n\tdecade_object *obj;\n\tstruct {{\n{maps}\t}} maps;\n\tstruct {{\n{progs}\t}} progs;\n{members}}};\n\n",
      fmt::arg("g", guard), fmt::arg("defs", defs), fmt::arg("n", n), fmt::arg("maps", maps), fmt::arg("progs", progs),
      fmt::arg("secs", sections), fmt::arg("members", members));
  out += functions(obj, n, typed, elf);
  out += fmt::format("\n#endif /* {} */\n", guard);
  return out;
}

}  // namespace decade::cli
