// SPDX-License-Identifier: Apache-2.0
// Pinned maps: a map whose storage is a file (the pin) mapped MAP_SHARED,
// so that later runs and other processes see the same elements, as bpffs
// pins do for kernel maps. A pin file is one 4 KiB header (kPinMagic, the
// map's type, key and value sizes, max_entries, flags and name) followed by
// the map's value block, page aligned.
//
// Supported: BPF_MAP_TYPE_ARRAY, global data included (values are plain
// memory: concurrent writers race element-wise exactly as kernel array
// maps do; an acknowledged update is in the shared page cache at once, so
// a writer killed afterwards loses nothing, and an element larger than 8
// bytes written while the writer is killed may be torn, as in the kernel).
// Other types are refused (MapBadType naming the type): hash maps keep
// process-local pointers and a process-local lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/map.hpp"

namespace decade {

inline constexpr char kPinMagic[8] = {'D', 'E', 'C', 'P', 'I', 'N', '0', '1'};

struct PinHeader {
  char magic[8];
  uint32_t type;  // MapType
  uint32_t key_size;
  uint32_t value_size;
  uint32_t max_entries;
  uint32_t map_flags;
  uint32_t reserved;
  char name[64];
};

// The map pinned at `path`, created (and given def's initial value) when
// the file does not exist, else reused when its header matches `def`
// (MapBadKeySize / MapBadValueSize / MapBadMaxEntries / MapBadType name
// what differs). IoError names the path on file errors.
Result<std::unique_ptr<Map>> open_pinned_map(const MapDef& def, const std::string& path);

// An existing pin as the map its header describes (`decade map dump
// pinned PATH`), with the header.
Result<std::unique_ptr<Map>> open_pinned_file(const std::string& path, PinHeader* header);

// An array map over `block` (bytes long, MAP_SHARED or anonymous), which
// it munmaps when destroyed (array_map.cpp).
std::unique_ptr<Map> make_array_map_over(const MapDef& def, uint8_t* block, size_t bytes);

}  // namespace decade
