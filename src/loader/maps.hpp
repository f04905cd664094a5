// SPDX-License-Identifier: Apache-2.0
// Map definitions found in an object: BTF-defined maps in `.maps`, legacy
// `struct bpf_map_def` in `maps`, and global data sections as single-entry
// arrays. Each map remembers where its symbol lives so relocations can find it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.hpp"
#include "decade/error.hpp"
#include "loader/elf_image.hpp"
#include "runtime/map.hpp"

namespace decade {

struct MapPlace {
  uint32_t shndx = 0;   // ELF section holding the definition (or the data)
  uint64_t offset = 0;  // byte offset of the definition inside it
  uint64_t size = 0;    // bytes of the definition
  int64_t values_offset = -1;  // byte offset of `values` inside a BTF definition, -1 when none
  bool global_data = false;
};

// A statically initialised slot of a prog_array or map-in-map
// (`.values = { [i] = &x }`): the program or inner map it holds.
struct MapSlotInit {
  uint32_t map = 0;
  uint32_t slot = 0;
  int32_t inner_map = -1;  // map index for map-in-map
  std::string program;     // program name for prog_array
};

struct CollectedMaps {
  std::vector<MapDef> defs;
  std::vector<MapPlace> places;  // parallel to defs

  // Index of the map defined at (section, offset); -1 when none.
  int32_t at(uint32_t shndx, uint64_t offset) const;
  // Index of the global-data map of a section; -1 when none.
  int32_t data_map(uint32_t shndx) const;
  // `__arena` globals (`.addr_space.1`): their section and the arena map
  // that holds them (its initial_value is the section's bytes, placed at
  // the arena's start as libbpf of Linux 6.12 places them); -1 when none.
  uint32_t arena_data_shndx = 0;
  int32_t arena_data_map = -1;
};

// The section of `__arena` global variables (clang's address space 1).
inline constexpr std::string_view kArenaDataSection = ".addr_space.1";

// A one-entry array whose value is `value`: global data, the `.kconfig`
// map and jump tables. `frozen` maps are read-only to programs; `mmapable`
// ones are what libbpf lets the host map directly.
MapDef single_value_map(std::string name, std::string section, std::vector<uint8_t> value, bool frozen, bool mmapable);

// Global-data section names libbpf turns into maps.
bool is_global_data_section(std::string_view name);

Result<CollectedMaps> collect_maps(const ElfImage& elf, const Btf* btf, std::string_view obj_name);

// Reads the `.maps` relocations that fill `values` slots. Errors: ElfBadRelocation, ElfMissingMap.
Result<std::vector<MapSlotInit>> collect_slot_inits(const ElfImage& elf, const CollectedMaps& maps);

}  // namespace decade
