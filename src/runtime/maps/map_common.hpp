// SPDX-License-Identifier: Apache-2.0
// Internal to the map families: errno values, value copies that respect a
// struct bpf_spin_lock field, the bpf_spin_lock primitive, hashing, and the
// per-family constructors the factory dispatches to.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>

#include "runtime/map.hpp"

namespace decade {

// Kernel return values, as helpers and the host API return them.
inline constexpr long kENOENT = -ENOENT, kE2BIG = -E2BIG, kEINVAL = -EINVAL, kEEXIST = -EEXIST,
                      kENOMEM = -ENOMEM, kEBUSY = -EBUSY, kENOSPC = -ENOSPC, kEPERM = -EPERM,
                      kEOPNOTSUPP = -EOPNOTSUPP, kENOTSUPP = -524;

// The kernel's limits for cpumap: NR_CPUS of distribution kernels (max_entries)
// and the largest queue size an entry may ask for.
inline constexpr uint32_t kNrCpus = 8192, kCpumapMaxQsize = 16384;

constexpr uint64_t round_up8(uint64_t v) { return (v + 7) & ~uint64_t{7}; }
constexpr bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }
inline uint64_t roundup_pow2(uint64_t v) {
  uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

// bpf_spin_lock: a 4-byte word inside a map value. Test-and-test-and-set with
// yields; held only for short critical sections, like the kernel's.
void spin_lock_word(void* lock);
void spin_unlock_word(void* lock);

// copy_map_value: copies a value but leaves the destination's spin lock word
// untouched (the kernel never copies special fields).
inline void copy_value(void* dst, const void* src, uint32_t size, int32_t lock_off) {
  if (lock_off < 0) {
    std::memcpy(dst, src, size);
    return;
  }
  auto* d = static_cast<uint8_t*>(dst);
  auto* s = static_cast<const uint8_t*>(src);
  auto off = static_cast<uint32_t>(lock_off);
  std::memcpy(d, s, off);
  std::memcpy(d + off + 4, s + off + 4, size - off - 4);
}

// Copy under the value's own lock (BPF_F_LOCK).
inline void copy_value_locked(void* dst, const void* src, uint32_t size, int32_t lock_off, void* lock_owner) {
  auto* lock = static_cast<uint8_t*>(lock_owner) + lock_off;
  spin_lock_word(lock);
  copy_value(dst, src, size, lock_off);
  spin_unlock_word(lock);
}

// The host's copies of per-CPU values (the kernel's bpf_long_memcpy):
// programs on other CPU slots, or in other processes sharing a pin, may be
// writing their own slots meanwhile, so each 8-byte word of the map's slot
// (8-byte aligned, round_up(size, 8) long) is read or written by one
// relaxed atomic access and neither side ever sees a torn word. Stores
// zero the slot's padding after size. Per-CPU values hold no lock word.
inline void load_value_words(void* dst, const uint8_t* slot, uint32_t size) {
  auto* d = static_cast<uint8_t*>(dst);
  for (uint32_t i = 0; i < size; i += 8) {
    const uint64_t w = std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(const_cast<uint8_t*>(slot + i)))
                           .load(std::memory_order_relaxed);
    std::memcpy(d + i, &w, size - i < 8 ? size - i : 8);
  }
}
inline void store_value_words(uint8_t* slot, const void* src, uint32_t size) {
  const auto* s = static_cast<const uint8_t*>(src);
  for (uint32_t i = 0; i < size; i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, s + i, size - i < 8 ? size - i : 8);
    std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(slot + i)).store(w, std::memory_order_relaxed);
  }
}

// Host lookups hand out values with the lock word zeroed.
inline void clear_lock_word(void* value, int32_t lock_off) {
  if (lock_off >= 0) std::memset(static_cast<uint8_t*>(value) + lock_off, 0, 4);
}

// 64-bit hash of a key (multiply-xorshift over 8-byte words); seed per map.
uint64_t hash_bytes(const void* data, uint32_t size, uint64_t seed);
uint64_t map_hash_seed(const MapDef& def);  // 0 with BPF_F_ZERO_SEED, random otherwise

// A tiny spinlock for buckets and per-CPU lists.
class SpinLock {
 public:
  // Host threads can be preempted while holding the lock (unlike the
  // kernel's, which disables preemption): after a short spin, yield the CPU
  // so an oversubscribed host does not burn whole time slices waiting.
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      for (unsigned spins = 0; flag_.load(std::memory_order_relaxed);)
        if (++spins <= kSpinsBeforeYield) pause();
        else yield();
    }
  }
  bool try_lock() { return !flag_.exchange(true, std::memory_order_acquire); }
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  static constexpr unsigned kSpinsBeforeYield = 128;
  static void pause();
  static void yield();
  std::atomic<bool> flag_{false};
};

// Saturating arithmetic for footprints: a definition never wraps to a small size.
constexpr uint64_t sat_mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}
constexpr uint64_t sat_add(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}
constexpr uint64_t page_round(uint64_t v) { return v > UINT64_MAX - 4095 ? UINT64_MAX : (v + 4095) & ~uint64_t{4095}; }

// Runs an operation that may allocate; std::bad_alloc becomes -ENOMEM, so no
// exception leaves a map operation (helpers call them from generated code).
template <typename F>
long nothrow_op(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return kENOMEM;
  } catch (const std::length_error&) {
    return kENOMEM;
  }
}

// Family footprints (see map.hpp), next to each family's layout; def valid.
MapFootprint array_footprint(const MapDef& def);
MapFootprint hash_footprint(const MapDef& def);
MapFootprint lpm_footprint(const MapDef& def);
MapFootprint queue_stack_footprint(const MapDef& def);
MapFootprint bloom_footprint(const MapDef& def);
MapFootprint ringbuf_footprint(const MapDef& def);
MapFootprint prog_array_footprint(const MapDef& def);
MapFootprint map_of_maps_footprint(const MapDef& def);
MapFootprint arena_footprint(const MapDef& def);
MapFootprint redirect_map_footprint(const MapDef& def);  // devmap, devmap_hash, cpumap, xskmap
MapFootprint perf_event_array_footprint(const MapDef& def);
MapFootprint stack_trace_footprint(const MapDef& def);
MapFootprint cgroup_array_footprint(const MapDef& def);

// Family constructors; the factory has validated def already.
Result<std::unique_ptr<Map>> make_array_map(const MapDef& def);
Result<std::unique_ptr<Map>> make_hash_map(const MapDef& def);
Result<std::unique_ptr<Map>> make_lpm_trie(const MapDef& def);
Result<std::unique_ptr<Map>> make_queue_stack(const MapDef& def);
Result<std::unique_ptr<Map>> make_bloom_filter(const MapDef& def);
Result<std::unique_ptr<Map>> make_ringbuf(const MapDef& def);
Result<std::unique_ptr<Map>> make_prog_array(const MapDef& def);
Result<std::unique_ptr<Map>> make_map_of_maps(const MapDef& def);
Result<std::unique_ptr<Map>> make_arena(const MapDef& def);
Result<std::unique_ptr<Map>> make_redirect_map(const MapDef& def);
Result<std::unique_ptr<Map>> make_perf_event_array(const MapDef& def);
Result<std::unique_ptr<Map>> make_stack_trace_map(const MapDef& def);
Result<std::unique_ptr<Map>> make_cgroup_array(const MapDef& def);

}  // namespace decade
