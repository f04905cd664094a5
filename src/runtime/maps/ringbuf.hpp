// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_RINGBUF: a multi-producer, single-consumer ring of records,
// with the kernel's record format (8-byte header: length with BUSY and
// DISCARD bits, page offset) and wakeup rules. The data area is mapped twice
// back to back so a record that wraps is still contiguous for the program.
// The host consumes through RingBufferConsumer, waiting on each ring's
// eventfd (the kernel's epoll on the map fd).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "runtime/map.hpp"
#include "runtime/maps/map_common.hpp"

namespace decade {

// uapi BPF_RB_* flags and query selectors, BPF_RINGBUF_* header bits.
inline constexpr uint64_t kRbNoWakeup = 1, kRbForceWakeup = 2;
inline constexpr uint64_t kRbAvailData = 0, kRbRingSize = 1, kRbConsPos = 2, kRbProdPos = 3;
inline constexpr uint32_t kRingbufBusyBit = 1u << 31, kRingbufDiscardBit = 1u << 30, kRingbufHdrSize = 8;

// The producers' lock and the two positions (bytes, ever increasing), in
// one page: all zero is an empty, unlocked ring, so a fresh pin file needs
// no initialisation.
struct RingPositions {
  SpinLock lock;
  alignas(64) std::atomic<uint64_t> consumer{0};
  alignas(64) std::atomic<uint64_t> producer{0};
};
inline constexpr size_t kRingPositionsBytes = 4096;
static_assert(sizeof(RingPositions) <= kRingPositionsBytes);

class RingBufMap : public Map {
 public:
  using Map::Map;
  // Program side (the helpers). reserve returns nullptr when the ring is
  // full, size is too large or flags are not 0.
  virtual void* reserve(uint64_t size, uint64_t flags) = 0;
  virtual long output(const void* data, uint64_t size, uint64_t flags) = 0;
  virtual uint64_t query(uint64_t selector) = 0;
  // Commits or discards a sample returned by reserve on *this* ring. Returns
  // false, changing nothing, when sample is not a reserved, uncommitted record.
  virtual bool commit(void* sample, uint64_t flags, bool discard) = 0;
  // Host side.
  virtual int event_fd() const = 0;
  // Calls fn for each committed record (discarded ones are skipped); stops
  // early when fn returns a negative value and returns it. Otherwise returns
  // the number of records consumed.
  using SampleFn = std::function<int(std::span<const uint8_t>)>;
  virtual long consume(const SampleFn& fn) = 0;
};

// The ring a sample pointer belongs to (bpf_ringbuf_submit/discard take no
// map argument), or nullptr if the pointer is inside no ring's data area
// (either mapping: a record whose header ends the ring starts in the second).
RingBufMap* ringbuf_of_sample(const void* sample);
RingBufMap* as_ringbuf(Map* map);  // nullptr unless map is a ring buffer

// A ring over `fd` (a pin file, pinned.hpp): kRingPositionsBytes of
// RingPositions at `offset`, then def.max_entries bytes of data. Every
// process mapping the file produces into, or consumes from, the same ring.
Result<std::unique_ptr<Map>> make_shared_ringbuf(const MapDef& def, int fd, off_t offset);

// libbpf's ring_buffer: several rings, one epoll set.
class RingBufferConsumer {
 public:
  RingBufferConsumer();
  ~RingBufferConsumer();
  RingBufferConsumer(const RingBufferConsumer&) = delete;
  RingBufferConsumer& operator=(const RingBufferConsumer&) = delete;

  Status add(Map* map, RingBufMap::SampleFn fn);
  // Waits up to timeout_ms (-1 = forever) for a wakeup, then consumes every
  // ring. Returns records consumed, or a negative callback result / -errno.
  long poll(int timeout_ms);
  // Consumes every ring without waiting.
  long consume();
  int epoll_fd() const { return epfd_; }

 private:
  struct Entry {
    RingBufMap* ring;
    RingBufMap::SampleFn fn;
  };
  int epfd_ = -1;
  std::vector<Entry> rings_;
};

}  // namespace decade
