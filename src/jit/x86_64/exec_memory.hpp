// SPDX-License-Identifier: Apache-2.0
// Executable memory, W^X: pages are mapped read+write, filled, then sealed
// read+execute with mprotect before any code runs. They are never writable
// and executable at the same time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "decade/error.hpp"

namespace decade::jit::x64 {

class ExecMemory {
 public:
  // Maps at least `size` bytes read+write.
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
  // Records how many bytes hold code and makes the mapping read+execute.
  Status seal(size_t used);

 private:
  ExecMemory(uint8_t* mem, size_t mapped) : mem_(mem), mapped_(mapped) {}
  uint8_t* mem_ = nullptr;
  size_t mapped_ = 0;
  size_t used_ = 0;
  bool sealed_ = false;
};

}  // namespace decade::jit::x64
