// SPDX-License-Identifier: Apache-2.0
// The upstream of the driver's pool of stored states: requests of 2 MiB or
// more are mapped on their own and marked for transparent huge pages, so the
// hundreds of megabytes a loop-heavy program stores are paged in 2 MiB at a
// time rather than 4 KiB (page faults were a third of verification time).
// Smaller requests go to operator new. It counts the bytes it has handed
// out, which is the pool's whole footprint (the driver's memory budget).
#pragma once

#include <cstddef>
#include <memory_resource>

namespace decade::verifier {

class HugeChunks final : public std::pmr::memory_resource {
 public:
  static constexpr size_t kHugePage = size_t{2} << 20;
  // Bytes currently allocated through this resource (mappings rounded up to
  // whole huge pages).
  size_t in_use() const { return in_use_; }

 private:
  void* do_allocate(size_t bytes, size_t align) override;
  void do_deallocate(void* p, size_t bytes, size_t align) override;
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }

  size_t in_use_ = 0;
};

}  // namespace decade::verifier
