// SPDX-License-Identifier: Apache-2.0
// Pinned maps: a map whose storage is a file (the pin) mapped MAP_SHARED,
// so that later runs and other processes see the same elements, as bpffs
// pins do for kernel maps. A pin file is one 4 KiB header (kPinMagic, the
// map's type, key and value sizes, max_entries, flags, the CPU count of
// per-CPU maps, name) followed by the map's storage, page aligned. Every
// reference inside the storage is an element index, never a pointer, so
// each process may map the file at its own address (docs/embedding.md,
// "Pinned maps", has the layout and the guarantees).
//
// Supported types and their storage:
//  - ARRAY (global data included) and PERCPU_ARRAY: the value block,
//    round_up(value_size, 8) per value (per CPU). Values are plain shared
//    memory, as kernel array maps are; the host copies per-CPU values word
//    by word with atomic accesses (map_common.hpp, load_value_words), and
//    two processes may hold the same CPU slot at once (docs/embedding.md).
//  - HASH, LRU_HASH, PERCPU_HASH, LRU_PERCPU_HASH: runtime/maps/pinned_hash.cpp,
//    a preallocated element pool with index links, changed under one robust
//    process-shared mutex and read without it.
//  - RINGBUF: a page of positions, then the data, mapped twice
//    (ringbuf.hpp, make_shared_ringbuf). Not copied by pin_map_copy: a
//    ring's records are consumed, not kept.
//  - DEVMAP, CPUMAP, XSKMAP: max_entries 8-byte words, each an entry's
//    value (an ifindex, a qsize, the host's socket id; redirect_maps.cpp),
//    replaced with one atomic store. DEVMAP_HASH: the hash storage above
//    over u32 keys. Their entries are numbers the hosts give meaning to, not
//    process-local objects, so processes share them as they share arrays.
// Other types fail with MapBadType naming the type (their state holds
// process-local objects: programs, maps, file descriptors, wait queues).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/map.hpp"

namespace decade {

inline constexpr char kPinMagic[8] = {'D', 'E', 'C', 'P', 'I', 'N', '0', '2'};
inline constexpr size_t kPinHeaderBytes = 4096;

struct PinHeader {
  char magic[8];
  uint32_t type;  // MapType
  uint32_t key_size;
  uint32_t value_size;
  uint32_t max_entries;
  uint32_t map_flags;
  uint32_t cpus;  // values per element: possible_cpus() of per-CPU maps, else 1
  char name[64];
};

// Whether maps of this type can be pinned (the list above).
bool pinnable(MapType type);

// The map pinned at `path`, created (and given def's initial value) when
// the file does not exist, else reused when its header matches `def`
// (MapBadKeySize / MapBadValueSize / MapBadMaxEntries / MapBadType name
// what differs; a per-CPU pin made on a host with another CPU count is
// MapBadValueSize). IoError names the path on file errors; MapBadType
// names a type that cannot be pinned.
Result<std::unique_ptr<Map>> open_pinned_map(const MapDef& def, const std::string& path);

// An existing pin as the map its header describes (`decade map dump
// pinned PATH`), with the header.
Result<std::unique_ptr<Map>> open_pinned_file(const std::string& path, PinHeader* header);

// A new pin at `path` holding a copy of every element of `map` (`decade map
// pin`); IoError when `path` exists, as bpffs refuses to pin over a file.
Status pin_map_copy(Map& map, const std::string& path);

// An array map over `block` (bytes long, MAP_SHARED or anonymous), which
// it munmaps when destroyed (array_map.cpp).
std::unique_ptr<Map> make_array_map_over(const MapDef& def, uint8_t* block, size_t bytes);

// The hash families over a pin's storage (pinned_hash.cpp): bytes of
// storage a pin of def needs, how to lay out a fresh one in `region`
// (zero-filled, MAP_SHARED), and the map over an existing one, which
// munmaps `region` when destroyed.
size_t pinned_hash_bytes(const MapDef& def, uint32_t cpus);
Status init_pinned_hash(const MapDef& def, uint32_t cpus, uint8_t* region);
Result<std::unique_ptr<Map>> make_pinned_hash(const MapDef& def, uint32_t cpus, uint8_t* region, size_t bytes);

// The redirect maps over a pin's storage (redirect_maps.cpp), as for hashes.
size_t redirect_pin_bytes(const MapDef& def);
Status init_redirect_pin(const MapDef& def, uint8_t* region);
Result<std::unique_ptr<Map>> make_pinned_redirect_map(const MapDef& def, uint8_t* region, size_t bytes);

}  // namespace decade
