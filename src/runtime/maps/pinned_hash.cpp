// SPDX-License-Identifier: Apache-2.0
// HASH, LRU_HASH, PERCPU_HASH and LRU_PERCPU_HASH maps over a pin file's
// storage, shared by every process that maps the pin (runtime/maps/pinned.hpp).
//
// Layout (offsets from the start of the storage, i.e. 4 KiB into the file):
//
//   0            Control: a robust process-shared mutex, the geometry, the
//                hash seed, the element count, the free list's head and the
//                LRU clock hand (kControlBytes);
//   kControlBytes  nbuckets u32 bucket heads;
//   elems_off    capacity elements of elem_size bytes: a 16-byte header
//                (next, free_next, hash, ref, linked), the key, then one
//                value (per CPU) at round_up(value_size, 8).
//
// Links are element indices, never pointers: a chain link is an index, or
// kNulls | bucket at the end of bucket's chain (the kernel's "nulls"
// marker); the free list ends in kNoElem. Each process maps the file where
// it likes.
//
// Concurrency: writers (update, delete, eviction) take the one mutex of the
// control block; lookups take nothing. As in hash_map.cpp, a lookup walks a
// chain with acquire loads and restarts when it ends on another bucket's
// marker (an element it stood on was deleted and reused elsewhere); elements
// are never returned, so a reader never leaves the mapping.
//
// Crashes: an update writes the whole new element while it is unreachable
// and publishes it with one 4-byte release store of its bucket's head; the
// old element is unlinked by a second such store. A writer killed at any
// point leaves each key with its old or its new value, never a mix. The
// mutex is PTHREAD_MUTEX_ROBUST: the next writer gets EOWNERDEAD and
// repairs what the dead one left half done (an element taken from the free
// list but not linked, a key linked twice, the count) by rebuilding the
// free list and the count from the chains, then marks the mutex consistent.
#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "runtime/cpu.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/maps/pinned.hpp"

namespace decade {
namespace {

constexpr uint32_t kNulls = 0x80000000u;   // | bucket: end of that bucket's chain
constexpr uint32_t kNoElem = 0xffffffffu;  // end of the free list
constexpr size_t kControlBytes = 256;
constexpr size_t kElemHeader = 16;
// Indices and bucket numbers must stay below kNulls.
constexpr uint32_t kMaxPinnedEntries = 1u << 30;

struct Control {
  pthread_mutex_t mu;
  uint32_t nbuckets, capacity, elem_size, cpus;
  uint64_t seed;
  uint32_t count;      // linked elements
  uint32_t free_head;  // index, or kNoElem
  uint32_t hand;       // LRU clock hand
};
static_assert(sizeof(Control) <= kControlBytes);

struct ElemHead {
  uint32_t next;       // chain link (atomic: read by lock-free lookups)
  uint32_t free_next;  // free list (under the mutex)
  uint32_t hash;
  uint8_t ref;         // LRU reference bit (set by lookups, atomic)
  uint8_t linked;      // in a chain (under the mutex)
};
static_assert(sizeof(ElemHead) <= kElemHeader);

std::atomic_ref<uint32_t> at(uint32_t& w) { return std::atomic_ref<uint32_t>(w); }

bool lru_type(MapType t) { return t == MapType::LruHash || t == MapType::LruPercpuHash; }
uint32_t buckets_for(const MapDef& def) { return static_cast<uint32_t>(roundup_pow2(std::max<uint32_t>(def.max_entries, 2))); }
// Plain maps keep one spare element: a replacement links the new element
// before unlinking the old one, and writers are serialised by the mutex.
uint32_t capacity_for(const MapDef& def) { return def.max_entries + (lru_type(def.type) ? 0 : 1); }
size_t elem_size_for(const MapDef& def, uint32_t cpus) {
  return kElemHeader + round_up8(def.key_size) + round_up8(def.value_size) * cpus;
}
size_t elems_off_for(uint32_t nbuckets) { return (kControlBytes + size_t{nbuckets} * 4 + 63) & ~size_t{63}; }

class PinnedHash final : public Map {
 public:
  PinnedHash(const MapDef& def, uint8_t* region, size_t bytes)
      : Map(def), region_(region), bytes_(bytes), ctl_(reinterpret_cast<Control*>(region)),
        buckets_(reinterpret_cast<uint32_t*>(region + kControlBytes)), elems_(region + elems_off_for(ctl_->nbuckets)),
        lru_(lru_type(def.type)), cpus_(ctl_->cpus), key_stride_(round_up8(def.key_size)),
        val_stride_(round_up8(def.value_size)), elem_size_(ctl_->elem_size), mask_(ctl_->nbuckets - 1) {}
  ~PinnedHash() override { munmap(region_, bytes_); }

  void* lookup(const void* key) override {
    const uint32_t i = find_lockfree(key);
    if (i == kNoElem) return nullptr;
    if (lru_) std::atomic_ref<uint8_t>(head(i).ref).store(1, std::memory_order_relaxed);
    return value_of(i, cpus_ == 1 ? 0 : current_cpu());
  }
  void* lookup_percpu(const void* key, uint32_t cpu) override {
    if (cpus_ == 1 || cpu >= cpus_) return nullptr;
    const uint32_t i = find_lockfree(key);
    return i == kNoElem ? nullptr : value_of(i, cpu);
  }
  long update(const void* key, const void* value, uint64_t flags) override { return locked_update(key, value, flags, false); }
  long host_update(const void* key, const void* value, uint64_t flags) override {
    return locked_update(key, value, flags, cpus_ != 1);
  }
  long erase(const void* key) override { return remove(key, nullptr); }
  long host_lookup_and_delete(const void* key, void* value) override { return remove(key, value); }
  uint32_t host_value_size() const override { return static_cast<uint32_t>(cpus_ == 1 ? def().value_size : val_stride_ * cpus_); }
  long host_lookup(const void* key, void* value, uint64_t flags) override;
  Status get_next_key(const void* key, void* next_key) override;
  long for_each(const ElemVisitor& fn) override;

  std::vector<MapStorage> storage() override {
    const size_t lead = kElemHeader + key_stride_;
    const size_t bytes = (size_t{ctl_->capacity} - 1) * elem_size_ + val_stride_ * cpus_;
    return {{std::span<uint8_t>(elems_ + lead, bytes), elem_size_, val_stride_ * cpus_}};
  }

 private:
  // The mutex, repaired first when its last owner died holding it.
  class Lock {
   public:
    explicit Lock(PinnedHash& m) : m_(m) {
      if (pthread_mutex_lock(&m_.ctl_->mu) == EOWNERDEAD) {
        m_.repair();
        pthread_mutex_consistent(&m_.ctl_->mu);
      }
    }
    ~Lock() { pthread_mutex_unlock(&m_.ctl_->mu); }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    PinnedHash& m_;
  };

  ElemHead& head(uint32_t i) const { return *reinterpret_cast<ElemHead*>(elems_ + size_t{i} * elem_size_); }
  uint8_t* key_of(uint32_t i) const { return elems_ + size_t{i} * elem_size_ + kElemHeader; }
  uint8_t* value_of(uint32_t i, uint32_t cpu) const { return key_of(i) + key_stride_ + val_stride_ * cpu; }
  uint32_t hash_of(const void* key) const { return static_cast<uint32_t>(hash_bytes(key, def().key_size, ctl_->seed)); }
  uint32_t& bucket_head(uint32_t h) const { return buckets_[h & mask_]; }
  bool matches(uint32_t i, const void* key, uint32_t h) const {
    return head(i).hash == h && std::memcmp(key_of(i), key, def().key_size) == 0;
  }

  // Without the mutex: restarts when the walk ends on a foreign marker.
  uint32_t find_lockfree(const void* key) const {
    const uint32_t h = hash_of(key);
    for (;;) {
      uint32_t p = at(bucket_head(h)).load(std::memory_order_acquire);
      for (uint32_t steps = 0; !(p & kNulls) && p < ctl_->capacity && steps <= ctl_->capacity; ++steps) {
        if (matches(p, key, h)) return p;
        p = at(head(p).next).load(std::memory_order_acquire);
      }
      // Our own marker: absent. Another bucket's: restart. Anything else
      // (a link past the pool) cannot come from a writer: absent.
      if (p == (kNulls | (h & mask_)) || !(p & kNulls)) return kNoElem;
    }
  }
  // With the mutex held.
  uint32_t find(const void* key, uint32_t h) const {
    for (uint32_t p = bucket_head(h); !(p & kNulls); p = head(p).next)
      if (matches(p, key, h)) return p;
    return kNoElem;
  }
  void link_head(uint32_t i) {
    head(i).linked = 1;
    at(head(i).next).store(bucket_head(head(i).hash), std::memory_order_relaxed);
    at(bucket_head(head(i).hash)).store(i, std::memory_order_release);  // publishes the whole element
  }
  // The unlinked element keeps its next link, so readers standing on it go on.
  void unlink(uint32_t i) {
    uint32_t* p = &bucket_head(head(i).hash);
    for (; !(*p & kNulls); p = &head(*p).next) {
      if (*p == i) {
        at(*p).store(head(i).next, std::memory_order_release);
        head(i).linked = 0;
        return;
      }
    }
  }
  uint32_t pop_free() {
    const uint32_t i = ctl_->free_head;
    if (i != kNoElem) ctl_->free_head = head(i).free_next;
    return i;
  }
  void push_free(uint32_t i) {
    head(i).ref = 0;
    head(i).free_next = ctl_->free_head;
    ctl_->free_head = i;
  }
  uint32_t lru_evict();
  void fill(uint32_t e, uint32_t old, const void* key, uint32_t h, const void* value, bool onallcpus);
  long locked_update(const void* key, const void* value, uint64_t flags, bool onallcpus);
  long remove(const void* key, void* value_out);
  void copy_out(uint32_t i, void* value) const;
  void repair();

  uint8_t* region_;
  size_t bytes_;
  Control* ctl_;
  uint32_t* buckets_;
  uint8_t* elems_;
  const bool lru_;
  const uint32_t cpus_;
  const size_t key_stride_, val_stride_, elem_size_;
  const uint32_t mask_;
};

// CLOCK (second chance) over the pool, as hash_map.cpp's LRU maps: the
// hand clears reference bits and takes the first linked unreferenced element.
uint32_t PinnedHash::lru_evict() {
  const uint32_t n = ctl_->capacity;
  for (uint64_t scanned = 0; scanned < 2 * uint64_t{n} + 1; ++scanned) {
    const uint32_t i = ctl_->hand++ % n;
    if (!head(i).linked) continue;
    std::atomic_ref<uint8_t> ref(head(i).ref);
    if (ref.load(std::memory_order_relaxed)) {
      ref.store(0, std::memory_order_relaxed);
      continue;
    }
    unlink(i);
    --ctl_->count;
    return i;
  }
  return kNoElem;
}

// The new element's key and values, written while nobody can reach it: all
// CPUs from the host; from a program, its CPU's slot, the other CPUs'
// values carried over from the element it replaces (zero for a new key).
void PinnedHash::fill(uint32_t e, uint32_t old, const void* key, uint32_t h, const void* value, bool onallcpus) {
  head(e).hash = h;
  head(e).ref = 0;
  std::memcpy(key_of(e), key, def().key_size);
  const auto* in = static_cast<const uint8_t*>(value);
  const uint32_t me = cpus_ == 1 ? 0 : current_cpu();
  for (uint32_t c = 0; c < cpus_; ++c) {
    uint8_t* dst = value_of(e, c);
    std::memset(dst, 0, val_stride_);
    if (onallcpus) std::memcpy(dst, in + c * val_stride_, def().value_size);
    else if (c == me) copy_value(dst, in, def().value_size, def().lock_field_off());
    else if (old != kNoElem) load_value_words(dst, value_of(old, c), def().value_size);  // its CPU's program may be writing it
  }
}

long PinnedHash::locked_update(const void* key, const void* value, uint64_t flags, bool onallcpus) {
  if ((flags & ~kBpfFLock) > kBpfExist) return kEINVAL;
  if (flags & kBpfFLock) {
    if (def().spin_lock_off < 0 || cpus_ != 1) return kEINVAL;
    if (const uint32_t i = find_lockfree(key); i != kNoElem) {  // in place, under the value's own lock
      if ((flags & 3) == kBpfNoExist) return kEEXIST;
      copy_value_locked(value_of(i, 0), value, def().value_size, def().spin_lock_off, value_of(i, 0));
      return 0;
    }
  }
  const uint32_t h = hash_of(key);
  Lock lock(*this);
  uint32_t old = find(key, h);
  if (old != kNoElem && (flags & 3) == kBpfNoExist) return kEEXIST;
  if (old == kNoElem && (flags & 3) == kBpfExist) return kENOENT;
  if (old == kNoElem && !lru_ && ctl_->count >= def().max_entries) return kE2BIG;
  uint32_t e = pop_free();
  if (e == kNoElem && lru_) {
    e = lru_evict();
    if (e == old) old = kNoElem;  // the key itself was the victim: a new insert now
  }
  if (e == kNoElem) return lru_ ? kENOMEM : kE2BIG;
  fill(e, old, key, h, value, onallcpus);
  link_head(e);
  if (old != kNoElem) {
    unlink(old);
    push_free(old);
  } else {
    ++ctl_->count;
  }
  return 0;
}

long PinnedHash::remove(const void* key, void* value_out) {
  const uint32_t h = hash_of(key);
  Lock lock(*this);
  const uint32_t i = find(key, h);
  if (i == kNoElem) return kENOENT;
  if (value_out) copy_out(i, value_out);
  unlink(i);
  push_free(i);
  --ctl_->count;
  return 0;
}

void PinnedHash::copy_out(uint32_t i, void* value) const {
  auto* out = static_cast<uint8_t*>(value);
  if (cpus_ == 1) {
    copy_value(out, value_of(i, 0), def().value_size, def().lock_field_off());
    clear_lock_word(out, def().lock_field_off());
    return;
  }
  for (uint32_t c = 0; c < cpus_; ++c) {
    std::memset(out + c * val_stride_, 0, val_stride_);
    load_value_words(out + c * val_stride_, value_of(i, c), def().value_size);
  }
}

long PinnedHash::host_lookup(const void* key, void* value, uint64_t flags) {
  if (flags & ~kBpfFLock) return kEINVAL;
  if ((flags & kBpfFLock) && (def().spin_lock_off < 0 || cpus_ != 1)) return kEINVAL;
  Lock lock(*this);
  const uint32_t i = find(key, hash_of(key));
  if (i == kNoElem) return kENOENT;
  if (flags & kBpfFLock) {
    copy_value_locked(value, value_of(i, 0), def().value_size, def().spin_lock_off, value_of(i, 0));
    clear_lock_word(value, def().spin_lock_off);
  } else {
    copy_out(i, value);
  }
  return 0;
}

// Kernel order: the key's successor in its chain, else the first element
// of the next non-empty bucket; an absent key restarts from the beginning.
Status PinnedHash::get_next_key(const void* key, void* next_key) {
  Lock lock(*this);
  uint32_t start = 0;
  if (key) {
    const uint32_t h = hash_of(key);
    if (const uint32_t i = find(key, h); i != kNoElem) {
      if (!(head(i).next & kNulls)) {
        std::memcpy(next_key, key_of(head(i).next), def().key_size);
        return ok();
      }
      start = (h & mask_) + 1;
    }
  }
  for (uint64_t b = start; b <= mask_; ++b) {
    if (!(buckets_[b] & kNulls)) {
      std::memcpy(next_key, key_of(buckets_[b]), def().key_size);
      return ok();
    }
  }
  return make_error(ErrorCode::MapKeyNotFound, "no more keys");
}

// Callbacks run without the mutex, so they may update or delete.
long PinnedHash::for_each(const ElemVisitor& fn) {
  return nothrow_op([&] {
    std::vector<uint32_t> all;
    {
      Lock lock(*this);
      for (uint64_t b = 0; b <= mask_; ++b)
        for (uint32_t p = buckets_[b]; !(p & kNulls); p = head(p).next) all.push_back(p);
    }
    const uint32_t cpu = cpus_ == 1 ? 0 : current_cpu();
    long visited = 0;
    for (uint32_t i : all) {
      ++visited;
      if (!fn(key_of(i), value_of(i, cpu))) break;
    }
    return visited;
  });
}

// After a writer died holding the mutex: every chain keeps its first
// element of each key (the newest: elements are linked at the head), later
// copies are unlinked, and the free list and count are rebuilt from what
// the chains reach. Idempotent, so a repairer killed in turn is repaired.
void PinnedHash::repair() {
  std::vector<uint8_t> reached(ctl_->capacity, 0);
  uint32_t count = 0;
  for (uint64_t b = 0; b <= mask_; ++b) {
    uint32_t* p = &buckets_[b];
    for (uint32_t steps = 0; !(*p & kNulls) && steps < ctl_->capacity; ++steps) {
      const uint32_t i = *p;
      bool dup = false;
      for (uint32_t q = buckets_[b]; q != i; q = head(q).next) dup = dup || matches(q, key_of(i), head(i).hash);
      if (dup || reached[i]) {
        at(*p).store(head(i).next, std::memory_order_release);
        continue;
      }
      reached[i] = 1;
      head(i).linked = 1;
      ++count;
      p = &head(i).next;
    }
  }
  ctl_->free_head = kNoElem;
  for (uint32_t i = ctl_->capacity; i-- > 0;) {
    if (reached[i]) continue;
    head(i).linked = 0;
    push_free(i);
  }
  ctl_->count = count;
}

}  // namespace

size_t pinned_hash_bytes(const MapDef& def, uint32_t cpus) {
  return elems_off_for(buckets_for(def)) + size_t{capacity_for(def)} * elem_size_for(def, cpus);
}

Status init_pinned_hash(const MapDef& def, uint32_t cpus, uint8_t* region) {
  if (def.max_entries >= kMaxPinnedEntries)
    return make_error(ErrorCode::MapBadMaxEntries, fmt::format("pinned map '{}': at most {} entries", def.name, kMaxPinnedEntries - 1));
  auto* ctl = new (region) Control{};
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  const int rc = pthread_mutex_init(&ctl->mu, &attr);
  pthread_mutexattr_destroy(&attr);
  if (rc != 0) return make_error(ErrorCode::IoError, fmt::format("pinned map '{}': mutex: {}", def.name, std::strerror(rc)));
  ctl->nbuckets = buckets_for(def);
  ctl->capacity = capacity_for(def);
  ctl->elem_size = static_cast<uint32_t>(elem_size_for(def, cpus));
  ctl->cpus = cpus;
  ctl->seed = map_hash_seed(def);
  auto* buckets = reinterpret_cast<uint32_t*>(region + kControlBytes);
  for (uint32_t b = 0; b < ctl->nbuckets; ++b) buckets[b] = kNulls | b;
  uint8_t* elems = region + elems_off_for(ctl->nbuckets);
  for (uint32_t i = 0; i < ctl->capacity; ++i)
    reinterpret_cast<ElemHead*>(elems + size_t{i} * ctl->elem_size)->free_next = i + 1 < ctl->capacity ? i + 1 : kNoElem;
  ctl->free_head = ctl->capacity ? 0 : kNoElem;
  return ok();
}

Result<std::unique_ptr<Map>> make_pinned_hash(const MapDef& def, uint32_t cpus, uint8_t* region, size_t bytes) {
  const auto* ctl = reinterpret_cast<const Control*>(region);
  if (ctl->nbuckets != buckets_for(def) || ctl->capacity != capacity_for(def) || ctl->cpus != cpus ||
      ctl->elem_size != elem_size_for(def, cpus) || bytes < pinned_hash_bytes(def, cpus)) {
    munmap(region, bytes);
    return make_error(ErrorCode::InvalidArgument, fmt::format("pinned map '{}': storage does not match its header", def.name));
  }
  return std::unique_ptr<Map>(new PinnedHash(def, region, bytes));
}

}  // namespace decade
