// SPDX-License-Identifier: Apache-2.0
// Map definitions (what the loader reads and the verifier checks against) and
// the Map interface every map family implements. Maps are safe for concurrent
// use by several host threads and programs at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "decade/error.hpp"

namespace decade {

// Kernel map type numbers (uapi enum bpf_map_type).
enum class MapType : uint32_t {
  Unspec = 0,
  Hash = 1,
  Array = 2,
  ProgArray = 3,
  PerfEventArray = 4,
  PercpuHash = 5,
  PercpuArray = 6,
  LruHash = 9,
  LruPercpuHash = 10,
  LpmTrie = 11,
  ArrayOfMaps = 12,
  HashOfMaps = 13,
  Queue = 22,
  Stack = 23,
  Ringbuf = 27,
  BloomFilter = 30,
  Arena = 33,
};

// Update flags (uapi).
inline constexpr uint64_t kBpfAny = 0, kBpfNoExist = 1, kBpfExist = 2, kBpfFLock = 4;

struct MapDef {
  std::string name;
  MapType type = MapType::Unspec;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t map_flags = 0;
  uint64_t map_extra = 0;                 // bloom filter hash count, arena address hint
  std::shared_ptr<MapDef> inner;          // map-in-map: the inner map's definition
  uint32_t btf_key_type = 0;              // type ids in the object's BTF (0 = none)
  uint32_t btf_value_type = 0;
  bool frozen = false;                    // .rodata: read-only to programs, constants foldable
  // Global-data maps (.data, .bss, .rodata, ...): the section's initial bytes.
  std::vector<uint8_t> initial_value;
};

class Map {
 public:
  explicit Map(MapDef def) : def_(std::move(def)) {}
  virtual ~Map() = default;
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;

  const MapDef& def() const { return def_; }
  MapType type() const { return def_.type; }

  // Program-facing operations, as the helpers call them: kernel semantics,
  // 0 or a negative errno. lookup returns nullptr when absent.
  virtual void* lookup(const void* key) = 0;
  virtual long update(const void* key, const void* value, uint64_t flags) = 0;
  virtual long erase(const void* key) = 0;
  virtual long push(const void* value, uint64_t flags) { (void)value; (void)flags; return -95; }  // -EOPNOTSUPP
  virtual long pop(void* value) { (void)value; return -95; }
  virtual long peek(void* value) { (void)value; return -95; }

  // Host-facing: iterate keys (key == nullptr gives the first).
  virtual Status get_next_key(const void* key, void* next_key) = 0;

  // Direct memory for arrays and global data (libbpf skeleton style);
  // nullptr for maps whose values do not sit in one block.
  virtual uint8_t* direct_value_base() { return nullptr; }

  // Memory ranges programs may touch through pointers this map hands out
  // (checked execution allows accesses inside them).
  virtual std::vector<std::span<uint8_t>> storage() { return {}; }

 private:
  MapDef def_;
};

}  // namespace decade
