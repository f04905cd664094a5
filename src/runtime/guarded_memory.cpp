// SPDX-License-Identifier: Apache-2.0
#include "runtime/guarded_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

// Under AddressSanitizer (the fuzzers), LeakSanitizer does not scan memory
// mapped outside its allocator: what a guarded run state points to (a
// large stack, collected map regions) would be reported as leaked. The
// guarded bodies are registered as root regions while they live.
#if defined(__SANITIZE_ADDRESS__)
#define DECADE_LSAN_ROOTS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DECADE_LSAN_ROOTS 1
#endif
#endif
#ifdef DECADE_LSAN_ROOTS
#include <sanitizer/lsan_interface.h>
#endif

namespace decade {
namespace {

std::atomic<bool> g_guard_pages{false};

size_t page_size() {
  static const size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

size_t body_of(size_t size) { return (size + page_size() - 1) / page_size() * page_size(); }

}  // namespace

void set_guard_pages(bool on) { g_guard_pages.store(on, std::memory_order_relaxed); }
bool guard_pages() { return g_guard_pages.load(std::memory_order_relaxed); }

void* guarded_alloc(size_t size) {
  const size_t page = page_size(), body = body_of(size);
  void* p = mmap(nullptr, body + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto* base = static_cast<uint8_t*>(p);
  if (mprotect(base + page, body, PROT_READ | PROT_WRITE) != 0) {
    munmap(p, body + 2 * page);
    return nullptr;
  }
#ifdef DECADE_LSAN_ROOTS
  __lsan_register_root_region(base + page, body);
#endif
  return base + page + body - size;
}

void guarded_free(void* p, size_t size) {
  if (!p) return;
  const size_t page = page_size(), body = body_of(size);
  auto* end = static_cast<uint8_t*>(p) + size;  // the upper guard's first byte
#ifdef DECADE_LSAN_ROOTS
  __lsan_unregister_root_region(end - body, body);
#endif
  munmap(end - body - page, body + 2 * page);
}

}  // namespace decade
