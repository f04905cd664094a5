// SPDX-License-Identifier: Apache-2.0
// Default host-side operations of Map, written on top of the program-facing
// ones; families override them where the kernel's semantics differ
// (per-CPU values, queues, arrays that cannot delete).
#include <cstring>
#include <vector>

#include "runtime/maps/map_common.hpp"
#include "runtime/timer.hpp"

namespace decade {

bool MemoryBudget::charge(uint64_t bytes) {
  uint64_t cur = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ || cur > limit_ - bytes) return false;
  } while (!used_.compare_exchange_weak(cur, cur + bytes, std::memory_order_relaxed));
  return true;
}

Map::Map(MapDef def) : def_(std::move(def)) {
  if (def_.timer_off >= 0) timers_ = std::make_unique<MapTimers>(*this);
}

// A family that holds timers stopped them before freeing its values; this
// is for the others (a no-op without timers).
Map::~Map() {
  stop_timers();
  if (budget_) budget_->uncharge(charged_.load(std::memory_order_relaxed));
}

void Map::stop_timers() {
  if (timers_) timers_->stop();
}

void Map::release_timer_of(const void* value) { timers_->release(static_cast<const uint8_t*>(value)); }

void Map::set_budget(std::shared_ptr<MemoryBudget> budget, uint64_t charged) {
  budget_ = std::move(budget);
  charged_.fetch_add(charged, std::memory_order_relaxed);
}

bool Map::charge(uint64_t bytes) {
  if (budget_ && !budget_->charge(bytes)) return false;
  charged_.fetch_add(bytes, std::memory_order_relaxed);
  return true;
}

void Map::uncharge(uint64_t bytes) {
  if (budget_) budget_->uncharge(bytes);
  charged_.fetch_sub(bytes, std::memory_order_relaxed);
}

long Map::host_lookup(const void* key, void* value, uint64_t flags) {
  if (flags & ~kBpfFLock) return kEINVAL;
  if ((flags & kBpfFLock) && def_.spin_lock_off < 0) return kEINVAL;
  void* v = lookup(key);
  if (!v) return kENOENT;
  if (flags & kBpfFLock) {
    copy_value_locked(value, v, def_.value_size, def_.spin_lock_off, v);
  } else {
    copy_value(value, v, def_.value_size, def_.lock_field_off());
  }
  clear_lock_word(value, def_.lock_field_off());
  return 0;
}

long Map::host_update(const void* key, const void* value, uint64_t flags) { return update(key, value, flags); }

long Map::host_lookup_and_delete(const void* key, void* value) {
  long rc = host_lookup(key, value, 0);
  if (rc) return rc;
  return erase(key);
}

long Map::for_each(const ElemVisitor& fn) {
  return nothrow_op([&] { return walk_keys(fn); });
}

long Map::walk_keys(const ElemVisitor& fn) {
  std::vector<uint8_t> cur(def_.key_size), next(def_.key_size);
  long visited = 0;
  bool first = true;
  for (;;) {
    auto st = get_next_key(first ? nullptr : cur.data(), next.data());
    if (!st) break;
    first = false;
    cur = next;
    void* v = lookup(cur.data());
    if (!v) continue;  // deleted concurrently
    ++visited;
    if (!fn(cur.data(), v)) break;
  }
  return visited;
}

long Map::batch_walk(const void* in_batch, void* out_batch, void* keys, void* values, uint32_t* count,
                     bool erase_too) {
  if (!count || !out_batch || (*count && (!keys || !values))) return kEINVAL;
  const uint32_t ks = def_.key_size, vs = host_value_size();
  if (ks == 0) return kEINVAL;  // queues, ring buffers: no keys to walk
  std::vector<uint8_t> cur(ks);
  const uint32_t cap = *count;
  uint32_t n = 0;
  bool have = in_batch != nullptr;
  if (have) std::memcpy(cur.data(), in_batch, ks);
  long rc = 0;
  while (n < cap) {
    std::vector<uint8_t> next(ks);
    // The token is the last key returned: a deleted token restarts at the
    // first key, which after lookup_and_delete is exactly what remains.
    const void* from = erase_too || !have ? nullptr : cur.data();
    if (!get_next_key(from, next.data())) {
      rc = kENOENT;
      break;
    }
    auto* kdst = static_cast<uint8_t*>(keys) + size_t{n} * ks;
    auto* vdst = static_cast<uint8_t*>(values) + size_t{n} * vs;
    long lr = host_lookup(next.data(), vdst, 0);
    if (lr == kENOENT) {  // raced with a delete: skip the key
      cur = next;
      have = true;
      continue;
    }
    if (lr) return lr;
    std::memcpy(kdst, next.data(), ks);
    if (erase_too) {
      long er = erase(next.data());
      if (er) return er;
    }
    cur = next;
    have = true;
    ++n;
  }
  if (n == cap && rc == 0) {
    std::vector<uint8_t> probe(ks);
    if (!get_next_key(erase_too ? nullptr : cur.data(), probe.data())) rc = kENOENT;
  }
  *count = n;
  std::memcpy(out_batch, cur.data(), ks);
  return rc;
}

long Map::lookup_batch(const void* in_batch, void* out_batch, void* keys, void* values, uint32_t* count) {
  return nothrow_op([&] { return batch_walk(in_batch, out_batch, keys, values, count, false); });
}

long Map::lookup_and_delete_batch(const void* in_batch, void* out_batch, void* keys, void* values,
                                  uint32_t* count) {
  return nothrow_op([&] { return batch_walk(in_batch, out_batch, keys, values, count, true); });
}

long Map::delete_batch(const void* keys, uint32_t* count) {
  if (!count) return kEINVAL;
  const uint32_t cap = *count;
  for (uint32_t i = 0; i < cap; ++i) {
    long rc = erase(static_cast<const uint8_t*>(keys) + size_t{i} * def_.key_size);
    if (rc) {
      *count = i;
      return rc;
    }
  }
  return 0;
}

long Map::update_batch(const void* keys, const void* values, uint32_t* count, uint64_t flags) {
  if (!count) return kEINVAL;
  const uint32_t cap = *count, vs = host_value_size();
  for (uint32_t i = 0; i < cap; ++i) {
    long rc = host_update(static_cast<const uint8_t*>(keys) + size_t{i} * def_.key_size,
                          static_cast<const uint8_t*>(values) + size_t{i} * vs, flags);
    if (rc) {
      *count = i;
      return rc;
    }
  }
  return 0;
}

}  // namespace decade
