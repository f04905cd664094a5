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
// element so readers never see a half-written value.
//
// Free elements sit in per-CPU lists (one per thread slot, see cpu.hpp), each
// under its own spinlock on its own cache line: an update takes from and
// returns to the calling CPU's list, and only when that list is empty does
// it steal a batch from another CPU's list (the kernel's per-CPU freelist
// and bpf_lru_list "local free" lists do the same).
//
// LRU maps evict only when no free element is left anywhere: a CLOCK sweep
// (second chance) over the preallocated pool, its hand one shared atomic.
// Lookups set an element's reference bit (the kernel's "ref" bit); the hand
// clears set bits as it passes and evicts the first linked element whose bit
// is clear, under that element's bucket lock only. New elements start with
// the bit clear, so keys never looked up go before ones that were, as in the
// kernel's inactive list. There is no global LRU list and no global lock.
//
// Lookups take no lock (the kernel's RCU walk over hlist_nulls): chains end
// in a "nulls" marker naming their bucket, links are published with release
// stores, and an element is never returned to the system, so a reader that
// follows an element deleted and reused in another bucket ends on a foreign
// marker and restarts. As with the kernel's preallocated maps, a lookup that
// races with a delete may still return the element being reused.
//
// Locks: a bucket lock may be held while taking a free-list lock (plain
// maps take their spare under the bucket lock) or the pool mutex; never the
// reverse, and never two bucket locks or two free-list locks at once. LRU
// maps take their new element (possibly evicting) before the bucket lock.
#include <algorithm>
#include <mutex>
#include <utility>
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
  Link next;                    // bucket chain (written under the bucket lock, read by lock-free lookups)
  Elem* free_next;              // free list (that list's lock)
  std::atomic<uint32_t> hash;   // stable while linked
  std::atomic<uint8_t> ref;     // LRU reference bit
  std::atomic<uint8_t> linked;  // in a bucket chain (written under that bucket's lock)
};
// The element layout (header, key, value) is what checked execution and
// tests/api's checked_maps program expect: the chain link 32 + key stride
// bytes before the value.
constexpr size_t kElemHeader = 32;
static_assert(sizeof(Elem) <= kElemHeader);

Elem* as_elem(uintptr_t p) { return reinterpret_cast<Elem*>(p); }

struct Bucket {
  SpinLock lock;
  Link head{0};
};

struct alignas(64) CpuFreeList {
  SpinLock lock;
  std::atomic<uint32_t> len{0};  // changed under lock; read without it to skip empty lists
  Elem* head = nullptr;
};

// With the list's lock held: only the holder writes len, so no atomic add.
void add_len(CpuFreeList& fl, uint32_t delta) {
  fl.len.store(fl.len.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

// How many elements a CPU takes from another CPU's list when its own is empty.
constexpr uint32_t kStealBatch = 32;

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
        free_(possible_cpus()),
        seed_(map_hash_seed(def)),
        // Plain maps keep one spare per CPU for replacing keys (as the kernel's extra_elems).
        capacity_(uint64_t{def.max_entries} + (lru_ ? 0 : possible_cpus())) {
    for (uint64_t i = 0; i < nbuckets_; ++i) buckets_[i].head.store(nulls_of(i), std::memory_order_relaxed);
  }

  // Timers read the values: stopped before the pool goes.
  ~HashMap() override { stop_timers(); }

  Status init() {
    bool prealloc = lru_ || !(def().map_flags & kMapFNoPrealloc);
    if (prealloc && !grow(capacity_, false)) return make_error(ErrorCode::OutOfMemory, "hash map pool allocation failed");
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
  bool key_of_value(const void* value, void* key) const override;

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
        e->linked.store(0, std::memory_order_relaxed);
        return;
      }
    }
  }

  // Bucket lock held; e's key and value are written.
  void link_head(Bucket& b, Elem* e) {
    e->linked.store(1, std::memory_order_release);  // after hash: see lru_evict
    e->next.store(b.head.load(std::memory_order_relaxed), std::memory_order_relaxed);
    b.head.store(reinterpret_cast<uintptr_t>(e), std::memory_order_release);
  }

  void copy_out(Elem* e, void* value) const {
    auto* out = static_cast<uint8_t*>(value);
    for (uint32_t c = 0; c < cpus_; ++c) {
      uint8_t* dst = out + c * (cpus_ == 1 ? 0 : val_stride_);
      if (cpus_ != 1) std::memset(dst, 0, val_stride_);
      copy_value(dst, value_of(e, c), def().value_size, def().lock_field_off());
      clear_lock_word(dst, def().lock_field_off());
    }
  }

  // Writes a new element's values: all CPUs from the host, or this CPU's
  // slot (others zeroed) from a program, as pcpu_init_value does.
  void fill(Elem* e, const void* key, const void* value, bool onallcpus) {
    std::memcpy(key_of(e), key, def().key_size);
    if (cpus_ == 1) {
      if (def().lock_field_off() >= 0) clear_lock_word(value_of(e, 0), def().lock_field_off());
      copy_value(value_of(e, 0), value, def().value_size, def().lock_field_off());
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
      copy_value(value_of(e, 0), value, def().value_size, def().lock_field_off());
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
  long walk_all(const ElemVisitor& fn);

  // ---- element pool ----
  // Adds up to n elements to the pool; `lazy` growth (BPF_F_NO_PREALLOC)
  // is charged to the budget first, the preallocated pool was charged at creation.
  bool grow(uint64_t n, bool lazy);
  Elem* pop_free();  // this CPU's list, else steal, else grow (plain) or evict (LRU)
  Elem* pop_local(CpuFreeList& fl);
  Elem* steal(uint32_t me);
  void push_free(Elem* e);
  Elem* lru_evict();
  Elem* elem_at(uint64_t i) const { return reinterpret_cast<Elem*>(lru_base_ + i * elem_size_); }

  const bool lru_;
  const uint32_t cpus_;
  const size_t key_stride_, val_stride_, elem_size_;
  const uint64_t nbuckets_;
  std::vector<Bucket> buckets_;
  std::vector<CpuFreeList> free_;
  const uint64_t seed_;
  const uint64_t capacity_;
  std::atomic<uint32_t> count_{0};

  mutable std::mutex pool_mu_;
  std::vector<std::unique_ptr<uint8_t[]>> chunks_;
  std::vector<size_t> chunk_sizes_;
  uint64_t allocated_ = 0;

  uint8_t* lru_base_ = nullptr;  // LRU maps: the one preallocated chunk the hand sweeps
  alignas(64) std::atomic<uint64_t> hand_{0};
};

bool HashMap::grow(uint64_t n, bool lazy) {
  std::lock_guard lock(pool_mu_);
  n = std::min(n, capacity_ - allocated_);
  if (n == 0) return false;
  size_t bytes = n * elem_size_;
  if (lazy && !charge(bytes)) return false;
  std::unique_ptr<uint8_t[]> chunk(new (std::nothrow) uint8_t[bytes]());
  // Room for the bookkeeping first, so nothing below can throw.
  const bool room = chunk && nothrow_op([&] {
                      chunks_.reserve(chunks_.size() + 1);
                      chunk_sizes_.reserve(chunk_sizes_.size() + 1);
                      return 0L;
                    }) == 0;
  if (!room) {
    if (lazy) uncharge(bytes);
    return false;
  }
  // Spread over the CPUs' lists in runs, so neighbouring elements (which
  // share cache lines) start out on the same CPU. Each run is chained
  // without a lock, then put in front of its list under one lock.
  const uint64_t run = std::max<uint64_t>(1, (n + free_.size() - 1) / free_.size());
  for (uint64_t lo = 0, c = 0; lo < n; lo += run, ++c) {
    const uint64_t hi = std::min(n, lo + run);
    Elem* head = nullptr;
    Elem* tail = nullptr;
    for (uint64_t i = hi; i-- > lo;) {
      auto* e = new (chunk.get() + i * elem_size_) Elem{};
      e->free_next = head;
      head = e;
      if (!tail) tail = e;
    }
    CpuFreeList& fl = free_[c];
    std::lock_guard fl_lock(fl.lock);
    tail->free_next = fl.head;
    fl.head = head;
    add_len(fl, static_cast<uint32_t>(hi - lo));
  }
  if (lru_ && !lru_base_) lru_base_ = chunk.get();
  allocated_ += n;
  chunks_.push_back(std::move(chunk));
  chunk_sizes_.push_back(bytes);
  return true;
}

Elem* HashMap::pop_local(CpuFreeList& fl) {
  std::lock_guard lock(fl.lock);
  Elem* e = fl.head;
  if (e) {
    fl.head = e->free_next;
    add_len(fl, ~0u);  // minus one
  }
  return e;
}

// Takes up to kStealBatch elements from the first other CPU list that has
// any: one to return, the rest onto this CPU's list. One list lock at a time.
Elem* HashMap::steal(uint32_t me) {
  const size_t n = free_.size();
  for (size_t i = 1; i < n; ++i) {
    CpuFreeList& victim = free_[(me + i) % n];
    if (victim.len.load(std::memory_order_relaxed) == 0) continue;  // a hint; the lock decides
    Elem *first, *last;
    uint32_t taken = 0;
    {
      std::lock_guard lock(victim.lock);
      first = last = victim.head;
      if (!first) continue;
      for (taken = 1; taken < kStealBatch && last->free_next; ++taken) last = last->free_next;
      victim.head = last->free_next;
      add_len(victim, 0u - taken);
    }
    if (taken > 1) {
      CpuFreeList& mine = free_[me];
      std::lock_guard lock(mine.lock);
      last->free_next = mine.head;
      mine.head = first->free_next;
      add_len(mine, taken - 1);
    }
    return first;
  }
  return nullptr;
}

Elem* HashMap::pop_free() {
  const uint32_t me = current_cpu() % static_cast<uint32_t>(free_.size());
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (Elem* e = pop_local(free_[me])) return e;
    if (Elem* e = steal(me)) return e;
    if (lru_) return lru_evict();
    // Pool empty: a BPF_F_NO_PREALLOC map grows by a chunk, up to capacity.
    if (!grow(std::max<uint64_t>(64, std::min<uint64_t>(capacity_ / 16, 4096)), true)) return nullptr;
  }
  return nullptr;
}

void HashMap::push_free(Elem* e) {
  release_timer(value_of(e, 0));  // the element is gone: its timer too
  e->ref.store(0, std::memory_order_relaxed);
  CpuFreeList& fl = free_[current_cpu() % free_.size()];
  std::lock_guard lock(fl.lock);
  e->free_next = fl.head;
  fl.head = e;
  add_len(fl, 1);
}

// CLOCK over the pool: the hand clears reference bits as it passes and
// takes the first linked, unreferenced element, unlinking it under its
// bucket lock (the only lock taken). Two full turns clear every bit, so a
// sweep that finds nothing then (every element free on some CPU's list
// between our steal and now, or being replaced) gives up.
//
// An element read without its bucket lock may be moving: linked is read
// with acquire before hash (link_head stores hash, then linked with
// release), and under the lock the element must still be linked in this
// very bucket.
Elem* HashMap::lru_evict() {
  const uint64_t n = capacity_;
  for (uint64_t scanned = 0; scanned < 2 * n + 1; ++scanned) {
    Elem* e = elem_at(hand_.fetch_add(1, std::memory_order_relaxed) % n);
    if (!e->linked.load(std::memory_order_acquire)) continue;
    if (e->ref.load(std::memory_order_relaxed)) {
      e->ref.store(0, std::memory_order_relaxed);
      continue;
    }
    const uint64_t idx = e->hash.load(std::memory_order_relaxed) & (nbuckets_ - 1);
    Bucket& b = buckets_[idx];
    b.lock.lock();
    const bool victim = e->linked.load(std::memory_order_acquire) &&
                        (e->hash.load(std::memory_order_relaxed) & (nbuckets_ - 1)) == idx &&
                        !e->ref.load(std::memory_order_relaxed);
    if (victim) unlink(b, e);
    b.lock.unlock();
    if (victim) release_timer(value_of(e, 0));
    if (victim) return e;
  }
  return nullptr;
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
    // More concurrent replacements than spares: fall back to an in-place
    // write, which frees the timer as a replacement would.
    write_existing(old, value, onallcpus);
    release_timer(value_of(old, 0));
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

// The new element is taken (possibly by evicting) before the bucket lock,
// and the key looked up again under it; it starts unreferenced. Per-CPU
// values of a present key are written in place, so that case first tries
// the key under the bucket lock and takes no element at all.
long HashMap::update_lru(const void* key, const void* value, uint64_t flags, bool onallcpus) {
  uint64_t h = hash_of(key);
  if (cpus_ != 1) {
    Bucket& b = bucket(h);
    std::lock_guard lock(b.lock);
    if (Elem* old = find_in(b, key, h)) {
      if ((flags & 3) == kBpfNoExist) return kEEXIST;
      write_existing(old, value, onallcpus);
      old->ref.store(1, std::memory_order_relaxed);
      return 0;
    }
    if ((flags & 3) == kBpfExist) return kENOENT;
  }
  Elem* e = pop_free();
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
    push_free(e);
    return rc == 1 ? 0 : rc;
  }
  link_head(b, e);
  if (old) unlink(b, old);
  b.lock.unlock();
  if (old) push_free(old);
  return 0;
}

long HashMap::remove(const void* key, void* value_out) {
  uint64_t h = hash_of(key);
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
  if (!lru_) count_.fetch_sub(1, std::memory_order_relaxed);
  push_free(e);
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

// The value areas start key_stride_ past each element's header.
bool HashMap::key_of_value(const void* value, void* key) const {
  const auto* v = static_cast<const uint8_t*>(value);
  std::lock_guard lock(pool_mu_);
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const uint8_t* base = chunks_[i].get() + kElemHeader + key_stride_;
    if (v < base || v >= base + chunk_sizes_[i] || static_cast<size_t>(v - base) % elem_size_) continue;
    std::memcpy(key, v - key_stride_, def().key_size);
    return true;
  }
  return false;
}

// Callbacks run without a bucket lock held so they may update or delete.
long HashMap::for_each(const ElemVisitor& fn) {
  return nothrow_op([&] { return walk_all(fn); });
}

long HashMap::walk_all(const ElemVisitor& fn) {
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

// Buckets and free lists up front; the element pool up front unless it grows
// lazily (BPF_F_NO_PREALLOC). Mirrors HashMap's constructor.
MapFootprint hash_footprint(const MapDef& def) {
  const bool lru = def.type == MapType::LruHash || def.type == MapType::LruPercpuHash;
  const bool percpu = def.type == MapType::PercpuHash || def.type == MapType::LruPercpuHash;
  const uint64_t elem = sat_add(kElemHeader + round_up8(def.key_size),
                                sat_mul(round_up8(def.value_size), percpu ? possible_cpus() : 1));
  const uint64_t nbuckets = roundup_pow2(std::max<uint32_t>(def.max_entries, 2));
  const uint64_t fixed = sat_add(sat_mul(nbuckets, sizeof(Bucket)), uint64_t{possible_cpus()} * sizeof(CpuFreeList));
  const uint64_t elems = sat_mul(uint64_t{def.max_entries} + (lru ? 0 : possible_cpus()), elem);
  const bool prealloc = lru || !(def.map_flags & kMapFNoPrealloc);
  return {prealloc ? sat_add(fixed, elems) : fixed, sat_add(fixed, elems)};
}

Result<std::unique_ptr<Map>> make_hash_map(const MapDef& def) {
  auto m = std::make_unique<HashMap>(def);
  if (auto st = m->init(); !st) return std::unexpected(st.error());
  return std::unique_ptr<Map>(std::move(m));
}

}  // namespace decade
