// SPDX-License-Identifier: Apache-2.0
// create_map: the kernel's map_create checks (the per-type *_alloc_check
// functions), then the family constructor. Each failure names the field and
// the errno the kernel would return.
#include <fmt/format.h>

#include "runtime/cpu.hpp"
#include "runtime/maps/map_check.hpp"
#include "runtime/maps/cgroup_storage.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/maps/sk_storage.hpp"
#include "runtime/maps/sock_map.hpp"
#include "runtime/timer.hpp"

namespace decade {
namespace {

constexpr uint32_t kAccessMask = kMapFRdonly | kMapFWronly | kMapFRdonlyProg | kMapFWronlyProg;
constexpr uint32_t kArrayFlags = kMapFNumaNode | kMapFMmapable | kAccessMask | kMapFPreserveElems | kMapFInnerMap;
constexpr uint32_t kHashFlags = kMapFNoPrealloc | kMapFNoCommonLru | kMapFNumaNode | kAccessMask | kMapFZeroSeed;
constexpr uint32_t kLpmFlags = kMapFNoPrealloc | kMapFNumaNode | kAccessMask;
constexpr uint32_t kQueueFlags = kMapFNumaNode | kAccessMask;
constexpr uint32_t kBloomFlags = kMapFNumaNode | kMapFZeroSeed | kAccessMask;
constexpr uint32_t kArenaFlags = kMapFNumaNode | kMapFMmapable | kMapFSegvOnFault | kMapFNoUserConv;
// The kernel's KMALLOC_MAX_SIZE (4 MiB pages * order 10 on x86-64) and PCPU_MIN_UNIT_SIZE.
constexpr uint64_t kKmallocMax = 4ull << 20;
constexpr uint64_t kPcpuUnitMax = 32 << 10;
constexpr uint32_t kMaxBpfStack = 512;
constexpr uint64_t kPageSize = 4096;

// Why a kernel map type has no Decade implementation.
std::string_view missing_reason(uint32_t type) {
  switch (type) {
    case 32:
      return "it holds cgroups, which a process does not have";
    case 28: case 29:
      return "it holds kernel inodes or tasks, which a process does not have";
    case 26: return "struct_ops maps implement kernel interfaces";
    default: return "not implemented yet";
  }
}

std::unexpected<Error> fail(ErrorCode code, const MapDef& d, std::string_view what, int err) {
  return make_error(code, fmt::format("map '{}' (type {}): {} (kernel: -{})", d.name,
                                      static_cast<uint32_t>(d.type), what, err));
}

bool access_ok(uint32_t f) {
  return !((f & kMapFRdonly) && (f & kMapFWronly)) && !((f & kMapFRdonlyProg) && (f & kMapFWronlyProg));
}

Status check_flags(const MapDef& d, uint32_t allowed) {
  if ((d.map_flags & ~allowed) || !access_ok(d.map_flags))
    return fail(ErrorCode::MapBadFlags, d, fmt::format("map_flags {:#x} not allowed", d.map_flags), EINVAL);
  return ok();
}

Status check_array(const MapDef& d) {
  const bool percpu = d.type == MapType::PercpuArray;
  const bool fd_array =
      d.type == MapType::ProgArray || d.type == MapType::ArrayOfMaps || d.type == MapType::CgroupArray;
  if (d.max_entries == 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries is 0", EINVAL);
  if (d.key_size != 4) return fail(ErrorCode::MapBadKeySize, d, "key_size must be 4", EINVAL);
  if (d.value_size == 0) return fail(ErrorCode::MapBadValueSize, d, "value_size is 0", EINVAL);
  if (fd_array && d.value_size != 4) return fail(ErrorCode::MapBadValueSize, d, "value_size must be 4", EINVAL);
  if (auto st = check_flags(d, kArrayFlags); !st) return st;
  if (d.type != MapType::Array && (d.map_flags & (kMapFMmapable | kMapFInnerMap)))
    return fail(ErrorCode::MapBadFlags, d, "mmapable/inner_map only for plain arrays", EINVAL);
  if (d.map_flags & kMapFPreserveElems)
    return fail(ErrorCode::MapBadFlags, d, "BPF_F_PRESERVE_ELEMS is for perf event arrays", EINVAL);
  if (fd_array && (d.map_flags & (kMapFRdonlyProg | kMapFWronlyProg)))
    return fail(ErrorCode::MapBadFlags, d, "program access flags on an fd array", EINVAL);
  if (percpu && round_up8(d.value_size) > kPcpuUnitMax)
    return fail(ErrorCode::MapBadValueSize, d, "per-CPU value larger than 32 KiB", E2BIG);
  if (uint64_t{d.value_size} > kKmallocMax) return fail(ErrorCode::MapBadValueSize, d, "value too large", E2BIG);
  if (uint64_t{d.max_entries} * round_up8(d.value_size) * (percpu ? possible_cpus() : 1) > (1ull << 34))
    return fail(ErrorCode::MapBadMaxEntries, d, "array larger than 16 GiB", ENOMEM);
  return ok();
}

Status check_hash(const MapDef& d) {
  const bool lru = d.type == MapType::LruHash || d.type == MapType::LruPercpuHash;
  const bool percpu = d.type == MapType::PercpuHash || d.type == MapType::LruPercpuHash;
  if (auto st = check_flags(d, kHashFlags); !st) return st;
  if (lru && (d.map_flags & kMapFNoPrealloc))
    return fail(ErrorCode::MapBadFlags, d, "LRU maps are always preallocated", 524);
  if (!lru && (d.map_flags & kMapFNoCommonLru))
    return fail(ErrorCode::MapBadFlags, d, "BPF_F_NO_COMMON_LRU without an LRU map", EINVAL);
  if (d.max_entries == 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries is 0", EINVAL);
  if (d.key_size == 0) return fail(ErrorCode::MapBadKeySize, d, "key_size is 0", EINVAL);
  if (d.value_size == 0) return fail(ErrorCode::MapBadValueSize, d, "value_size is 0", EINVAL);
  if (d.type == MapType::HashOfMaps && d.value_size != 4)
    return fail(ErrorCode::MapBadValueSize, d, "value_size must be 4", EINVAL);
  if (d.key_size > kMaxBpfStack) return fail(ErrorCode::MapBadKeySize, d, "key larger than 512", E2BIG);
  if (d.value_size >= kKmallocMax - kMaxBpfStack - 64)
    return fail(ErrorCode::MapBadValueSize, d, "value too large", E2BIG);
  if (percpu && round_up8(d.value_size) > kPcpuUnitMax)
    return fail(ErrorCode::MapBadValueSize, d, "per-CPU value larger than 32 KiB", E2BIG);
  if (d.max_entries > (1u << 31)) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries too large", E2BIG);
  return ok();
}

Status check_keyless(const MapDef& d, uint32_t allowed) {
  if (d.max_entries == 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries is 0", EINVAL);
  if (d.key_size != 0) return fail(ErrorCode::MapBadKeySize, d, "key_size must be 0", EINVAL);
  if (d.value_size == 0) return fail(ErrorCode::MapBadValueSize, d, "value_size is 0", EINVAL);
  if (auto st = check_flags(d, allowed); !st) return st;
  if (d.value_size > kKmallocMax) return fail(ErrorCode::MapBadValueSize, d, "value too large", E2BIG);
  if (uint64_t{d.max_entries} * d.value_size > (1ull << 32))
    return fail(ErrorCode::MapBadMaxEntries, d, "too large", E2BIG);
  return ok();
}

Status check_lpm(const MapDef& d) {
  if (d.max_entries == 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries is 0", EINVAL);
  if (!(d.map_flags & kMapFNoPrealloc))
    return fail(ErrorCode::MapBadFlags, d, "LPM tries need BPF_F_NO_PREALLOC", EINVAL);
  if (auto st = check_flags(d, kLpmFlags); !st) return st;
  if (d.key_size < 4 + 1 || d.key_size > 4 + 256)
    return fail(ErrorCode::MapBadKeySize, d, "key_size must be 4 + 1..256 data bytes", EINVAL);
  if (d.value_size < 1 || d.value_size > kKmallocMax - 64 - d.key_size)
    return fail(ErrorCode::MapBadValueSize, d, "value_size out of range", EINVAL);
  return ok();
}

Status check_ringbuf(const MapDef& d) {
  if (d.map_flags & ~kMapFNumaNode) return fail(ErrorCode::MapBadFlags, d, "flags not allowed", EINVAL);
  if (d.key_size) return fail(ErrorCode::MapBadKeySize, d, "key_size must be 0", EINVAL);
  if (d.value_size) return fail(ErrorCode::MapBadValueSize, d, "value_size must be 0", EINVAL);
  if (!is_pow2(d.max_entries) || d.max_entries % kPageSize)
    return fail(ErrorCode::MapBadMaxEntries, d, "size must be a power of two multiple of the page size", EINVAL);
  if (d.max_entries > (1u << 30)) return fail(ErrorCode::MapBadMaxEntries, d, "ring larger than 1 GiB", E2BIG);
  return ok();
}

Status check_arena(const MapDef& d) {
  if (d.key_size || d.value_size)
    return fail(d.key_size ? ErrorCode::MapBadKeySize : ErrorCode::MapBadValueSize, d, "must be 0", EINVAL);
  if (d.max_entries == 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries (pages) is 0", EINVAL);
  if (!(d.map_flags & kMapFMmapable) || (d.map_flags & ~kArenaFlags))
    return fail(ErrorCode::MapBadFlags, d, "arenas need BPF_F_MMAPABLE and allow few flags", EINVAL);
  if (d.map_extra % kPageSize) return fail(ErrorCode::InvalidArgument, d, "map_extra not page aligned", EINVAL);
  if (uint64_t{d.max_entries} * kPageSize > (1ull << 32))
    return fail(ErrorCode::MapBadMaxEntries, d, "arena larger than 4 GiB", E2BIG);
  return ok();
}

// fd_array_map_alloc_check for perf event arrays (libbpf sets max_entries
// to the number of CPUs when the object leaves it 0: the loader's part).
Status check_perf_event_array(const MapDef& d) {
  if (d.max_entries == 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries is 0", EINVAL);
  if (d.key_size != 4) return fail(ErrorCode::MapBadKeySize, d, "key_size must be 4", EINVAL);
  if (d.value_size != 4) return fail(ErrorCode::MapBadValueSize, d, "value_size must be 4", EINVAL);
  return check_flags(d, kMapFNumaNode | kMapFRdonly | kMapFWronly | kMapFPreserveElems);
}

// stack_map_alloc: u32 stack ids, values of 1 to 127 u64 frames (the
// kernel's sysctl_perf_event_max_stack default). BPF_F_STACK_BUILD_ID
// values (build id and offset per frame) are refused: a user-space stack
// walk gives addresses only.
Status check_stack_trace(const MapDef& d) {
  constexpr uint32_t kStackBuildId = 1u << 5, kMaxStackFrames = 127;
  if (d.map_flags & kStackBuildId)
    return fail(ErrorCode::MapBadFlags, d, "BPF_F_STACK_BUILD_ID is not supported (frames are addresses)", EOPNOTSUPP);
  if (auto st = check_flags(d, kMapFNumaNode | kMapFRdonly | kMapFWronly); !st) return st;
  if (d.max_entries == 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries is 0", EINVAL);
  if (d.key_size != 4) return fail(ErrorCode::MapBadKeySize, d, "key_size must be 4", EINVAL);
  if (d.value_size < 8 || d.value_size % 8)
    return fail(ErrorCode::MapBadValueSize, d, "value_size must be a non-zero multiple of 8", EINVAL);
  if (d.value_size / 8 > kMaxStackFrames)
    return fail(ErrorCode::MapBadValueSize, d, "more than 127 frames per stack", EINVAL);
  if (d.max_entries > (1u << 31)) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries too large", E2BIG);
  return ok();
}

// dev_map_alloc_check, cpu_map_alloc, xsk_map_alloc.
Status check_redirect(const MapDef& d) {
  const bool xsk = d.type == MapType::Xskmap, cpu = d.type == MapType::Cpumap;
  if (d.max_entries == 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries is 0", EINVAL);
  if (d.key_size != 4) return fail(ErrorCode::MapBadKeySize, d, "key_size must be 4", EINVAL);
  if (xsk ? d.value_size != 4 : d.value_size != 4 && d.value_size != 8)
    return fail(ErrorCode::MapBadValueSize, d, xsk ? "value_size must be 4" : "value_size must be 4 or 8", EINVAL);
  if (auto st = check_flags(d, cpu ? kMapFNumaNode : kMapFNumaNode | kMapFRdonly | kMapFWronly); !st) return st;
  if (cpu && d.max_entries > kNrCpus) return fail(ErrorCode::MapBadMaxEntries, d, "more entries than NR_CPUS", E2BIG);
  if (d.type == MapType::DevmapHash && d.max_entries > (1u << 31))
    return fail(ErrorCode::MapBadMaxEntries, d, "max_entries too large", E2BIG);
  return ok();
}

// sock_map_alloc / sock_hash_alloc / reuseport_array_alloc_check: u32 keys
// (any size for sockhash), a u32 or u64 descriptor as the value, at least
// one entry, only the access flags.
Status check_sock_map(const MapDef& d) {
  if (d.type == MapType::Sockhash ? d.key_size == 0 : d.key_size != 4)
    return fail(ErrorCode::MapBadKeySize, d, d.type == MapType::Sockhash ? "key_size must not be 0" : "key_size must be 4", EINVAL);
  if (d.value_size != 4 && d.value_size != 8) return fail(ErrorCode::MapBadValueSize, d, "value_size must be 4 or 8", EINVAL);
  if (d.max_entries == 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries must not be 0", EINVAL);
  return check_flags(d, kMapFNumaNode | kMapFRdonly | kMapFWronly | kMapFRdonlyProg | kMapFWronlyProg);
}

Status check_inner(const MapDef& d) {
  if (!d.inner) return fail(ErrorCode::MapBadInner, d, "map-in-map without an inner map definition", EBADF);
  switch (d.inner->type) {
    case MapType::ProgArray:
    case MapType::ArrayOfMaps:
    case MapType::HashOfMaps:
    case MapType::Unspec:
    case MapType::PerfEventArray:
      return fail(ErrorCode::MapBadInner, d, "inner map type cannot be nested", EINVAL);
    case MapType::Sockmap: case MapType::Sockhash: case MapType::ReuseportSockarray: case MapType::SkStorage:
      // The kernel refuses socket maps and local storage inside maps too (they hold sockets, not values).
      return fail(ErrorCode::MapBadInner, d, "socket maps cannot be inner maps", EINVAL);
    case MapType::Devmap: case MapType::DevmapHash: case MapType::Cpumap: case MapType::Xskmap:
      // The kernel nests them; Decade's redirect records name the map a
      // program references, so inner redirect maps are refused explicitly.
      return fail(ErrorCode::MapBadInner, d, "redirect maps (devmap, cpumap, xskmap) cannot be inner maps", EOPNOTSUPP);
    case MapType::CgroupStorage: case MapType::PercpuCgroupStorage:
      // A program's storage is bound when it starts running, never looked
      // up from an outer map (the kernel has no map_meta_equal for them).
      return fail(ErrorCode::MapBadInner, d, "cgroup storage maps cannot be inner maps", 524);
    case MapType::StackTrace: case MapType::CgroupArray:
      // The helpers that take them (bpf_get_stackid, bpf_*_under_cgroup)
      // are given a constant map, never one looked up from an outer map.
      return fail(ErrorCode::MapBadInner, d, "stack_trace and cgroup_array maps cannot be inner maps", EOPNOTSUPP);
    case MapType::Hash: case MapType::Array: case MapType::PercpuHash: case MapType::PercpuArray:
    case MapType::LruHash: case MapType::LruPercpuHash: case MapType::LpmTrie: case MapType::Queue:
    case MapType::Stack: case MapType::Ringbuf: case MapType::BloomFilter: case MapType::Arena:
      break;
  }
  return ok();
}

Status validate(const MapDef& d) {
  // The kernel's map_check_btf: per-CPU values hold no lock (each CPU's
  // value is its own); their host copies are word by word (map_common.hpp).
  const bool percpu = d.type == MapType::PercpuArray || d.type == MapType::PercpuHash ||
                      d.type == MapType::LruPercpuHash || d.type == MapType::PercpuCgroupStorage;
  if (percpu && d.lock_field_off() >= 0)
    return fail(ErrorCode::MapBadType, d, "a per-CPU map's value cannot hold a bpf_spin_lock or bpf_res_spin_lock",
                EOPNOTSUPP);
  switch (d.type) {
    case MapType::Array:
    case MapType::PercpuArray:
    case MapType::ProgArray:
    case MapType::CgroupArray:
      return check_array(d);
    case MapType::StackTrace:
      return check_stack_trace(d);
    case MapType::ArrayOfMaps:
      if (auto st = check_array(d); !st) return st;
      return check_inner(d);
    case MapType::Hash:
    case MapType::PercpuHash:
    case MapType::LruHash:
    case MapType::LruPercpuHash:
      return check_hash(d);
    case MapType::HashOfMaps:
      if (auto st = check_hash(d); !st) return st;
      return check_inner(d);
    case MapType::LpmTrie:
      return check_lpm(d);
    case MapType::Queue:
    case MapType::Stack:
      return check_keyless(d, kQueueFlags);
    case MapType::BloomFilter:
      if (d.map_extra & ~uint64_t{0xf})
        return fail(ErrorCode::InvalidArgument, d, "map_extra holds the hash count (0..15)", EINVAL);
      return check_keyless(d, kBloomFlags);
    case MapType::Ringbuf:
      return check_ringbuf(d);
    case MapType::Arena:
      return check_arena(d);
    case MapType::Devmap:
    case MapType::DevmapHash:
    case MapType::Cpumap:
    case MapType::Xskmap:
      return check_redirect(d);
    case MapType::PerfEventArray:
      return check_perf_event_array(d);
    case MapType::Sockmap:
    case MapType::Sockhash:
    case MapType::ReuseportSockarray:
      return check_sock_map(d);
    case MapType::SkStorage:
      return check_sk_storage(d);
    case MapType::CgroupStorage:
    case MapType::PercpuCgroupStorage:
      return check_cgroup_storage(d);
    case MapType::Unspec:
      break;
  }
  const auto t = static_cast<uint32_t>(d.type);
  return make_error(ErrorCode::MapBadType, fmt::format("map '{}': type {} ({}) is not supported: {}", d.name,
                                                       map_type_name(t), t, missing_reason(t)));
}

Result<std::unique_ptr<Map>> build(const MapDef& def) {
  switch (def.type) {
    case MapType::Array:
    case MapType::PercpuArray:
      return make_array_map(def);
    case MapType::Hash:
    case MapType::PercpuHash:
    case MapType::LruHash:
    case MapType::LruPercpuHash:
      return make_hash_map(def);
    case MapType::LpmTrie:
      return make_lpm_trie(def);
    case MapType::Queue:
    case MapType::Stack:
      return make_queue_stack(def);
    case MapType::BloomFilter:
      return make_bloom_filter(def);
    case MapType::Ringbuf:
      return make_ringbuf(def);
    case MapType::ProgArray:
      return make_prog_array(def);
    case MapType::ArrayOfMaps:
    case MapType::HashOfMaps:
      return make_map_of_maps(def);
    case MapType::Arena:
      return make_arena(def);
    case MapType::Devmap:
    case MapType::DevmapHash:
    case MapType::Cpumap:
    case MapType::Xskmap:
      return make_redirect_map(def);
    case MapType::PerfEventArray:
      return make_perf_event_array(def);
    case MapType::StackTrace:
      return make_stack_trace_map(def);
    case MapType::CgroupArray:
      return make_cgroup_array(def);
    case MapType::Sockmap:
    case MapType::Sockhash:
    case MapType::ReuseportSockarray:
      return make_sock_map(def);
    case MapType::SkStorage:
      return make_sk_storage(def);
    case MapType::CgroupStorage:
    case MapType::PercpuCgroupStorage:
      return make_cgroup_storage(def);
    case MapType::Unspec:
      break;
  }
  return fail(ErrorCode::MapBadType, def, "map type not supported", EINVAL);
}

// The limits, checked before anything is allocated; charges the object's budget.
Status charge_limits(const MapDef& def, const MapFootprint& fp, const MapLimits& limits) {
  if (fp.most > limits.map_bytes)
    return make_error(ErrorCode::MapMemoryLimit,
                      fmt::format("map '{}' (type {}): needs up to {} bytes, the limit per map is {} bytes", def.name,
                                  static_cast<uint32_t>(def.type), fp.most, limits.map_bytes));
  if (limits.budget && !limits.budget->charge(fp.upfront))
    return make_error(ErrorCode::MapMemoryLimit,
                      fmt::format("map '{}' (type {}): needs {} bytes, the object's maps already hold {} of their "
                                  "{} byte limit",
                                  def.name, static_cast<uint32_t>(def.type), fp.upfront, limits.budget->used(),
                                  limits.budget->limit()));
  return ok();
}

}  // namespace

std::string_view map_type_name(uint32_t type) {
  static constexpr std::string_view kNames[] = {
      "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array", "stack_trace",
      "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps", "hash_of_maps", "devmap",
      "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage",
      "queue", "stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage", "task_storage",
      "bloom_filter", "user_ringbuf", "cgrp_storage", "arena"};
  return type < std::size(kNames) ? kNames[type] : "unknown";
}

MapFootprint map_footprint(const MapDef& def) {
  switch (def.type) {
    case MapType::Array:
    case MapType::PercpuArray:
      return array_footprint(def);
    case MapType::Hash:
    case MapType::PercpuHash:
    case MapType::LruHash:
    case MapType::LruPercpuHash:
      return hash_footprint(def);
    case MapType::LpmTrie:
      return lpm_footprint(def);
    case MapType::Queue:
    case MapType::Stack:
      return queue_stack_footprint(def);
    case MapType::BloomFilter:
      return bloom_footprint(def);
    case MapType::Ringbuf:
      return ringbuf_footprint(def);
    case MapType::ProgArray:
      return prog_array_footprint(def);
    case MapType::ArrayOfMaps:
    case MapType::HashOfMaps:
      return map_of_maps_footprint(def);
    case MapType::Arena:
      return arena_footprint(def);
    case MapType::Devmap:
    case MapType::DevmapHash:
    case MapType::Cpumap:
    case MapType::Xskmap:
      return redirect_map_footprint(def);
    case MapType::PerfEventArray:
      return perf_event_array_footprint(def);
    case MapType::StackTrace:
      return stack_trace_footprint(def);
    case MapType::CgroupArray:
      return cgroup_array_footprint(def);
    case MapType::Sockmap:
    case MapType::Sockhash:
    case MapType::ReuseportSockarray:
      return sock_map_footprint(def);
    case MapType::SkStorage:
      return sk_storage_footprint(def);
    case MapType::CgroupStorage:
    case MapType::PercpuCgroupStorage:
      return cgroup_storage_footprint(def);
    case MapType::Unspec:
      break;
  }
  return {};
}

Status check_map_type(const MapDef& def) {
  Status s = validate(def);
  if (!s && s.error().code == ErrorCode::MapBadType) return s;
  return ok();
}

Status check_map_def(const MapDef& def) { return validate(def); }

// A struct bpf_timer (runtime/timer.hpp): in hash, LRU hash and array
// values only (the kernel's map_check_btf), 8-aligned, inside the value,
// apart from the lock.
namespace {
Status check_timer_field(const MapDef& def) {
  const int32_t off = def.timer_off;
  if (off < 0) return ok();
  if (def.type != MapType::Hash && def.type != MapType::LruHash && def.type != MapType::Array)
    return fail(ErrorCode::MapBadType, def, "only hash, lru_hash and array values may hold a bpf_timer", EOPNOTSUPP);
  if (off % 8 || uint64_t(off) + kBpfTimerSize > def.value_size)
    return fail(ErrorCode::MapBadValueSize, def, "bpf_timer outside the value or misaligned", EINVAL);
  const int32_t lk = def.lock_field_off();
  if (lk >= 0 && lk + 4 > off && lk < off + static_cast<int32_t>(kBpfTimerSize))
    return fail(ErrorCode::MapBadValueSize, def, "bpf_timer overlaps the value's lock", EINVAL);
  return ok();
}
}  // namespace

Result<std::unique_ptr<Map>> create_map(const MapDef& def, const MapLimits& limits) {
  if (auto st = validate(def); !st) return std::unexpected(st.error());
  if (def.spin_lock_off >= 0 && def.res_lock_off >= 0)
    return fail(ErrorCode::MapBadValueSize, def, "a value holds both a bpf_spin_lock and a bpf_res_spin_lock", EINVAL);
  if (const int32_t off = def.lock_field_off(); off >= 0 && (off % 4 || uint64_t(off) + 4 > def.value_size))
    return fail(ErrorCode::MapBadValueSize, def, "spin lock outside the value or misaligned", EINVAL);
  if (auto st = check_timer_field(def); !st) return std::unexpected(st.error());
  const MapFootprint fp = map_footprint(def);
  if (auto st = charge_limits(def, fp, limits); !st) return std::unexpected(st.error());
  Result<std::unique_ptr<Map>> m = [&]() -> Result<std::unique_ptr<Map>> {
    try {
      return build(def);
    } catch (const std::bad_alloc&) {
      return make_error(ErrorCode::OutOfMemory, fmt::format("map '{}': out of host memory ({} bytes)", def.name,
                                                            fp.upfront));
    }
  }();
  if (!m) {
    if (limits.budget) limits.budget->uncharge(fp.upfront);
    return m;
  }
  (*m)->set_budget(limits.budget, fp.upfront);
  return m;
}

}  // namespace decade
