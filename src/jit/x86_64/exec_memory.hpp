// SPDX-License-Identifier: Apache-2.0
// Executable memory, W^X: pages are mapped read+write, filled, then sealed
// read+execute with mprotect before any code runs. They are never writable
// and executable at the same time. Small programs share a pool of pages
// (exec_memory.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "decade/error.hpp"

namespace decade::jit::x64 {

class ExecMemory {
 public:
  // At least `size` bytes, read+write, page-aligned.
  static Result<ExecMemory> reserve(size_t size);
  ExecMemory() = default;
  ExecMemory(ExecMemory&& o) noexcept;
  ExecMemory& operator=(ExecMemory&& o) noexcept;
  ~ExecMemory();
  ExecMemory(const ExecMemory&) = delete;
  ExecMemory& operator=(const ExecMemory&) = delete;

  uint8_t* data() const { return mem_; }
  size_t size() const { return used_; }
  uint64_t base() const { return reinterpret_cast<uint64_t>(mem_); }
  bool sealed() const { return sealed_; }
  // Writable view before seal().
  std::span<uint8_t> writable();
  // Records how many bytes hold code, fills the rest of the pages with int3
  // and makes them read+execute.
  Status seal(size_t used);

 private:
  ExecMemory(uint8_t* mem, size_t mapped, bool pooled) : mem_(mem), mapped_(mapped), pooled_(pooled) {}
  void release();
  uint8_t* mem_ = nullptr;
  size_t mapped_ = 0;
  size_t used_ = 0;
  bool sealed_ = false;
  bool pooled_ = false;  // pages from the pool, returned to it
};

}  // namespace decade::jit::x64
