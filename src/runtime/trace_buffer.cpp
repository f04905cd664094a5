// SPDX-License-Identifier: Apache-2.0
// TraceBuffer: a bounded multi-producer queue (each slot carries the
// position it is free or full for, so a writer claims a position with one
// compare-exchange and publishes with one release store; a writer that
// finds its slot still unread drops its line). Everything lives in one
// Ring of plain lock-free atomics and bytes, so the same ring works in a
// MAP_SHARED file between processes (share()).
#include "runtime/trace_buffer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

namespace decade {

struct TraceBuffer::Ring {
  static constexpr char kMagic[8] = {'D', 'E', 'C', 'T', 'R', 'C', '0', '1'};
  char magic[8];
  alignas(64) std::atomic<uint64_t> head;     // next position to write
  alignas(64) std::atomic<uint64_t> tail;     // next position to read (the one reader's)
  alignas(64) std::atomic<uint64_t> dropped;
  struct Slot {
    std::atomic<uint64_t> seq;  // pos: free for the writer of pos; pos + 1: holds that line
    uint32_t len;
    char text[kTraceLineMax];
  } slots[kTraceSlots];

  // An empty ring in zeroed memory.
  void init() {
    for (size_t i = 0; i < kTraceSlots; ++i) slots[i].seq.store(i, std::memory_order_relaxed);
    std::memcpy(magic, kMagic, sizeof magic);
  }
};

namespace {

std::mutex g_alloc;  // first-line allocation only

Error trace_io_error(const std::string& path, std::string_view what) {
  return Error{ErrorCode::IoError, -1, fmt::format("trace file '{}': {}: {}", path, what, std::strerror(errno)), {}, {}};
}

// A new ring is laid out under a temporary name and linked into place whole,
// so no process maps a half-made one (as pins are made, runtime/maps/pinned.cpp).
Status create_ring_file(const std::string& path) {
  const std::string tmp = fmt::format("{}.{}.tmp", path, getpid());
  const int fd = open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(trace_io_error(tmp, "create"));
  void* p = ftruncate(fd, sizeof(TraceBuffer::Ring)) == 0
                ? mmap(nullptr, sizeof(TraceBuffer::Ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                : MAP_FAILED;
  close(fd);
  if (p == MAP_FAILED) {
    Error e = trace_io_error(tmp, "size");
    unlink(tmp.c_str());
    return std::unexpected(e);
  }
  static_cast<TraceBuffer::Ring*>(p)->init();
  munmap(p, sizeof(TraceBuffer::Ring));
  const bool linked = link(tmp.c_str(), path.c_str()) == 0 || errno == EEXIST;  // another process's wins
  Error e = trace_io_error(path, "link");
  unlink(tmp.c_str());
  if (!linked) return std::unexpected(e);
  return ok();
}

}  // namespace

TraceBuffer::TraceBuffer() = default;

TraceBuffer::~TraceBuffer() {
  if (shared_) munmap(ring_, sizeof(Ring));
  else delete ring_;
}

Status TraceBuffer::share(const std::string& path) {
  if (access(path.c_str(), F_OK) != 0) {
    if (auto s = create_ring_file(path); !s) return s;
  }
  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::unexpected(trace_io_error(path, "open"));
  struct stat st{};
  void* p = fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) == sizeof(Ring)
                ? mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                : MAP_FAILED;
  close(fd);
  if (p == MAP_FAILED || std::memcmp(static_cast<Ring*>(p)->magic, Ring::kMagic, sizeof Ring::kMagic) != 0) {
    if (p != MAP_FAILED) munmap(p, sizeof(Ring));
    return make_error(ErrorCode::InvalidArgument, fmt::format("'{}' is not a Decade trace ring", path));
  }
  std::lock_guard lock(g_alloc);
  if (shared_) munmap(ring_, sizeof(Ring));
  else delete ring_;
  ring_ = static_cast<Ring*>(p);
  shared_ = true;
  ready_.store(true, std::memory_order_release);
  return ok();
}

TraceBuffer::Ring* TraceBuffer::ring() {
  if (ready_.load(std::memory_order_acquire)) return ring_;
  std::lock_guard lock(g_alloc);
  if (!ring_) {
    ring_ = new (std::nothrow) Ring();
    if (!ring_) return nullptr;
    ring_->init();
  }
  ready_.store(true, std::memory_order_release);
  return ring_;
}

uint64_t TraceBuffer::dropped() const {
  return ready_.load(std::memory_order_acquire) ? ring_->dropped.load(std::memory_order_relaxed) : 0;
}

void TraceBuffer::push(std::string_view line) {
  if (callback_) {
    callback_(line);
    return;
  }
  Ring* r = ring();
  if (!r) return;  // no memory for the ring: nothing can be counted either
  uint64_t pos = r->head.load(std::memory_order_relaxed);
  for (;;) {
    Ring::Slot& s = r->slots[pos % kTraceSlots];
    const uint64_t seq = s.seq.load(std::memory_order_acquire);
    if (seq == pos) {
      if (r->head.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
    } else if (seq < pos) {  // the reader has not freed it yet: full
      r->dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    } else {
      pos = r->head.load(std::memory_order_relaxed);
    }
  }
  Ring::Slot& s = r->slots[pos % kTraceSlots];
  s.len = static_cast<uint32_t>(std::min(line.size(), kTraceLineMax));
  std::memcpy(s.text, line.data(), s.len);
  s.seq.store(pos + 1, std::memory_order_release);
}

size_t TraceBuffer::drain(std::vector<std::string>& out) {
  if (!ready_.load(std::memory_order_acquire)) return 0;
  Ring* r = ring_;
  uint64_t tail = r->tail.load(std::memory_order_relaxed);
  size_t n = 0;
  for (;; ++n, ++tail) {
    Ring::Slot& s = r->slots[tail % kTraceSlots];
    if (s.seq.load(std::memory_order_acquire) != tail + 1) break;  // empty, or a writer is mid-copy
    out.emplace_back(s.text, s.len);
    s.seq.store(tail + kTraceSlots, std::memory_order_release);
  }
  r->tail.store(tail, std::memory_order_relaxed);
  return n;
}

}  // namespace decade
