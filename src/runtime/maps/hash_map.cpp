// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH.
//
// Layout: a power-of-two array of buckets, each a chain changed under its
// own spinlock and read without it; elements come from a pool that is never returned to the system
// while the map lives, so a value pointer a program holds stays valid memory
// (it may be reused for another key after a delete, as with the kernel's
// preallocated maps). The pool is filled up front, or chunk by chunk with
// BPF_F_NO_PREALLOC.
//
// Plain hash maps hold max_entries keys; replacing a key takes a spare
// element so readers never see a half-written value. LRU maps evict when the
// pool is empty: one list under one lock, with a second-chance reference bit
// set on lookup (the kernel's "ref" bit), so recently used keys survive.
// Lookups take no lock (the kernel's RCU walk over hlist_nulls): chains end
// in a "nulls" marker naming their bucket, links are published with release
// stores, and an element is never returned to the system, so a reader that
// follows an element deleted and reused in another bucket ends on a foreign
// marker and restarts. As with the kernel's preallocated maps, a lookup that
// races with a delete may still return the element being reused.
//
// Lock order: LRU lock, then a bucket lock; never the reverse. LRU updates
// and deletes hold the LRU lock throughout, so they are serialised.
#include <algorithm>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "runtime/cpu.hpp"
#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

// A chain link: an Elem*, or (bucket << 1) | 1 at the end of bucket's chain.
using Link = std::atomic<uintptr_t>;
constexpr bool is_nulls(uintptr_t p) { return p & 1; }
constexpr uintptr_t nulls_of(uint64_t bucket) { return uintptr_t(bucket << 1) | 1; }

struct Elem {
  Link next;       // bucket chain (written under the bucket lock, read by lock-free lookups)
  Elem* lru_prev;  // LRU list (LRU lock)
  Elem* lru_next;  // LRU list, or the free list
  std::atomic<uint32_t> hash;
  std::atomic<uint8_t> ref;
  uint8_t linked;  // in a bucket chain (bucket lock)
  uint8_t in_lru;  // in the LRU list (LRU lock)
};
constexpr size_t kElemHeader = 32;
static_assert(sizeof(Elem) <= kElemHeader);

Elem* as_elem(uintptr_t p) { return reinterpret_cast<Elem*>(p); }

struct Bucket {
  SpinLock lock;
  Link head{0};
};

struct alignas(64) CpuFreeList {
  SpinLock lock;
  Elem* head = nullptr;
};

class HashMap final : public Map {
 public:
  explicit HashMap(const MapDef& def)
      : Map(def),
        lru_(def.type == MapType::LruHash || def.type == MapType::LruPercpuHash),
        cpus_(def.type == MapType::PercpuHash || def.type == MapType::LruPercpuHash ? possible_cpus() : 1),
        key_stride_(round_up8(def.key_size)),
        val_stride_(round_up8(def.value_size)),
        elem_size_(kElemHeader + key_stride_ + val_stride_ * cpus_),
        nbuckets_(roundup_pow2(std::max<uint32_t>(def.max_entries, 2))),
        buckets_(nbuckets_),
        free_(lru_ ? 1 : possible_cpus()),
        seed_(map_hash_seed(def)),
        // Plain maps keep one spare per CPU for replacing keys (as the kernel's extra_elems).
        capacity_(uint64_t{def.max_entries} + (lru_ ? 0 : possible_cpus())) {
    for (uint64_t i = 0; i < nbuckets_; ++i) buckets_[i].head.store(nulls_of(i), std::memory_order_relaxed);
  }

  Status init() {
    bool prealloc = lru_ || !(def().map_flags & kMapFNoPrealloc);
    if (prealloc && !grow(capacity_)) return make_error(ErrorCode::OutOfMemory, "hash map pool allocation failed");
    return ok();
  }

  void* lookup(const void* key) override {
    Elem* e = find_locked(key);
    return e ? value_of(e, cpus_ == 1 ? 0 : current_cpu()) : nullptr;
  }

  void* lookup_percpu(const void* key, uint32_t cpu) override {
    if (cpus_ == 1 || cpu >= cpus_) return nullptr;
    Elem* e = find_locked(key);
    return e ? value_of(e, cpu) : nullptr;
  }

  long update(const void* key, const void* value, uint64_t flags) override { return do_update(key, value, flags, false); }
  long host_update(const void* key, const void* value, uint64_t flags) override {
    return do_update(key, value, flags, cpus_ != 1);
  }

  long erase(const void* key) override { return remove(key, nullptr); }
  long host_lookup_and_delete(const void* key, void* value) override { return remove(key, value); }

  uint32_t host_value_size() const override { return static_cast<uint32_t>(cpus_ == 1 ? def().value_size : val_stride_ * cpus_); }

  long host_lookup(const void* key, void* value, uint64_t flags) override {
    if (cpus_ == 1) return Map::host_lookup(key, value, flags);
    if (flags) return kEINVAL;
    uint64_t h = hash_of(key);
    Bucket& b = bucket(h);
    std::lock_guard lock(b.lock);
    Elem* e = find_in(b, key, h);
    if (!e) return kENOENT;
    copy_out(e, value);
    return 0;
  }

  Status get_next_key(const void* key, void* next_key) override;
  long for_each(const ElemVisitor& fn) override;

  // Only the value areas: the header (chain link, LRU links) and the key
  // in front of each value are the map's own and never program memory.
  std::vector<MapStorage> storage() override {
    std::lock_guard lock(pool_mu_);
    std::vector<MapStorage> out;
    const size_t lead = kElemHeader + key_stride_;
    for (size_t i = 0; i < chunks_.size(); ++i) {
      const size_t elems = chunk_sizes_[i] / elem_size_;
      const size_t bytes = (elems - 1) * elem_size_ + val_stride_ * cpus_;
      out.push_back({std::span<uint8_t>(chunks_[i].get() + lead, bytes), elem_size_, val_stride_ * cpus_});
    }
    return out;
  }

 private:
  uint8_t* key_of(Elem* e) const { return reinterpret_cast<uint8_t*>(e) + kElemHeader; }
  uint8_t* value_of(Elem* e, uint32_t cpu) const { return key_of(e) + key_stride_ + val_stride_ * cpu; }
  uint64_t hash_of(const void* key) const { return hash_bytes(key, def().key_size, seed_); }
  Bucket& bucket(uint64_t h) { return buckets_[h & (nbuckets_ - 1)]; }

  bool key_equal(Elem* e, const void* key) const {
    switch (def().key_size) {  // the common sizes without a call to memcmp
      case 4: return load_word<uint32_t>(key_of(e)) == load_word<uint32_t>(key);
      case 8: return load_word<uint64_t>(key_of(e)) == load_word<uint64_t>(key);
      default: return std::memcmp(key_of(e), key, def().key_size) == 0;
    }
  }
  template <typename T>
  static T load_word(const void* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  // Walks the chain of bucket h. Without the bucket lock the walk may end on
  // another bucket's marker (an element moved under us): nullptr then, and
  // *restart is set.
  Elem* walk(Bucket& b, const void* key, uint64_t h, bool* restart) const {
    uintptr_t p = b.head.load(std::memory_order_acquire);
    for (; !is_nulls(p); p = as_elem(p)->next.load(std::memory_order_acquire)) {
      Elem* e = as_elem(p);
      if (e->hash.load(std::memory_order_relaxed) == static_cast<uint32_t>(h) && key_equal(e, key)) return e;
    }
    *restart = p != nulls_of(h & (nbuckets_ - 1));
    return nullptr;
  }

  // With the bucket lock held.
  Elem* find_in(Bucket& b, const void* key, uint64_t h) const {
    bool restart = false;
    return walk(b, key, h, &restart);
  }

  Elem* find_locked(const void* key) {
    uint64_t h = hash_of(key);
    Bucket& b = bucket(h);
    Elem* e;
    bool restart;
    do {
      restart = false;
      e = walk(b, key, h, &restart);
    } while (restart);
    if (e && lru_ && !e->ref.load(std::memory_order_relaxed)) e->ref.store(1, std::memory_order_relaxed);
    return e;
  }

  // Bucket lock held. The unlinked element keeps its next link, so readers
  // standing on it continue down the chain.
  void unlink(Bucket& b, Elem* e) {
    Link* p = &b.head;
    for (uintptr_t cur = p->load(std::memory_order_relaxed); !is_nulls(cur);
         p = &as_elem(cur)->next, cur = p->load(std::memory_order_relaxed)) {
      if (as_elem(cur) == e) {
        p->store(e->next.load(std::memory_order_relaxed), std::memory_order_release);
        e->linked = 0;
        return;
      }
    }
  }

  // Bucket lock held; e's key and value are written.
  void link_head(Bucket& b, Elem* e) {
    e->linked = 1;
    e->next.store(b.head.load(std::memory_order_relaxed), std::memory_order_relaxed);
    b.head.store(reinterpret_cast<uintptr_t>(e), std::memory_order_release);
  }

  void copy_out(Elem* e, void* value) const {
    auto* out = static_cast<uint8_t*>(value);
    for (uint32_t c = 0; c < cpus_; ++c) {
      uint8_t* dst = out + c * (cpus_ == 1 ? 0 : val_stride_);
      if (cpus_ != 1) std::memset(dst, 0, val_stride_);
      copy_value(dst, value_of(e, c), def().value_size, def().spin_lock_off);
      clear_lock_word(dst, def().spin_lock_off);
    }
  }

  // Writes a new element's values: all CPUs from the host, or this CPU's
  // slot (others zeroed) from a program, as pcpu_init_value does.
  void fill(Elem* e, const void* key, const void* value, bool onallcpus) {
    std::memcpy(key_of(e), key, def().key_size);
    if (cpus_ == 1) {
      if (def().spin_lock_off >= 0) clear_lock_word(value_of(e, 0), def().spin_lock_off);
      copy_value(value_of(e, 0), value, def().value_size, def().spin_lock_off);
      return;
    }
    uint32_t me = current_cpu();
    for (uint32_t c = 0; c < cpus_; ++c) {
      if (onallcpus) {
        std::memcpy(value_of(e, c), static_cast<const uint8_t*>(value) + c * val_stride_, def().value_size);
      } else if (c == me) {
        std::memcpy(value_of(e, c), value, def().value_size);
      } else {
        std::memset(value_of(e, c), 0, val_stride_);
      }
    }
  }

  void write_existing(Elem* e, const void* value, bool onallcpus) {
    if (cpus_ == 1) {
      copy_value(value_of(e, 0), value, def().value_size, def().spin_lock_off);
    } else if (onallcpus) {
      for (uint32_t c = 0; c < cpus_; ++c)
        std::memcpy(value_of(e, c), static_cast<const uint8_t*>(value) + c * val_stride_, def().value_size);
    } else {
      std::memcpy(value_of(e, current_cpu()), value, def().value_size);
    }
  }

  long do_update(const void* key, const void* value, uint64_t flags, bool onallcpus);
  long update_locked_value(const void* key, const void* value, uint64_t flags);
  long update_plain(const void* key, const void* value, uint64_t flags, bool onallcpus);
  long update_lru(const void* key, const void* value, uint64_t flags, bool onallcpus);
  long remove(const void* key, void* value_out);

  // ---- element pool ----
  bool grow(uint64_t n);
  Elem* pop_free();
  void push_free(Elem* e);
  // LRU pool: one free list plus the eviction list, both under lru_mu_.
  Elem* lru_pop();
  Elem* lru_evict_locked();
  void lru_list_remove(Elem* e);
  void lru_list_push_head(Elem* e);
  void lru_release(Elem* e);  // remove from the list if there, then free (lru_mu_ held)

  const bool lru_;
  const uint32_t cpus_;
  const size_t key_stride_, val_stride_, elem_size_;
  const uint64_t nbuckets_;
  std::vector<Bucket> buckets_;
  std::vector<CpuFreeList> free_;
  const uint64_t seed_;
  const uint64_t capacity_;
  std::atomic<uint32_t> count_{0};

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<uint8_t[]>> chunks_;
  std::vector<size_t> chunk_sizes_;
  uint64_t allocated_ = 0;

  std::mutex lru_mu_;
  Elem* lru_head_ = nullptr;
  Elem* lru_tail_ = nullptr;
  uint64_t lru_len_ = 0;
};

bool HashMap::grow(uint64_t n) {
  std::lock_guard lock(pool_mu_);
  n = std::min(n, capacity_ - allocated_);
  if (n == 0) return false;
  size_t bytes = n * elem_size_;
  std::unique_ptr<uint8_t[]> chunk(new (std::nothrow) uint8_t[bytes]());
  if (!chunk) return false;
  for (uint64_t i = 0; i < n; ++i) {
    auto* e = new (chunk.get() + i * elem_size_) Elem{};
    if (lru_) {
      e->lru_next = free_[0].head;
      free_[0].head = e;
    } else {
      CpuFreeList& fl = free_[i % free_.size()];
      e->lru_next = fl.head;
      fl.head = e;
    }
  }
  allocated_ += n;
  chunks_.push_back(std::move(chunk));
  chunk_sizes_.push_back(bytes);
  return true;
}

Elem* HashMap::pop_free() {
  const size_t n = free_.size();
  for (int attempt = 0; attempt < 2; ++attempt) {
    uint32_t me = current_cpu() % n;
    for (size_t i = 0; i < n; ++i) {
      CpuFreeList& fl = free_[(me + i) % n];
      std::lock_guard lock(fl.lock);
      if (Elem* e = fl.head) {
        fl.head = e->lru_next;
        return e;
      }
    }
    // Pool empty: a BPF_F_NO_PREALLOC map grows by a chunk, up to capacity.
    if (!grow(std::max<uint64_t>(64, std::min<uint64_t>(capacity_ / 16, 4096)))) return nullptr;
  }
  return nullptr;
}

void HashMap::push_free(Elem* e) {
  CpuFreeList& fl = free_[current_cpu() % free_.size()];
  std::lock_guard lock(fl.lock);
  e->lru_next = fl.head;
  fl.head = e;
}

void HashMap::lru_list_remove(Elem* e) {
  (e->lru_prev ? e->lru_prev->lru_next : lru_head_) = e->lru_next;
  (e->lru_next ? e->lru_next->lru_prev : lru_tail_) = e->lru_prev;
  e->lru_prev = e->lru_next = nullptr;
  e->in_lru = 0;
  --lru_len_;
}

void HashMap::lru_list_push_head(Elem* e) {
  e->lru_prev = nullptr;
  e->lru_next = lru_head_;
  (lru_head_ ? lru_head_->lru_prev : lru_tail_) = e;
  lru_head_ = e;
  e->in_lru = 1;
  ++lru_len_;
}

// Second chance from the tail: referenced elements lose their bit and move
// to the head; elements a concurrent delete has already unlinked are left
// for that delete to free.
Elem* HashMap::lru_evict_locked() {
  uint64_t budget = 2 * lru_len_ + 1;
  Elem* e = lru_tail_;
  while (e && budget--) {
    Elem* prev = e->lru_prev;
    if (e->ref.load(std::memory_order_relaxed)) {
      e->ref.store(0, std::memory_order_relaxed);
      lru_list_remove(e);
      lru_list_push_head(e);
      e = prev ? prev : lru_tail_;
      continue;
    }
    Bucket& b = bucket(e->hash.load(std::memory_order_relaxed));
    b.lock.lock();
    bool was_linked = e->linked;
    if (was_linked) unlink(b, e);
    b.lock.unlock();
    if (was_linked) {
      lru_list_remove(e);
      return e;
    }
    e = prev;
  }
  return nullptr;
}

// Both run with lru_mu_ held.
Elem* HashMap::lru_pop() {
  if (Elem* e = free_[0].head) {
    free_[0].head = e->lru_next;
    e->lru_next = nullptr;
    return e;
  }
  return lru_evict_locked();
}

void HashMap::lru_release(Elem* e) {
  if (e->in_lru) lru_list_remove(e);
  e->ref.store(0, std::memory_order_relaxed);
  e->lru_next = free_[0].head;
  free_[0].head = e;
}

long HashMap::do_update(const void* key, const void* value, uint64_t flags, bool onallcpus) {
  if ((flags & ~kBpfFLock) > kBpfExist) return kEINVAL;
  if (flags & kBpfFLock) {
    if (def().spin_lock_off < 0 || cpus_ != 1) return kEINVAL;
    if (long rc = update_locked_value(key, value, flags); rc != 1) return rc;
  }
  return lru_ ? update_lru(key, value, flags, onallcpus) : update_plain(key, value, flags, onallcpus);
}

// BPF_F_LOCK: an existing value is overwritten in place under its own lock.
// Returns 1 when the key is absent and a normal insert should follow.
long HashMap::update_locked_value(const void* key, const void* value, uint64_t flags) {
  Elem* e = find_locked(key);
  if (!e) return (flags & 3) == kBpfExist ? kENOENT : 1;
  if ((flags & 3) == kBpfNoExist) return kEEXIST;
  copy_value_locked(value_of(e, 0), value, def().value_size, def().spin_lock_off, value_of(e, 0));
  return 0;
}

long HashMap::update_plain(const void* key, const void* value, uint64_t flags, bool onallcpus) {
  uint64_t h = hash_of(key);
  Bucket& b = bucket(h);
  std::unique_lock lock(b.lock);
  Elem* old = find_in(b, key, h);
  if (old && (flags & 3) == kBpfNoExist) return kEEXIST;
  if (!old && (flags & 3) == kBpfExist) return kENOENT;
  if (old && cpus_ != 1) {  // per-CPU values are updated in place
    write_existing(old, value, onallcpus);
    return 0;
  }
  if (!old && count_.fetch_add(1, std::memory_order_relaxed) >= def().max_entries) {
    count_.fetch_sub(1, std::memory_order_relaxed);
    return kE2BIG;
  }
  Elem* e = pop_free();
  if (!e) {
    if (!old) {
      count_.fetch_sub(1, std::memory_order_relaxed);
      return def().map_flags & kMapFNoPrealloc ? kENOMEM : kE2BIG;
    }
    // More concurrent replacements than spares: fall back to an in-place write.
    write_existing(old, value, onallcpus);
    return 0;
  }
  e->hash.store(static_cast<uint32_t>(h), std::memory_order_relaxed);
  fill(e, key, value, onallcpus);
  link_head(b, e);
  if (old) unlink(b, old);
  lock.unlock();
  if (old) push_free(old);
  return 0;
}

// LRU maps change membership (free list, LRU list, bucket chain) only with
// lru_mu_ held, so an element is in the LRU list exactly while it is linked
// in a bucket; lookups take only the bucket lock. Like the kernel, the new
// element is taken (possibly by evicting) before the key is looked up.
long HashMap::update_lru(const void* key, const void* value, uint64_t flags, bool onallcpus) {
  uint64_t h = hash_of(key);
  std::lock_guard lru_lock(lru_mu_);
  Elem* e = lru_pop();
  if (!e) return kENOMEM;
  e->hash.store(static_cast<uint32_t>(h), std::memory_order_relaxed);
  fill(e, key, value, onallcpus);
  Bucket& b = bucket(h);
  b.lock.lock();
  Elem* old = find_in(b, key, h);
  long rc = 0;
  if (old && (flags & 3) == kBpfNoExist) rc = kEEXIST;
  if (!old && (flags & 3) == kBpfExist) rc = kENOENT;
  if (rc == 0 && old && cpus_ != 1) {
    write_existing(old, value, onallcpus);
    old->ref.store(1, std::memory_order_relaxed);
    rc = 1;
  }
  if (rc) {
    b.lock.unlock();
    lru_release(e);
    return rc == 1 ? 0 : rc;
  }
  link_head(b, e);
  if (old) unlink(b, old);
  b.lock.unlock();
  lru_list_push_head(e);
  if (old) lru_release(old);
  return 0;
}

long HashMap::remove(const void* key, void* value_out) {
  uint64_t h = hash_of(key);
  std::unique_lock<std::mutex> lru_lock;
  if (lru_) lru_lock = std::unique_lock(lru_mu_);
  Bucket& b = bucket(h);
  b.lock.lock();
  Elem* e = find_in(b, key, h);
  if (!e) {
    b.lock.unlock();
    return kENOENT;
  }
  if (value_out) copy_out(e, value_out);
  unlink(b, e);
  b.lock.unlock();
  if (lru_) {
    lru_release(e);
  } else {
    count_.fetch_sub(1, std::memory_order_relaxed);
    push_free(e);
  }
  return 0;
}

// Kernel order: the key's successor in its chain, else the first element
// of the next non-empty bucket; an absent key restarts from the beginning.
Status HashMap::get_next_key(const void* key, void* next_key) {
  uint64_t start = 0;
  if (key) {
    uint64_t h = hash_of(key);
    Bucket& b = bucket(h);
    std::lock_guard lock(b.lock);
    if (Elem* e = find_in(b, key, h)) {
      if (uintptr_t n = e->next.load(std::memory_order_relaxed); !is_nulls(n)) {
        std::memcpy(next_key, key_of(as_elem(n)), def().key_size);
        return ok();
      }
      start = (h & (nbuckets_ - 1)) + 1;
    }
  }
  for (uint64_t i = start; i < nbuckets_; ++i) {
    Bucket& b = buckets_[i];
    std::lock_guard lock(b.lock);
    if (uintptr_t n = b.head.load(std::memory_order_relaxed); !is_nulls(n)) {
      std::memcpy(next_key, key_of(as_elem(n)), def().key_size);
      return ok();
    }
  }
  return make_error(ErrorCode::MapKeyNotFound, "no more keys");
}

// Callbacks run without a bucket lock held so they may update or delete.
long HashMap::for_each(const ElemVisitor& fn) {
  long visited = 0;
  std::vector<Elem*> batch;
  const uint32_t cpu = cpus_ == 1 ? 0 : current_cpu();
  for (uint64_t i = 0; i < nbuckets_; ++i) {
    batch.clear();
    {
      std::lock_guard lock(buckets_[i].lock);
      for (uintptr_t p = buckets_[i].head.load(std::memory_order_relaxed); !is_nulls(p);
           p = as_elem(p)->next.load(std::memory_order_relaxed))
        batch.push_back(as_elem(p));
    }
    for (Elem* e : batch) {
      ++visited;
      if (!fn(key_of(e), value_of(e, cpu))) return visited;
    }
  }
  return visited;
}

}  // namespace

Result<std::unique_ptr<Map>> make_hash_map(const MapDef& def) {
  auto m = std::make_unique<HashMap>(def);
  if (auto st = m->init(); !st) return std::unexpected(st.error());
  return std::unique_ptr<Map>(std::move(m));
}

}  // namespace decade
