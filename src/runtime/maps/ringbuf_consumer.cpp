// SPDX-License-Identifier: Apache-2.0
// Host consumer over several rings (libbpf ring_buffer__poll semantics).
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/maps/ringbuf.hpp"

namespace decade {

RingBufferConsumer::RingBufferConsumer() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {}

RingBufferConsumer::~RingBufferConsumer() {
  if (epfd_ >= 0) close(epfd_);
}

Status RingBufferConsumer::add(Map* map, RingBufMap::SampleFn fn) {
  RingBufMap* ring = as_ringbuf(map);
  if (!ring) return make_error(ErrorCode::MapBadType, "ring buffer consumer: not a ringbuf map");
  if (epfd_ < 0) return make_error(ErrorCode::IoError, "ring buffer consumer: epoll_create1 failed");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = rings_.size();
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, ring->event_fd(), &ev) != 0)
    return make_error(ErrorCode::IoError, "ring buffer consumer: epoll_ctl failed");
  rings_.push_back({ring, std::move(fn)});
  return ok();
}

long RingBufferConsumer::consume() {
  long total = 0;
  for (auto& e : rings_) {
    long n = e.ring->consume(e.fn);
    if (n < 0) return n;
    total += n;
  }
  return total;
}

long RingBufferConsumer::poll(int timeout_ms) {
  epoll_event events[16];
  int n = epoll_wait(epfd_, events, 16, timeout_ms);
  if (n < 0) return errno == EINTR ? 0 : -errno;
  for (int i = 0; i < n; ++i) {
    // Reset the eventfd counter so the next wakeup is seen.
    uint64_t v;
    [[maybe_unused]] ssize_t r = ::read(rings_[events[i].data.u64].ring->event_fd(), &v, sizeof v);
  }
  return consume();
}

}  // namespace decade
