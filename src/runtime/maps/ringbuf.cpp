// SPDX-License-Identifier: Apache-2.0
// Ring buffer map: see ringbuf.hpp. Producers serialise on a spinlock only
// to claim space (as the kernel does); filling and committing a record are
// lock-free, and the consumer never takes the lock. The lock and the two
// positions live in a RingPositions block beside the data: private memory,
// or a pin file's page, where producers and the consumer may be different
// processes (the lock and positions are plain lock-free atomics; each
// process signals only its own eventfd, so a consumer in another process
// polls: docs/uprobes.md, "Sharing maps").
#include "runtime/maps/ringbuf.hpp"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <shared_mutex>

#include <fmt/format.h>

#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

constexpr uint64_t kPage = 4096;

// Data ranges of live rings, so submit/discard can find the ring of a sample.
struct RingRegistry {
  std::shared_mutex mu;
  std::map<uintptr_t, std::pair<uintptr_t, RingBufMap*>> by_start;  // start -> (end, ring)
};
RingRegistry& registry() {
  static RingRegistry* r = new RingRegistry();
  return *r;
}

class RingBuf final : public RingBufMap {
 public:
  // `pos`: a block of kRingPositionsBytes, owned (deleted) or a shared mapping (munmapped).
  RingBuf(const MapDef& def, uint8_t* region, int efd, RingPositions* pos, bool shared)
      : RingBufMap(def), region_(region), data_(region), size_(def.max_entries), mask_(size_ - 1), efd_(efd),
        pos_(pos), shared_(shared), producer_lock_(pos->lock), consumer_(pos->consumer), producer_(pos->producer) {
    std::unique_lock lock(registry().mu);
    registry().by_start[uintptr_t(data_)] = {uintptr_t(data_ + 2 * size_), this};
  }
  ~RingBuf() override {
    {
      std::unique_lock lock(registry().mu);
      registry().by_start.erase(uintptr_t(data_));
    }
    munmap(region_, 2 * size_);
    close(efd_);
    if (shared_) munmap(pos_, kRingPositionsBytes);
    else delete pos_;
  }

  void* lookup(const void*) override { return nullptr; }
  long update(const void*, const void*, uint64_t) override { return kEINVAL; }
  long erase(const void*) override { return kEINVAL; }
  Status get_next_key(const void*, void*) override {
    return make_error(ErrorCode::Unsupported, "ring buffers have no keys");
  }
  long host_lookup(const void*, void*, uint64_t) override { return kEINVAL; }
  long host_lookup_and_delete(const void*, void*) override { return kEINVAL; }
  long for_each(const ElemVisitor&) override { return kEINVAL; }
  // Both mappings: a wrapped record extends into the second one.
  std::vector<MapStorage> storage() override { return {{std::span<uint8_t>(data_, 2 * size_)}}; }

  void* reserve(uint64_t size, uint64_t flags) override {
    if (flags) return nullptr;
    // The kernel's RINGBUF_MAX_RECORD_SZ: the length field loses two bits to BUSY/DISCARD.
    if (size > (kRingbufDiscardBit - 1) - kRingbufHdrSize) return nullptr;
    uint64_t len = round_up8(size + kRingbufHdrSize);
    if (len > size_) return nullptr;
    uint64_t cons = consumer_.load(std::memory_order_acquire);
    std::lock_guard lock(producer_lock_);
    uint64_t prod = producer_.load(std::memory_order_relaxed);
    if (prod + len - cons > mask_) return nullptr;  // would overrun unconsumed data
    uint8_t* hdr = data_ + (prod & mask_);
    std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(hdr)).store(static_cast<uint32_t>(size) | kRingbufBusyBit,
                                                                       std::memory_order_relaxed);
    uint32_t pg_off = static_cast<uint32_t>((prod & mask_) / kPage);
    std::memcpy(hdr + 4, &pg_off, 4);
    producer_.store(prod + len, std::memory_order_release);
    return hdr + kRingbufHdrSize;
  }

  bool commit(void* sample, uint64_t flags, bool discard) override {
    // Headers always sit in the first mapping (at producer & mask); only the
    // body may continue into the second.
    auto pos = uintptr_t(sample) - kRingbufHdrSize - uintptr_t(data_);
    if (uintptr_t(sample) < uintptr_t(data_) + kRingbufHdrSize || pos >= size_ || pos % 8) return false;
    uint8_t* hdr = data_ + pos;
    std::atomic_ref<uint32_t> len(*reinterpret_cast<uint32_t*>(hdr));
    uint32_t v = len.load(std::memory_order_acquire);
    if (!(v & kRingbufBusyBit) || !in_flight(pos)) return false;
    uint32_t nv = (v & ~kRingbufBusyBit) | (discard ? kRingbufDiscardBit : 0);
    if (!len.compare_exchange_strong(v, nv, std::memory_order_acq_rel)) return false;
    // Wake the consumer only if it has caught up to this record (it then
    // sleeps waiting for it), unless told otherwise.
    bool wake = flags & kRbForceWakeup;
    if (!wake && !(flags & kRbNoWakeup)) {
      // Pairs with the fence in consume(): either the consumer sees this
      // record committed, or we see it parked on it and wake it.
      std::atomic_thread_fence(std::memory_order_seq_cst);
      uint64_t rec_pos = uint64_t(hdr - data_);
      wake = (consumer_.load(std::memory_order_acquire) & mask_) == rec_pos;
    }
    if (wake) {
      uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(efd_, &one, sizeof one);
    }
    return true;
  }

  long output(const void* data, uint64_t size, uint64_t flags) override {
    if (flags & ~(kRbNoWakeup | kRbForceWakeup)) return kEINVAL;
    void* rec = reserve(size, 0);
    if (!rec) return kEAGAIN;
    std::memcpy(rec, data, size);
    commit(rec, flags, false);
    return 0;
  }

  uint64_t query(uint64_t selector) override {
    uint64_t cons = consumer_.load(std::memory_order_acquire), prod = producer_.load(std::memory_order_acquire);
    switch (selector) {
      case kRbAvailData: return prod - cons;
      case kRbRingSize: return size_;
      case kRbConsPos: return cons;
      case kRbProdPos: return prod;
      default: return 0;
    }
  }

  int event_fd() const override { return efd_; }
  long consume(const SampleFn& fn) override;

  static constexpr long kEAGAIN = -EAGAIN;

 private:
  // Whether ring offset pos lies between the consumer and the producer, i.e.
  // could be the header of a record not yet consumed.
  bool in_flight(uint64_t pos) const {
    uint64_t cons = consumer_.load(std::memory_order_acquire), prod = producer_.load(std::memory_order_acquire);
    return ((pos - cons) & mask_) < prod - cons;
  }

  uint8_t* region_;
  uint8_t* data_;
  const uint64_t size_, mask_;
  const int efd_;
  RingPositions* const pos_;
  const bool shared_;
  SpinLock& producer_lock_;
  std::atomic<uint64_t>& consumer_;
  std::atomic<uint64_t>& producer_;
};

// Reserves 2 * size of address space and maps `size` bytes of `fd` from
// `offset` into both halves; nullptr on failure.
uint8_t* map_twice(int fd, off_t offset, uint64_t size) {
  void* region = mmap(nullptr, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  bool mapped = region != MAP_FAILED;
  for (int half = 0; mapped && half < 2; ++half) {
    void* at = static_cast<uint8_t*>(region) + half * size;
    mapped = mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, offset) == at;
  }
  if (mapped) return static_cast<uint8_t*>(region);
  if (region != MAP_FAILED) munmap(region, 2 * size);
  return nullptr;
}

long RingBuf::consume(const SampleFn& fn) {
  uint64_t cons = consumer_.load(std::memory_order_acquire);
  long count = 0;
  bool progressed = true;
  while (progressed) {
    progressed = false;
    std::atomic_thread_fence(std::memory_order_seq_cst);  // see commit()
    uint64_t prod = producer_.load(std::memory_order_acquire);
    while (cons < prod) {
      uint8_t* hdr = data_ + (cons & mask_);
      uint32_t len = std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(hdr)).load(std::memory_order_acquire);
      if (len & kRingbufBusyBit) break;  // not committed yet: records are consumed in order
      progressed = true;
      uint32_t body = len & ~(kRingbufBusyBit | kRingbufDiscardBit);
      cons += round_up8(body + kRingbufHdrSize);
      if (!(len & kRingbufDiscardBit)) {
        int rc = fn(std::span<const uint8_t>(hdr + kRingbufHdrSize, body));
        if (rc < 0) {
          consumer_.store(cons, std::memory_order_release);
          return rc;
        }
        ++count;
      }
      consumer_.store(cons, std::memory_order_release);
    }
  }
  return count;
}

}  // namespace

RingBufMap* ringbuf_of_sample(const void* sample) {
  auto p = uintptr_t(sample);
  std::shared_lock lock(registry().mu);
  auto it = registry().by_start.upper_bound(p);
  if (it == registry().by_start.begin()) return nullptr;
  --it;
  return p >= it->first + kRingbufHdrSize && p < it->second.first ? it->second.second : nullptr;
}

RingBufMap* as_ringbuf(Map* map) {
  return map && map->type() == MapType::Ringbuf ? static_cast<RingBufMap*>(map) : nullptr;
}

// The data pages (mapped twice, held once) and the map's own page.
MapFootprint ringbuf_footprint(const MapDef& def) {
  const uint64_t bytes = sat_add(def.max_entries, kPage);
  return {bytes, bytes};
}

Result<std::unique_ptr<Map>> make_ringbuf(const MapDef& def) {
  const uint64_t size = def.max_entries;
  int mfd = memfd_create("decade-ringbuf", MFD_CLOEXEC);
  if (mfd < 0) return make_error(ErrorCode::OutOfMemory, "ringbuf: memfd_create failed");
  uint8_t* region = ftruncate(mfd, static_cast<off_t>(size)) == 0 ? map_twice(mfd, 0, size) : nullptr;
  close(mfd);
  if (!region) return make_error(ErrorCode::OutOfMemory, "ringbuf: double mapping failed");
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) {
    munmap(region, 2 * size);
    return make_error(ErrorCode::IoError, "ringbuf: eventfd failed");
  }
  return std::unique_ptr<Map>(new RingBuf(def, region, efd, new RingPositions(), false));
}

Result<std::unique_ptr<Map>> make_shared_ringbuf(const MapDef& def, int fd, off_t offset) {
  const uint64_t size = def.max_entries;
  void* pos = mmap(nullptr, kRingPositionsBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
  if (pos == MAP_FAILED) return make_error(ErrorCode::IoError, "ringbuf: mapping the shared positions failed");
  uint8_t* region = map_twice(fd, offset + static_cast<off_t>(kRingPositionsBytes), size);
  int efd = region ? eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : -1;
  if (efd < 0) {
    if (region) munmap(region, 2 * size);
    munmap(pos, kRingPositionsBytes);
    return make_error(ErrorCode::IoError, "ringbuf: mapping the shared ring failed");
  }
  return std::unique_ptr<Map>(new RingBuf(def, region, efd, static_cast<RingPositions*>(pos), true));
}

}  // namespace decade
