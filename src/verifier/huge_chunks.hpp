// SPDX-License-Identifier: Apache-2.0
// The upstream of the driver's pool of stored states: requests of 2 MiB or
// more are mapped on their own and marked for transparent huge pages, so the
// hundreds of megabytes a loop-heavy program stores are paged in 2 MiB at a
// time rather than 4 KiB (page faults were a third of verification time).
// Smaller requests go to operator new.
#pragma once

#include <cstddef>
#include <memory_resource>

namespace decade::verifier {

class HugeChunks final : public std::pmr::memory_resource {
 public:
  static constexpr size_t kHugePage = size_t{2} << 20;

 private:
  void* do_allocate(size_t bytes, size_t align) override;
  void do_deallocate(void* p, size_t bytes, size_t align) override;
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};

}  // namespace decade::verifier
