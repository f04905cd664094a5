// SPDX-License-Identifier: Apache-2.0
#include "jit/x86_64/exec_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace decade::jit::x64 {

Result<ExecMemory> ExecMemory::reserve(size_t size) {
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t mapped = (size + page - 1) / page * page;
  void* p = mmap(nullptr, mapped ? mapped : page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return make_error(ErrorCode::OutOfMemory, std::string("jit: mmap failed: ") + std::strerror(errno));
  return ExecMemory(static_cast<uint8_t*>(p), mapped ? mapped : page);
}

ExecMemory::ExecMemory(ExecMemory&& o) noexcept
    : mem_(std::exchange(o.mem_, nullptr)), mapped_(o.mapped_), used_(o.used_), sealed_(o.sealed_) {}

ExecMemory& ExecMemory::operator=(ExecMemory&& o) noexcept {
  if (this != &o) {
    if (mem_) munmap(mem_, mapped_);
    mem_ = std::exchange(o.mem_, nullptr);
    mapped_ = o.mapped_;
    used_ = o.used_;
    sealed_ = o.sealed_;
  }
  return *this;
}

ExecMemory::~ExecMemory() {
  if (mem_) munmap(mem_, mapped_);
}

std::span<uint8_t> ExecMemory::writable() {
  if (sealed_ || !mem_) return {};
  return {mem_, mapped_};
}

Status ExecMemory::seal(size_t used) {
  if (!mem_ || sealed_ || used > mapped_) return make_error(ErrorCode::Internal, "jit: bad seal of executable memory");
  if (mprotect(mem_, mapped_, PROT_READ | PROT_EXEC) != 0)
    return make_error(ErrorCode::Internal, std::string("jit: mprotect failed: ") + std::strerror(errno));
  used_ = used;
  sealed_ = true;
  return ok();
}

}  // namespace decade::jit::x64
