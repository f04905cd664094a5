// SPDX-License-Identifier: Apache-2.0
#include "loader/maps.hpp"

#include <cstring>
#include <fmt/format.h>
#include <gelf.h>

namespace decade {

namespace {

constexpr uint64_t kMaxDataSection = 64u << 20;

std::unexpected<Error> bad_map(std::string_view map, std::string msg) {
  return make_error(ErrorCode::ElfBadSection, fmt::format("map '{}': {}", map, msg));
}

// Offset of a struct named `lock` (bpf_spin_lock, bpf_res_spin_lock, bpf_timer) inside
// type `id` (searching nested structs), or -1.
int32_t find_lock(const Btf& btf, uint32_t id, std::string_view lock, int depth = 0) {
  const BtfType* t = btf.type(btf.resolve(id));
  if (!t || depth > 8 || (t->kind != BtfKind::Struct && t->kind != BtfKind::Union)) return -1;
  if (t->name == lock) return 0;
  for (const auto& m : t->members) {
    if (m.bitfield_size) continue;
    const int32_t inner = find_lock(btf, m.type, lock, depth + 1);
    if (inner >= 0) return static_cast<int32_t>(m.bit_offset / 8) + inner;
  }
  return -1;
}

// `__uint(name, N)` is `int (*name)[N]`: N is the array's element count.
Result<uint32_t> uint_field(const Btf& btf, const BtfMember& m, std::string_view map) {
  const BtfType* p = btf.type(btf.resolve(m.type));
  const BtfType* a = p && p->kind == BtfKind::Ptr ? btf.type(btf.resolve(p->type)) : nullptr;
  if (!a || a->kind != BtfKind::Array) return bad_map(map, fmt::format("field '{}' is not __uint()", m.name));
  return a->nelems;
}

// `__type(key, T)` is `T *key`: the pointee type and its size.
Result<std::pair<uint32_t, uint32_t>> type_field(const Btf& btf, const BtfMember& m, std::string_view map) {
  const BtfType* p = btf.type(btf.resolve(m.type));
  if (!p || p->kind != BtfKind::Ptr) return bad_map(map, fmt::format("field '{}' is not __type()", m.name));
  auto size = btf.size_of(p->type);
  if (!size) return bad_map(map, fmt::format("field '{}': type {} has no size", m.name, btf.type_name(p->type)));
  return std::pair{p->type, *size};
}

Result<MapDef> parse_btf_map(const Btf& btf, uint32_t struct_id, std::string name, bool inner);

Status parse_values(const Btf& btf, const BtfMember& m, MapDef& def) {
  // `__array(values, struct inner)` is `struct inner *values[]`.
  const BtfType* a = btf.type(btf.resolve(m.type));
  const BtfType* p = a && a->kind == BtfKind::Array ? btf.type(btf.resolve(a->elem_type)) : nullptr;
  const uint32_t to = p && p->kind == BtfKind::Ptr ? btf.resolve(p->type) : 0;
  const BtfType* t = btf.type(to);
  if (!t || to == 0) return bad_map(def.name, "'values' must be an array of pointers");
  // libbpf's rule for both kinds: the value is a 4-byte id (a program's or
  // a map's); a declared value size must agree. Before, a prog_array with
  // only __array(values, ...) got value size 0 and failed to load.
  if (def.value_size != 0 && def.value_size != 4)
    return bad_map(def.name, fmt::format("value_size {} disagrees with 'values' (4-byte ids)", def.value_size));
  if (def.type == MapType::ProgArray) {
    if (t->kind != BtfKind::FuncProto) return bad_map(def.name, "prog_array 'values' must point to functions");
    def.value_size = 4;
    return ok();
  }
  if (def.type != MapType::ArrayOfMaps && def.type != MapType::HashOfMaps)
    return bad_map(def.name, "'values' is only for map-in-map and prog_array maps");
  if (t->kind != BtfKind::Struct) return bad_map(def.name, "inner map definition must be a struct");
  auto in = parse_btf_map(btf, to, def.name + ".inner", true);
  if (!in) return std::unexpected(in.error());
  def.inner = std::make_shared<MapDef>(std::move(*in));
  if (def.value_size == 0) def.value_size = 4;  // the kernel's map-in-map value: a map id
  return ok();
}

Status apply_member(const Btf& btf, const BtfMember& m, MapDef& def, bool inner) {
  const std::string_view n = m.name;
  if (n == "key" || n == "value") {
    auto tf = type_field(btf, m, def.name);
    if (!tf) return std::unexpected(tf.error());
    (n == "key" ? def.btf_key_type : def.btf_value_type) = tf->first;
    uint32_t& size = n == "key" ? def.key_size : def.value_size;
    if (size && size != tf->second) return bad_map(def.name, fmt::format("{}_size {} disagrees with __type", n, size));
    size = tf->second;
    return ok();
  }
  if (n == "values") {
    if (inner) return bad_map(def.name, "an inner map cannot have 'values'");
    return parse_values(btf, m, def);
  }
  auto v = uint_field(btf, m, def.name);
  if (!v) return std::unexpected(v.error());
  if (n == "type") def.type = static_cast<MapType>(*v);
  else if (n == "max_entries") def.max_entries = *v;
  else if (n == "map_flags") def.map_flags = *v;
  else if (n == "map_extra") def.map_extra = *v;
  else if (n == "key_size" || n == "value_size") {
    uint32_t& size = n == "key_size" ? def.key_size : def.value_size;
    if (size && size != *v) return bad_map(def.name, fmt::format("{} {} disagrees with __type", n, *v));
    size = *v;
  } else if (n != "pinning" && n != "numa_node") {
    return bad_map(def.name, fmt::format("unknown field '{}'", n));
  }
  return ok();
}

Result<MapDef> parse_btf_map(const Btf& btf, uint32_t struct_id, std::string name, bool inner) {
  MapDef def;
  def.name = std::move(name);
  def.section = ".maps";
  const BtfType* t = btf.type(btf.resolve(struct_id));
  if (!t || t->kind != BtfKind::Struct) return bad_map(def.name, "definition is not a struct");
  // "type" first: 'values' depends on it.
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& m : t->members)
      if ((m.name == "type") == (pass == 0))
        if (auto s = apply_member(btf, m, def, inner); !s) return std::unexpected(s.error());
  if (def.btf_value_type) {
    def.spin_lock_off = find_lock(btf, def.btf_value_type, "bpf_spin_lock");
    def.res_lock_off = find_lock(btf, def.btf_value_type, "bpf_res_spin_lock");
    // The kernel refuses such a value type when it loads the BTF.
    if (def.spin_lock_off >= 0 && def.res_lock_off >= 0)
      return bad_map(def.name, "value holds both a bpf_spin_lock and a bpf_res_spin_lock");
    def.timer_off = find_lock(btf, def.btf_value_type, "bpf_timer");
  }
  return def;
}

Status collect_btf_maps(const ElfImage& elf, const Btf* btf, CollectedMaps& out) {
  const ElfSection* sec = elf.find(".maps");
  if (!sec) return ok();
  if (!btf) return make_error(ErrorCode::ElfBadSection, "section '.maps' needs BTF (compile with -g)");
  const uint32_t ds = btf->find(".maps", BtfKind::DataSec);
  if (!ds) return make_error(ErrorCode::ElfBadSection, "BTF has no DATASEC '.maps'");
  for (const auto& v : btf->type(ds)->secinfo) {
    const BtfType* var = btf->type(v.type);
    if (!var || var->kind != BtfKind::Var) return make_error(ErrorCode::ElfBadSection, "'.maps' holds something that is not a variable");
    auto def = parse_btf_map(*btf, var->type, var->name, false);
    if (!def) return std::unexpected(def.error());
    MapPlace place{sec->index, v.offset, v.size, -1, false};
    for (const auto& m : btf->type(btf->resolve(var->type))->members)
      if (m.name == "values") place.values_offset = m.bit_offset / 8;
    out.defs.push_back(std::move(*def));
    out.places.push_back(place);
  }
  return ok();
}

// Legacy `struct bpf_map_def { type, key_size, value_size, max_entries, map_flags; }`.
Status collect_legacy_maps(const ElfImage& elf, CollectedMaps& out) {
  const ElfSection* sec = elf.find("maps");
  if (!sec) return ok();
  for (const auto& sym : elf.symbols) {
    if (sym.shndx != sec->index || sym.type == STT_SECTION || sym.name.empty()) continue;
    if (sym.value > sec->data.size() || sec->data.size() - sym.value < 20)
      return bad_map(sym.name, fmt::format("legacy definition at {} past the end of 'maps'", sym.value));
    uint32_t f[5];
    std::memcpy(f, sec->data.data() + sym.value, sizeof f);
    MapDef def;
    def.name = sym.name;
    def.section = "maps";
    def.type = static_cast<MapType>(f[0]);
    def.key_size = f[1];
    def.value_size = f[2];
    def.max_entries = f[3];
    def.map_flags = f[4];
    out.defs.push_back(std::move(def));
    out.places.push_back({sec->index, sym.value, 20, -1, false});
  }
  return ok();
}

// What a relocation in a data section points at: "function 'f' (.text+24)",
// "variable 'x'", or "'.rodata.str1.1'+3". Section symbols carry the offset
// as the implicit addend stored in the relocated bytes (REL, no RELA).
std::string data_reloc_target(const ElfImage& elf, const ElfSection& sec, const ElfReloc& r) {
  const ElfSymbol& sym = elf.symbols[r.sym];
  const size_t width = r.type == kRBpf64Abs64 ? 8 : 4;
  uint64_t addend = 0;
  if (r.offset + width <= sec.data.size()) std::memcpy(&addend, sec.data.data() + r.offset, width);
  if (sym.type != STT_SECTION) {
    const char* kind = sym.type == STT_FUNC ? "function" : "variable";
    return addend ? fmt::format("{} '{}'+{}", kind, sym.name, addend) : fmt::format("{} '{}'", kind, sym.name);
  }
  const ElfSection* target = sym.shndx < elf.sections.size() ? &elf.sections[sym.shndx] : nullptr;
  const std::string where = fmt::format("'{}'+{}", target ? target->name : sym.name, addend);
  if (!target || !(target->flags & SHF_EXECINSTR)) return where;
  for (const ElfSymbol& f : elf.symbols)
    if (f.type == STT_FUNC && f.shndx == sym.shndx && f.value == addend) return fmt::format("function '{}' ({})", f.name, where);
  return fmt::format("code at {}", where);
}

// Global data becomes map values that hold bytes only: an address stored in
// them (a table of function pointers, a pointer to a string or another
// variable; R_BPF_64_ABS64/ABS32) has no value Decade could give it, so
// such an object is rejected rather than loaded with the unrelocated bytes.
// Indirect calls work through function pointers held in registers (callx).
Status reject_data_relocs(const ElfImage& elf, const ElfSection& sec) {
  const auto* relocs = elf.relocs_for(sec.index);
  if (!relocs || relocs->empty()) return ok();
  const ElfReloc& r = relocs->front();
  return make_error(ErrorCode::ElfDataRelocation,
                    fmt::format("section '{}' offset {}: holds the address of {} ({} relocation{} in the section); "
                                "addresses in global data are not supported",
                                sec.name, r.offset, data_reloc_target(elf, sec, r), relocs->size(), relocs->size() == 1 ? "" : "s"));
}

Status collect_global_data(const ElfImage& elf, const Btf* btf, std::string_view obj, CollectedMaps& out) {
  for (const auto& sec : elf.sections) {
    if (!is_global_data_section(sec.name) || !(sec.flags & SHF_ALLOC) || (sec.flags & SHF_EXECINSTR)) continue;
    if (sec.type != SHT_PROGBITS && sec.type != SHT_NOBITS) continue;
    if (sec.size == 0) continue;
    if (auto s = reject_data_relocs(elf, sec); !s) return s;
    if (sec.size > kMaxDataSection)
      return make_error(ErrorCode::ElfBadSection, fmt::format("section '{}' is {} bytes, limit {}", sec.name, sec.size, kMaxDataSection));
    const size_t room = sec.name.size() >= 15 ? 0 : 15 - sec.name.size();
    MapDef def = single_value_map((std::string(obj.substr(0, std::min<size_t>(8, room))) + sec.name).substr(0, 15), sec.name,
                                  sec.type == SHT_NOBITS ? std::vector<uint8_t>(sec.size, 0) : sec.data,
                                  sec.name.starts_with(".rodata"), true);
    if (btf) def.btf_value_type = btf->find(sec.name, BtfKind::DataSec);
    out.defs.push_back(std::move(def));
    out.places.push_back({sec.index, 0, sec.size, -1, true});
  }
  return ok();
}

// `__arena` globals: the bytes of `.addr_space.1` become the arena map's
// initial value, which the arena places at its start in pages it marks
// allocated (libbpf of Linux 6.12 copies them to the arena's first pages;
// newer libbpf puts them at its end).
Status collect_arena_data(const ElfImage& elf, CollectedMaps& out) {
  for (const auto& sec : elf.sections) {
    if (sec.name != kArenaDataSection || sec.size == 0) continue;
    if (sec.type != SHT_PROGBITS && sec.type != SHT_NOBITS)
      return make_error(ErrorCode::ElfBadSection, fmt::format("section '{}' is not data", sec.name));
    if (auto s = reject_data_relocs(elf, sec); !s) return s;
    int32_t arena = -1;
    for (size_t i = 0; i < out.defs.size(); ++i) {
      if (out.defs[i].type != MapType::Arena) continue;
      if (arena >= 0)
        return make_error(ErrorCode::ElfBadSection,
                          fmt::format("section '{}' holds __arena globals and the object has more than one arena map", sec.name));
      arena = static_cast<int32_t>(i);
    }
    if (arena < 0)
      return make_error(ErrorCode::ElfBadSection,
                        fmt::format("section '{}' holds {} bytes of __arena globals but the object has no arena map", sec.name, sec.size));
    MapDef& def = out.defs[static_cast<size_t>(arena)];
    if (sec.size > uint64_t{def.max_entries} * 4096)
      return make_error(ErrorCode::ElfBadSection,
                        fmt::format("arena map '{}' ({} pages) is smaller than its {} bytes of __arena globals", def.name,
                                    def.max_entries, sec.size));
    def.initial_value = sec.type == SHT_NOBITS ? std::vector<uint8_t>(sec.size, 0) : sec.data;
    out.arena_data_shndx = sec.index;
    out.arena_data_map = arena;
  }
  return ok();
}

}  // namespace

MapDef single_value_map(std::string name, std::string section, std::vector<uint8_t> value, bool frozen, bool mmapable) {
  MapDef def;
  def.name = std::move(name);
  def.section = std::move(section);
  def.type = MapType::Array;
  def.key_size = 4;
  def.value_size = static_cast<uint32_t>(value.size());
  def.max_entries = 1;
  def.frozen = frozen;
  def.map_flags = (mmapable ? kMapFMmapable : 0) | (frozen ? kMapFRdonlyProg : 0);
  def.initial_value = std::move(value);
  return def;
}

bool is_global_data_section(std::string_view n) {
  for (std::string_view p : {".data", ".bss", ".rodata"})
    if (n == p || (n.starts_with(p) && n.size() > p.size() && n[p.size()] == '.')) return true;
  return false;
}

int32_t CollectedMaps::at(uint32_t shndx, uint64_t offset) const {
  for (size_t i = 0; i < places.size(); ++i)
    if (!places[i].global_data && places[i].shndx == shndx && places[i].offset == offset) return static_cast<int32_t>(i);
  return -1;
}

int32_t CollectedMaps::data_map(uint32_t shndx) const {
  for (size_t i = 0; i < places.size(); ++i)
    if (places[i].global_data && places[i].shndx == shndx) return static_cast<int32_t>(i);
  return -1;
}

Result<std::vector<MapSlotInit>> collect_slot_inits(const ElfImage& elf, const CollectedMaps& maps) {
  std::vector<MapSlotInit> out;
  const ElfSection* sec = elf.find(".maps");
  const auto* relocs = sec ? elf.relocs_for(sec->index) : nullptr;
  if (!relocs) return out;
  for (const ElfReloc& r : *relocs) {
    const ElfSymbol& sym = elf.symbols[r.sym];
    int32_t owner = -1;
    for (size_t i = 0; i < maps.places.size(); ++i) {
      const MapPlace& p = maps.places[i];
      if (p.shndx == sec->index && r.offset >= p.offset && r.offset < p.offset + p.size) owner = static_cast<int32_t>(i);
    }
    const MapPlace* p = owner >= 0 ? &maps.places[static_cast<size_t>(owner)] : nullptr;
    if (r.type != kRBpf64Abs64 || !p || p->values_offset < 0 || r.offset < p->offset + static_cast<uint64_t>(p->values_offset) ||
        (r.offset - p->offset - static_cast<uint64_t>(p->values_offset)) % 8 != 0)
      return make_error(ErrorCode::ElfBadRelocation, fmt::format("'.maps' relocation at {} against '{}' is not in a 'values' slot", r.offset, sym.name));
    MapSlotInit init;
    init.map = static_cast<uint32_t>(owner);
    init.slot = static_cast<uint32_t>((r.offset - p->offset - static_cast<uint64_t>(p->values_offset)) / 8);
    const MapDef& def = maps.defs[init.map];
    if (def.type == MapType::ProgArray) {
      if (sym.type != STT_FUNC) return make_error(ErrorCode::ElfBadRelocation, fmt::format("prog_array '{}' slot {}: '{}' is not a program", def.name, init.slot, sym.name));
      init.program = sym.name;
    } else {
      init.inner_map = maps.at(sym.shndx, sym.value);
      if (init.inner_map < 0) return make_error(ErrorCode::ElfMissingMap, fmt::format("map '{}' slot {}: '{}' is not a map", def.name, init.slot, sym.name));
    }
    out.push_back(std::move(init));
  }
  return out;
}

Result<CollectedMaps> collect_maps(const ElfImage& elf, const Btf* btf, std::string_view obj_name) {
  CollectedMaps out;
  if (auto s = collect_btf_maps(elf, btf, out); !s) return std::unexpected(s.error());
  if (auto s = collect_legacy_maps(elf, out); !s) return std::unexpected(s.error());
  if (auto s = collect_global_data(elf, btf, obj_name, out); !s) return std::unexpected(s.error());
  if (auto s = collect_arena_data(elf, out); !s) return std::unexpected(s.error());
  return out;
}

}  // namespace decade
