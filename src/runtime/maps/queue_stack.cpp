// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO): a circular buffer
// of max_entries + 1 value slots under one spinlock, as in the kernel.
// push with BPF_EXIST on a full map overwrites the oldest element.
#include <mutex>
#include <vector>

#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

class QueueStack final : public Map {
 public:
  explicit QueueStack(const MapDef& def)
      : Map(def), size_(uint64_t{def.max_entries} + 1), buf_(size_ * def.value_size), fifo_(def.type == MapType::Queue) {}

  void* lookup(const void*) override { return nullptr; }
  long update(const void*, const void*, uint64_t) override { return kEINVAL; }
  long erase(const void*) override { return kEINVAL; }
  Status get_next_key(const void*, void*) override {
    return make_error(ErrorCode::Unsupported, "queue and stack maps have no keys");
  }

  long push(const void* value, uint64_t flags) override {
    if (flags & ~kBpfExist) return kEINVAL;
    std::lock_guard lock(mu_);
    if (full()) {
      if (!(flags & kBpfExist)) return kE2BIG;
      // Overwrite the oldest element: it sits at tail_ for both kinds.
      tail_ = (tail_ + 1) % size_;
    }
    std::memcpy(slot(head_), value, def().value_size);
    head_ = (head_ + 1) % size_;
    return 0;
  }

  long pop(void* value) override { return take(value, true); }
  long peek(void* value) override { return take(value, false); }

  long host_lookup(const void*, void* value, uint64_t flags) override { return flags ? kEINVAL : peek(value); }
  long host_update(const void*, const void* value, uint64_t flags) override { return push(value, flags); }
  long host_lookup_and_delete(const void*, void* value) override { return pop(value); }
  long for_each(const ElemVisitor&) override { return kEINVAL; }

  std::vector<MapStorage> storage() override { return {}; }  // values are copied out, never pointed to

 private:
  bool full() const { return (head_ + 1) % size_ == tail_; }
  uint8_t* slot(uint64_t i) { return buf_.data() + i * def().value_size; }

  long take(void* value, bool remove) {
    std::lock_guard lock(mu_);
    if (head_ == tail_) return kENOENT;
    uint64_t i = fifo_ ? tail_ : (head_ + size_ - 1) % size_;
    std::memcpy(value, slot(i), def().value_size);
    if (remove) {
      if (fifo_) {
        tail_ = (tail_ + 1) % size_;
      } else {
        head_ = i;
      }
    }
    return 0;
  }

  const uint64_t size_;
  std::vector<uint8_t> buf_;
  const bool fifo_;
  SpinLock mu_;
  uint64_t head_ = 0, tail_ = 0;
};

}  // namespace

MapFootprint queue_stack_footprint(const MapDef& def) {
  const uint64_t bytes = sat_mul(uint64_t{def.max_entries} + 1, def.value_size);
  return {bytes, bytes};
}

Result<std::unique_ptr<Map>> make_queue_stack(const MapDef& def) { return std::unique_ptr<Map>(new QueueStack(def)); }

}  // namespace decade
