// SPDX-License-Identifier: Apache-2.0
// load_object: the loader's pipeline, one step per line.
#include "loader/object.hpp"

#include <fmt/format.h>
#include <gelf.h>

#include <algorithm>

#include "isa/extensions.hpp"
#include "loader/btf_section.hpp"
#include "loader/core_patch.hpp"
#include "loader/elf_image.hpp"
#include "loader/link.hpp"
#include "loader/maps.hpp"

namespace decade {

namespace {

std::string read_license(const ElfImage& elf) {
  const ElfSection* s = elf.find("license");
  if (!s || s->data.empty()) return {};
  const auto* p = reinterpret_cast<const char*>(s->data.data());
  return std::string(p, strnlen(p, s->data.size()));
}

Status apply_core(const ElfImage& elf, const BtfExt& ext, const Btf& local, const Btf& target, LinkInput& in) {
  std::optional<CoreTargetIndex> index;
  for (const BtfExtSection& es : ext.sections) {
    if (es.relos.empty()) continue;
    const ElfSection* s = elf.find(es.name);
    if (!s || !in.code.contains(s->index))
      return make_error(ErrorCode::BtfExtMalformed, fmt::format("CO-RE relocations for '{}', which is not a code section", es.name));
    if (!index) index.emplace(target);
    if (auto st = apply_core_relocs(in.code.at(s->index), es, local, target, *index); !st) {
      // Name the section and the source line of the relocated instruction.
      Error e = st.error();
      e.message = fmt::format("section '{}': {}", es.name, e.message);
      for (const auto& l : es.lines)
        if (e.insn >= 0 && l.insn_off / 8 <= static_cast<uint64_t>(e.insn)) e.where = {l.file, l.line, l.column, l.text};
      return std::unexpected(e);
    }
  }
  return ok();
}

// A program's own problem (its section names no program type, it calls a
// kfunc nobody registered, its instructions do not decode) stays with it
// instead of failing the object, as libbpf reports an unknown section only
// when the program is loaded and leaves instructions to the kernel: the
// object's other programs stay usable (BpfObject::set_autoload). A
// malformed object (relocations, jump tables) still fails as a whole.
bool program_own_error(ErrorCode c) {
  const auto n = static_cast<unsigned>(c);
  return c == ErrorCode::ElfMissingSymbol || (n >= 100 && n < 200);  // decode errors: 100..199
}

Status load_programs(const ElfImage& elf, const LinkInput& in, const Platform& platform, Object& obj,
                     std::vector<MapDef>& tables) {
  for (size_t f = 0; f < in.funcs.size(); ++f) {
    const ElfSection& sec = elf.sections[in.funcs[f].shndx];
    if (sec.name == ".text") continue;
    // libbpf's "?sec" marks a program not loaded by default; the type comes from "sec".
    const ProgramType* type = platform.program_type_for_section(sec.name.starts_with('?') ? sec.name.substr(1) : sec.name);
    const size_t tables_before = tables.size();
    auto prog = link_program(in, f, obj.kfuncs, tables);
    if (!prog) {
      Error e = prog.error();
      e.message = fmt::format("program '{}': {}", in.funcs[f].name, e.message);
      if (!program_own_error(e.code)) return std::unexpected(e);
      tables.resize(tables_before);  // no jump tables of a program that is not there
      ObjectProgram failed;
      failed.name = in.funcs[f].name;
      failed.section = sec.name;
      failed.error = std::move(e);
      obj.programs.push_back(std::move(failed));
      continue;
    }
    if (type) {
      prog->type = type->name;
    } else {
      prog->error = Error{ErrorCode::ElfUnknownSection, -1,
                          fmt::format("section '{}' (program '{}') names no known program type", sec.name, in.funcs[f].name),
                          {}, {}};
    }
    obj.programs.push_back(std::move(*prog));
  }
  if (obj.programs.empty()) return make_error(ErrorCode::ElfNoProgram, "the object has no program (no function in a SEC() section)");
  return ok();
}

// The extensions declared by BTF decl tags "decade_ext:<name>", each once.
std::vector<std::string> declared_extensions(const Btf* btf) {
  std::vector<std::string> out;
  if (!btf) return out;
  for (uint32_t id = 1; id < btf->count(); ++id) {
    const BtfType* t = btf->type(id);
    if (t->kind != BtfKind::DeclTag || !t->name.starts_with(kExtensionTagPrefix)) continue;
    std::string name(t->name.substr(kExtensionTagPrefix.size()));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

// The built-in platform for callers that pass none, built on first use: a
// function-local static in load_object itself would be built on every
// process's first load, also when the caller passes its own (BpfObject
// always does), which cost a CLI run a second Platform::standard().
const Platform& default_platform() {
  static const Platform kStandard = Platform::standard();
  return kStandard;
}

}  // namespace

Result<Object> load_object(std::span<const uint8_t> bytes, const ObjectLoadOptions& opts) {
  const Platform& platform = opts.platform ? *opts.platform : default_platform();
  auto elf = read_elf(bytes);
  if (!elf) return std::unexpected(elf.error());
  Object obj;
  obj.name = opts.name;
  obj.license = read_license(*elf);
  auto btf = read_btf_sections(*elf);
  if (!btf) return std::unexpected(btf.error());
  obj.btf = btf->btf;
  obj.extensions = declared_extensions(obj.btf.get());
  auto maps = collect_maps(*elf, obj.btf.get(), obj.name);
  if (!maps) return std::unexpected(maps.error());
  auto kconfig = collect_kconfig(*elf, obj.btf.get(), opts.kconfig, *maps);
  if (!kconfig) return std::unexpected(kconfig.error());
  LinkInput in;
  in.kconfig = &*kconfig;
  in.elf = &*elf;
  in.maps = &*maps;
  in.platform = &platform;
  in.btf = obj.btf.get();
  in.ext = btf->ext ? &*btf->ext : nullptr;
  if (auto s = find_code(*elf, in); !s) return std::unexpected(s.error());
  if (in.ext && obj.btf) {
    const Btf& target = opts.target_btf ? *opts.target_btf : *obj.btf;
    if (auto s = apply_core(*elf, *in.ext, *obj.btf, target, in); !s) return std::unexpected(s.error());
    if (!opts.target_btf)
      for (const BtfExtSection& es : in.ext->sections) obj.core_relos_on_own_btf += es.relos.size();
  }
  std::vector<MapDef> tables;  // jump tables, after the object's maps
  if (auto s = load_programs(*elf, in, platform, obj, tables); !s) return std::unexpected(s.error());
  auto inits = collect_slot_inits(*elf, *maps);
  if (!inits) return std::unexpected(inits.error());
  for (auto& i : *inits) obj.slot_inits.push_back({i.map, i.slot, i.inner_map, std::move(i.program)});
  obj.maps = std::move(maps->defs);
  for (MapDef& t : tables) obj.maps.push_back(std::move(t));
  return obj;
}

}  // namespace decade
