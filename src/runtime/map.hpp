// SPDX-License-Identifier: Apache-2.0
// Map definitions (what the loader reads and the verifier checks against) and
// the Map interface every map family implements. Maps are safe for concurrent
// use by several host threads and programs at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
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
  StackTrace = 7,
  CgroupArray = 8,
  LruHash = 9,
  LruPercpuHash = 10,
  LpmTrie = 11,
  ArrayOfMaps = 12,
  HashOfMaps = 13,
  Devmap = 14,
  Sockmap = 15,
  Cpumap = 16,
  Xskmap = 17,
  Sockhash = 18,
  CgroupStorage = 19,
  ReuseportSockarray = 20,
  PercpuCgroupStorage = 21,
  Queue = 22,
  Stack = 23,
  SkStorage = 24,
  DevmapHash = 25,
  Ringbuf = 27,
  BloomFilter = 30,
  Arena = 33,
};

// The kernel's name of a map type number ("hash", "devmap", "sockmap", ...;
// libbpf's spelling), for every number uapi enum bpf_map_type defines, also
// those Decade does not implement; "unknown" past them.
std::string_view map_type_name(uint32_t type);

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
  // Offset of a struct bpf_spin_lock (4 bytes, 4-aligned) inside the value,
  // -1 when none. Located through BTF by the loader; copies skip it.
  int32_t spin_lock_off = -1;
  // Offset of a struct bpf_res_spin_lock (4 bytes, 4-aligned), -1 when none.
  // A value has at most one lock of either kind, as the kernel's BTF check
  // requires, so the two offsets are never both set.
  int32_t res_lock_off = -1;
  // The lock word copies of the value skip and host lookups clear, -1 when none.
  int32_t lock_field_off() const { return spin_lock_off >= 0 ? spin_lock_off : res_lock_off; }
  // Offset of a struct bpf_timer (16 bytes, 8-aligned) inside the value, -1
  // when none; hash, LRU hash and array maps only (runtime/timer.hpp).
  int32_t timer_off = -1;
  // ELF section the loader found the map in (".maps", "maps", ".rodata", ...); empty for host-made maps.
  std::string section;
};

// Map creation flags (uapi BPF_F_*), as create_map validates them.
inline constexpr uint32_t kMapFNoPrealloc = 1u << 0, kMapFNoCommonLru = 1u << 1, kMapFNumaNode = 1u << 2,
                          kMapFRdonly = 1u << 3, kMapFWronly = 1u << 4, kMapFZeroSeed = 1u << 6,
                          kMapFRdonlyProg = 1u << 7, kMapFWronlyProg = 1u << 8, kMapFMmapable = 1u << 10,
                          kMapFPreserveElems = 1u << 11, kMapFInnerMap = 1u << 12,
                          kMapFSegvOnFault = 1u << 17, kMapFNoUserConv = 1u << 18;

// Memory a program may address through pointers a map hands out. A plain
// block is `bytes`; a strided one (stride != 0) is a run of stride-sized
// elements from bytes.data() of which only the first `window` bytes of each
// are the program's (hash maps: the values, never the chain links and keys
// between them).
struct MapStorage {
  std::span<uint8_t> bytes;
  size_t stride = 0;
  size_t window = 0;
};

// ---- Memory accounting (what the kernel's memory cgroup does for maps) ----
//
// Two limits bound what maps take from the host. One map may hold at most
// MapLimits::map_bytes, checked against its definition before anything is
// allocated (MapFootprint::most: what it holds when full). The maps of one
// object share a MemoryBudget: creation charges what a map allocates at once,
// and maps that allocate lazily (hash maps with BPF_F_NO_PREALLOC, LPM tries,
// arena pages) charge each allocation when it happens; an operation that
// would pass the budget fails with -ENOMEM, as under a memory cgroup.
inline constexpr uint64_t kDefaultMapMemoryLimit = uint64_t{1} << 30;     // 1 GiB per map
inline constexpr uint64_t kDefaultObjectMemoryLimit = uint64_t{4} << 30;  // 4 GiB per object

// Bytes charged against a limit; thread-safe.
class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit) : limit_(limit) {}
  // Adds bytes unless that would pass the limit (then nothing changes).
  bool charge(uint64_t bytes);
  void uncharge(uint64_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_; }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

struct MapLimits {
  uint64_t map_bytes = kDefaultMapMemoryLimit;
  std::shared_ptr<MemoryBudget> budget;  // the object's; null charges nothing
};

// Host memory a map of this definition holds, computed from the definition
// alone with saturating arithmetic: `upfront` when created, `most` when full.
struct MapFootprint {
  uint64_t upfront = 0;
  uint64_t most = 0;
};

class MapTimers;  // runtime/timer.hpp

class Map {
 public:
  explicit Map(MapDef def);
  virtual ~Map();
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

  // bpf_map_lookup_percpu_elem: the value of one CPU of a per-CPU map;
  // nullptr for other maps, absent keys or cpu >= possible_cpus().
  virtual void* lookup_percpu(const void* key, uint32_t cpu) { (void)key; (void)cpu; return nullptr; }

  // Host-facing: iterate keys (key == nullptr gives the first).
  virtual Status get_next_key(const void* key, void* next_key) = 0;

  // Map-in-map: every inner map this outer map holds or has held (the outer
  // map keeps each alive while it lives); empty for other maps.
  virtual std::vector<Map*> inner_maps() { return {}; }
  virtual bool holds_inner(const Map* m) { (void)m; return false; }

  // Direct memory for arrays and global data (libbpf skeleton style);
  // nullptr for maps whose values do not sit in one block.
  virtual uint8_t* direct_value_base() { return nullptr; }

  // Memory programs may touch through pointers this map hands out (checked
  // execution allows accesses inside it and nothing of the map's own
  // bookkeeping).
  virtual std::vector<MapStorage> storage() { return {}; }

  // ---- Host-side API (the bpf() syscall's view). 0 or a negative errno. ----
  // Bytes of one value as the host sees it: per-CPU maps hand out
  // round_up(value_size, 8) * possible_cpus(), like the kernel.
  virtual uint32_t host_value_size() const { return def_.value_size; }
  // Copies the value out (all CPUs for per-CPU maps). kBpfFLock takes the
  // value's spin lock around the copy.
  virtual long host_lookup(const void* key, void* value, uint64_t flags);
  virtual long host_update(const void* key, const void* value, uint64_t flags);
  // BPF_MAP_LOOKUP_AND_DELETE_ELEM: queue/stack pop (key unused), hash maps.
  virtual long host_lookup_and_delete(const void* key, void* value);
  // Visits every element in get_next_key order until fn returns false;
  // returns the number of elements visited, or -EINVAL when the map cannot be
  // walked (bpf_for_each_map_elem semantics).
  using ElemVisitor = std::function<bool(const void* key, void* value)>;
  virtual long for_each(const ElemVisitor& fn);

  // Batch operations (BPF_MAP_*_BATCH). in_batch == nullptr starts at the
  // beginning; out_batch receives an opaque token of key_size bytes to pass as in_batch next time. *count is the capacity in, the number
  // copied out; -ENOENT when the walk reached the end (entries may still have
  // been copied), as in the kernel.
  long lookup_batch(const void* in_batch, void* out_batch, void* keys, void* values, uint32_t* count);
  long lookup_and_delete_batch(const void* in_batch, void* out_batch, void* keys, void* values, uint32_t* count);
  // Deletes count keys; stops at the first failure, *count = keys deleted.
  long delete_batch(const void* keys, uint32_t* count);
  long update_batch(const void* keys, const void* values, uint32_t* count, uint64_t flags);

  // ---- bpf_timer (runtime/timer.hpp): maps whose values hold one ----
  // The timers of this map's values; nullptr when MapDef::timer_off < 0.
  MapTimers* timers() const { return timers_.get(); }
  // Cancels every timer and waits for a running callback; later inits fail
  // with -EPERM. Families that hold timers call it first in their
  // destructor (a callback reads the values), owners before they free the
  // maps a callback may reach.
  void stop_timers();
  // Copies the key of the element whose value starts at `value` into `key`;
  // false when `value` is not the start of an element's value. The timer
  // service hands callbacks the key this way.
  virtual bool key_of_value(const void* value, void* key) const {
    (void)value;
    (void)key;
    return false;
  }

  // Accounting: create_map hands the map its budget and what it charged up
  // front; the map gives everything back when it dies.
  void set_budget(std::shared_ptr<MemoryBudget> budget, uint64_t charged);
  uint64_t charged_bytes() const { return charged_.load(std::memory_order_relaxed); }

 protected:
  // Charges lazily allocated storage before allocating it; false when the
  // budget is spent. Maps without a budget always succeed (their footprint
  // was bounded at creation).
  bool charge(uint64_t bytes);
  void uncharge(uint64_t bytes);

  long walk_keys(const ElemVisitor& fn);  // for_each over get_next_key; may throw std::bad_alloc
  long batch_walk(const void* in_batch, void* out_batch, void* keys, void* values, uint32_t* count, bool erase);
  // The element whose value starts at `value` is gone (deleted, replaced,
  // evicted) or overwritten by an update: its timer is cancelled and freed,
  // as the kernel's bpf_obj_free_fields does. Never waits.
  void release_timer(const void* value) {
    if (timers_) [[unlikely]]
      release_timer_of(value);
  }

 private:
  void release_timer_of(const void* value);

  MapDef def_;
  std::unique_ptr<MapTimers> timers_;
  std::shared_ptr<MemoryBudget> budget_;
  std::atomic<uint64_t> charged_{0};
};

// The map factory: validates the definition like the kernel's map_create
// (key/value sizes, flags, max_entries), checks its footprint against the
// limits (MapMemoryLimit, before allocating anything) and builds the family's
// map. Never throws: an allocation failure is OutOfMemory.
Result<std::unique_ptr<Map>> create_map(const MapDef& def, const MapLimits& limits = {});
// The footprint create_map checks; def must be valid (create_map's checks).
MapFootprint map_footprint(const MapDef& def);

}  // namespace decade
