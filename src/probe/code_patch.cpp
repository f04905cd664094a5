// SPDX-License-Identifier: Apache-2.0
#include "probe/code_patch.hpp"

#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace decade::probe {
namespace {

constexpr uint64_t kPage = 4096;
constexpr int64_t kReach = (1ll << 31) - (1ll << 24);  // rel32, with room for the code in the page

int membarrier(int cmd) { return int(::syscall(SYS_membarrier, cmd, 0, 0)); }

struct Membarrier {
  bool expedited = false;
  bool sync_core = false;
  Membarrier() {
    expedited = membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
    sync_core = membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE) == 0;
  }
};

const Membarrier& mb() {
  static const Membarrier m;
  return m;
}

// One store of 2 bytes (inside a cache line) or 8 bytes (aligned): atomic
// for instruction fetch on other cores. Inline asm: the C++ forms would be
// misaligned accesses.
#if defined(__x86_64__)
void store16(uint64_t addr, uint16_t v) { asm volatile("movw %1, (%0)" ::"r"(addr), "r"(v) : "memory"); }
void store64(uint64_t addr, uint64_t v) { asm volatile("movq %1, (%0)" ::"r"(addr), "r"(v) : "memory"); }
#else  // never reached: attach() refuses off x86-64
void store16(uint64_t addr, uint16_t v) { std::memcpy(reinterpret_cast<void*>(addr), &v, 2); }
void store64(uint64_t addr, uint64_t v) { std::memcpy(reinterpret_cast<void*>(addr), &v, 8); }
#endif

// Makes the pages over [addr, addr + n) writable (and still executable)
// for its lifetime, then read + execute again.
class Writable {
 public:
  Writable(uint64_t addr, size_t n) : start_(addr & ~(kPage - 1)), len_(((addr + n + kPage - 1) & ~(kPage - 1)) - start_) {
    ok_ = ::mprotect(reinterpret_cast<void*>(start_), len_, PROT_READ | PROT_WRITE | PROT_EXEC) == 0;
  }
  ~Writable() {
    if (ok_) ::mprotect(reinterpret_cast<void*>(start_), len_, PROT_READ | PROT_EXEC);
  }
  Writable(const Writable&) = delete;
  Writable& operator=(const Writable&) = delete;
  bool ok() const { return ok_; }

 private:
  uint64_t start_;
  size_t len_;
  bool ok_ = false;
};

}  // namespace

bool membarrier_ready() { return mb().expedited; }

void barrier_all_threads(bool sync_core) {
  if (sync_core && mb().sync_core) {
    membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
  } else if (mb().expedited) {
    membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

uint64_t alloc_near(uint64_t near, size_t size) {
  const uint64_t base = near & ~(kPage - 1);
  // Outward from the function in 1 MiB steps, below first (where shared
  // libraries usually have free space), without replacing any mapping.
  for (int64_t step = 1 << 20; step < kReach; step += 1 << 20) {
    for (const int64_t d : {-step, step}) {
      const uint64_t hint = base + uint64_t(d);
      if ((d < 0 && hint > base) || (d > 0 && hint < base)) continue;  // wrapped
      void* p = ::mmap(reinterpret_cast<void*>(hint), size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
      if (p == MAP_FAILED) continue;
      const int64_t dist = int64_t(reinterpret_cast<uint64_t>(p) - near);
      if (dist > -kReach && dist < kReach) return reinterpret_cast<uint64_t>(p);
      ::munmap(p, size);  // an old kernel took the hint as a hint only
    }
  }
  return 0;
}

Status seal_code(uint64_t page, size_t size) {
  if (::mprotect(reinterpret_cast<void*>(page), size, PROT_READ | PROT_EXEC) != 0)
    return make_error(ErrorCode::ProbeAttachFailed, fmt::format("mprotect of a trampoline: {}", std::strerror(errno)));
  return ok();
}

Status write_code(uint64_t addr, const uint8_t* bytes, size_t n) {
  Writable w(addr, n);
  if (!w.ok())
    return make_error(ErrorCode::ProbeAttachFailed, fmt::format("cannot make the code at {:#x} writable: {}", addr,
                                                                std::strerror(errno)));
  if (addr / 8 == (addr + n - 1) / 8) {
    uint64_t word;
    std::memcpy(&word, reinterpret_cast<const void*>(addr & ~7ull), 8);
    std::memcpy(reinterpret_cast<uint8_t*>(&word) + (addr & 7), bytes, n);
    store64(addr & ~7ull, word);
    barrier_all_threads(true);
    return ok();
  }
  if (addr % 64 == 63)
    return make_error(ErrorCode::ProbeAttachFailed,
                      fmt::format("{:#x}: the first two bytes cross a cache line and cannot be written atomically", addr));
  store16(addr, 0xFEEB);  // jmp . : a thread arriving now waits here
  barrier_all_threads(true);
  std::memcpy(reinterpret_cast<void*>(addr + 2), bytes + 2, n - 2);
  barrier_all_threads(true);
  uint16_t head;
  std::memcpy(&head, bytes, 2);
  store16(addr, head);
  barrier_all_threads(true);
  return ok();
}

}  // namespace decade::probe
