// SPDX-License-Identifier: Apache-2.0
#include "runtime/maps/map_common.hpp"

#include <atomic>
#include <random>
#include <thread>

namespace decade {

void SpinLock::pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

void SpinLock::yield() { std::this_thread::yield(); }

void spin_lock_word(void* lock) {
  std::atomic_ref<uint32_t> word(*static_cast<uint32_t*>(lock));
  uint32_t spins = 0;
  for (;;) {
    uint32_t expected = 0;
    if (word.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    while (word.load(std::memory_order_relaxed) != 0) {
      // The holder may be a preempted host thread: yield rather than burn the core.
      if (++spins > 64) std::this_thread::yield();
    }
  }
}

void spin_unlock_word(void* lock) {
  std::atomic_ref<uint32_t> word(*static_cast<uint32_t*>(lock));
  word.store(0, std::memory_order_release);
}

uint64_t hash_bytes(const void* data, uint32_t size, uint64_t seed) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = seed ^ (size * kMul);
  while (size >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
    p += 8;
    size -= 8;
  }
  if (size) {
    // The tail as one little-endian word, assembled from 4/2/1-byte loads
    // (a byte-wise copy into w would stall on store-to-load forwarding).
    uint64_t w = 0;
    unsigned shift = 0;
    if (size & 4) {
      uint32_t v;
      std::memcpy(&v, p, 4);
      w = v;
      p += 4;
      shift = 32;
    }
    if (size & 2) {
      uint16_t v;
      std::memcpy(&v, p, 2);
      w |= uint64_t{v} << shift;
      p += 2;
      shift += 16;
    }
    if (size & 1) w |= uint64_t{*p} << shift;
    h = (h ^ w) * kMul;
  }
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

uint64_t map_hash_seed(const MapDef& def) {
  if (def.map_flags & kMapFZeroSeed) return 0;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace decade
