// SPDX-License-Identifier: Apache-2.0
// RingBuffer: libbpf's ring_buffer over the runtime's consumer.
#include <fmt/format.h>

#include "api/object_impl.hpp"
#include "runtime/maps/ringbuf.hpp"

namespace decade {

struct RingBuffer::Impl {
  RingBufferConsumer consumer;
  // Keeps each ring alive while it is being consumed, even if its object dies first.
  std::vector<std::shared_ptr<Map>> rings;
};

namespace {

Result<std::shared_ptr<Map>> ring_of(const BpfMap& map, void* impl) {
  auto& slot = *static_cast<api::MapSlot*>(impl);
  if (!slot.map)
    return make_error(ErrorCode::InvalidArgument, fmt::format("map '{}' is not created until load()", slot.name));
  if (!as_ringbuf(slot.map.get()))
    return make_error(ErrorCode::MapBadType, fmt::format("map '{}' is a {}, not a ringbuf", slot.name, map.type_name()));
  return slot.map;
}

// Like libbpf: a negative callback result (or -errno from waiting) comes
// back as the count, so the caller sees exactly what its callback returned.
Result<int> count_or_error(long rc) { return static_cast<int>(rc); }

}  // namespace

RingBuffer::RingBuffer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RingBuffer::RingBuffer(RingBuffer&&) noexcept = default;
RingBuffer& RingBuffer::operator=(RingBuffer&&) noexcept = default;
RingBuffer::~RingBuffer() = default;

Result<RingBuffer> RingBuffer::create(const BpfMap& map, Callback cb) {
  RingBuffer rb(std::make_unique<Impl>());
  if (auto s = rb.add(map, std::move(cb)); !s) return std::unexpected(s.error());
  return rb;
}

Status RingBuffer::add(const BpfMap& map, Callback cb) {
  if (!cb) return make_error(ErrorCode::InvalidArgument, "ring buffer callback is empty");
  auto ring = ring_of(map, map.impl_);
  if (!ring) return std::unexpected(ring.error());
  if (auto s = impl_->consumer.add(ring->get(), std::move(cb)); !s) return s;
  impl_->rings.push_back(std::move(*ring));
  return ok();
}

Result<int> RingBuffer::poll(int timeout_ms) { return count_or_error(impl_->consumer.poll(timeout_ms)); }

Result<int> RingBuffer::consume() { return count_or_error(impl_->consumer.consume()); }

int RingBuffer::fd() const { return impl_->consumer.epoll_fd(); }

}  // namespace decade
