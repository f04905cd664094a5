// SPDX-License-Identifier: Apache-2.0
// Executable memory. Small programs (up to kPoolMaxPages pages) take their
// pages from a process-wide pool of read+write chunks instead of a mapping
// of their own: mmap, the first-touch page faults and munmap were most of
// a small program's compile time (docs/jit.md). A range is sealed
// read+execute in place and, when its program is gone, made read+write
// again and kept on a free list for the next program of the same size. No
// page is ever writable and executable at once; the bytes after the code
// are filled with int3 before sealing, so nothing a previous program left
// in a reused page becomes executable.
#include "jit/x86_64/exec_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace decade::jit::x64 {
namespace {

constexpr size_t kPoolMaxPages = 16;
constexpr size_t kChunkPages = 512;  // 2 MiB of 4 KiB pages per pool mapping

size_t page_size() {
  static const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

class Pool {
 public:
  // `pages` read+write pages, or nullptr (errno set) when no memory is left.
  uint8_t* take(size_t pages) {
    std::lock_guard lock(mu_);
    auto& list = free_[pages];
    if (!list.empty()) {
      uint8_t* p = list.back();
      list.pop_back();
      return p;
    }
    if (left_ < pages) {
      void* c = mmap(nullptr, kChunkPages * page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (c == MAP_FAILED) return nullptr;
      next_ = static_cast<uint8_t*>(c);
      left_ = kChunkPages;  // the old chunk's tail is left unused
    }
    uint8_t* p = next_;
    next_ += pages * page_size();
    left_ -= pages;
    return p;
  }
  // Back to read+write and onto the free list; when mprotect fails the
  // pages are left as they are and never reused.
  void give(uint8_t* p, size_t pages, bool sealed) {
    if (sealed && mprotect(p, pages * page_size(), PROT_READ | PROT_WRITE) != 0) return;
    std::lock_guard lock(mu_);
    free_[pages].push_back(p);
  }

 private:
  std::mutex mu_;
  std::array<std::vector<uint8_t*>, kPoolMaxPages + 1> free_;  // by page count
  uint8_t* next_ = nullptr;
  size_t left_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool();  // lives for the process: programs may outlive static destruction
  return *p;
}

}  // namespace

Result<ExecMemory> ExecMemory::reserve(size_t size) {
  const size_t page = page_size();
  const size_t pages = std::max<size_t>(1, (size + page - 1) / page);
  if (pages <= kPoolMaxPages) {
    uint8_t* p = pool().take(pages);
    if (!p) return make_error(ErrorCode::OutOfMemory, std::string("jit: mmap failed: ") + std::strerror(errno));
    return ExecMemory(p, pages * page, true);
  }
  void* p = mmap(nullptr, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return make_error(ErrorCode::OutOfMemory, std::string("jit: mmap failed: ") + std::strerror(errno));
  return ExecMemory(static_cast<uint8_t*>(p), pages * page, false);
}

void ExecMemory::release() {
  if (!mem_) return;
  if (pooled_) {
    pool().give(mem_, mapped_ / page_size(), sealed_);
  } else {
    munmap(mem_, mapped_);
  }
  mem_ = nullptr;
}

ExecMemory::ExecMemory(ExecMemory&& o) noexcept
    : mem_(std::exchange(o.mem_, nullptr)), mapped_(o.mapped_), used_(o.used_), sealed_(o.sealed_), pooled_(o.pooled_) {}

ExecMemory& ExecMemory::operator=(ExecMemory&& o) noexcept {
  if (this != &o) {
    release();
    mem_ = std::exchange(o.mem_, nullptr);
    mapped_ = o.mapped_;
    used_ = o.used_;
    sealed_ = o.sealed_;
    pooled_ = o.pooled_;
  }
  return *this;
}

ExecMemory::~ExecMemory() { release(); }

std::span<uint8_t> ExecMemory::writable() {
  if (sealed_ || !mem_) return {};
  return {mem_, mapped_};
}

Status ExecMemory::seal(size_t used) {
  if (!mem_ || sealed_ || used > mapped_) return make_error(ErrorCode::Internal, "jit: bad seal of executable memory");
  std::memset(mem_ + used, 0xcc, mapped_ - used);  // int3 after the code
  if (mprotect(mem_, mapped_, PROT_READ | PROT_EXEC) != 0)
    return make_error(ErrorCode::Internal, std::string("jit: mprotect failed: ") + std::strerror(errno));
  used_ = used;
  sealed_ = true;
  return ok();
}

}  // namespace decade::jit::x64
