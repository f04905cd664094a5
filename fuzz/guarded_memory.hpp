// SPDX-License-Identifier: Apache-2.0
// Guard pages for the memory the fuzzers hand to programs. A GuardedBuffer
// is `size` bytes placed flush against a PROT_NONE page above it, with a
// PROT_NONE page below its first page: a program (interpreted or JIT-run,
// sanitizer-instrumented or not) that reads or writes one byte past either
// end faults at once instead of quietly touching neighbouring host memory.
// Bytes between the lower guard and the buffer's start (the rest of its
// first page) stay mapped, so an underflow smaller than that is not caught:
// the common escape is past the end, which is.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace decade::fuzzgen {

class GuardedBuffer {
 public:
  // Aborts when the mapping fails: a fuzzer without its guards is no use.
  explicit GuardedBuffer(size_t size) : size_(size) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    body_ = (size + page - 1) / page * page;
    if (body_ == 0) body_ = page;
    total_ = body_ + 2 * page;
    void* p = mmap(nullptr, total_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    base_ = static_cast<uint8_t*>(p);
    if (mprotect(base_ + page, body_, PROT_READ | PROT_WRITE) != 0) std::abort();
    data_ = base_ + page + body_ - size;
  }
  ~GuardedBuffer() { munmap(base_, total_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  void assign(const uint8_t* bytes, size_t n) { std::memcpy(data_, bytes, n < size_ ? n : size_); }

 private:
  size_t size_ = 0, body_ = 0, total_ = 0;
  uint8_t* base_ = nullptr;
  uint8_t* data_ = nullptr;
};

}  // namespace decade::fuzzgen
