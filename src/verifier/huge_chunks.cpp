// SPDX-License-Identifier: Apache-2.0
#include "verifier/huge_chunks.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace decade::verifier {
namespace {

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

void* HugeChunks::do_allocate(size_t bytes, size_t align) {
  if (bytes < kHugePage || align > kHugePage) {
    void* p = std::pmr::new_delete_resource()->allocate(bytes, align);
    in_use_ += bytes;
    return p;
  }
  // Map one huge page more than needed and trim both ends to a 2 MiB boundary.
  const size_t len = round_up(bytes, kHugePage);
  void* raw = ::mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = round_up(start, kHugePage);
  if (aligned > start) ::munmap(raw, aligned - start);
  const uintptr_t end = start + len + kHugePage;
  if (end > aligned + len) ::munmap(reinterpret_cast<void*>(aligned + len), end - (aligned + len));
  // Only a hint: without transparent huge pages the mapping is an ordinary one.
  (void)::madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);
  in_use_ += len;
  return reinterpret_cast<void*>(aligned);
}

void HugeChunks::do_deallocate(void* p, size_t bytes, size_t align) {
  if (bytes < kHugePage || align > kHugePage) {
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
    in_use_ -= bytes;
    return;
  }
  ::munmap(p, round_up(bytes, kHugePage));
  in_use_ -= round_up(bytes, kHugePage);
}

}  // namespace decade::verifier
