// SPDX-License-Identifier: Apache-2.0
// bpf_probe_read* : copies from any address without faulting the host.
// process_vm_readv on our own pid makes the kernel do the copy, so a bad
// source address is an -EFAULT, never a SIGSEGV. "User" and "kernel" reads
// are the same in a user-space platform: there is one address space.
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/helpers/helpers.hpp"

namespace decade {
namespace {

constexpr uint64_t kPage = 4096;

// Copies n bytes; returns bytes copied (short on a fault).
size_t safe_copy(void* dst, uint64_t src, size_t n) {
  static const pid_t self = getpid();
  size_t done = 0;
  while (done < n) {
    iovec local{static_cast<uint8_t*>(dst) + done, n - done};
    iovec remote{reinterpret_cast<void*>(src + done), n - done};
    ssize_t got = process_vm_readv(self, &local, 1, &remote, 1, 0);
    if (got <= 0) break;
    done += size_t(got);
  }
  return done;
}

uint64_t probe_read(uint64_t dst, uint64_t size, uint64_t src, uint64_t, uint64_t) {
  auto* d = reinterpret_cast<void*>(dst);
  if (size == 0) return 0;
  if (safe_copy(d, src, size) != size) {
    std::memset(d, 0, size);
    return static_cast<uint64_t>(-EFAULT);
  }
  return 0;
}

// Returns the length copied including the NUL, or -EFAULT (dst zeroed).
uint64_t probe_read_str(uint64_t dst, uint64_t size, uint64_t src, uint64_t, uint64_t) {
  auto* d = static_cast<uint8_t*>(reinterpret_cast<void*>(dst));
  if (size == 0) return 0;
  uint64_t done = 0;
  while (done < size) {
    // Never read past the page the string might end on.
    uint64_t chunk = std::min<uint64_t>(size - done, kPage - ((src + done) % kPage));
    size_t got = safe_copy(d + done, src + done, chunk);
    if (auto* nul = static_cast<uint8_t*>(std::memchr(d + done, 0, got))) return uint64_t(nul - d) + 1;
    if (got != chunk) {
      std::memset(d, 0, size);
      return static_cast<uint64_t>(-EFAULT);
    }
    done += chunk;
  }
  d[size - 1] = 0;  // truncated: the kernel always NUL-terminates
  return size;
}

}  // namespace

void append_probe_read_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  const std::initializer_list<ArgKind> args = {A::PtrToUninitMem, A::ConstSizeOrZero, A::AnyPtrOrNull};
  out.push_back(make_proto("bpf_probe_read", kHelperProbeRead, probe_read, RetKind::Integer, args));
  out.push_back(make_proto("bpf_probe_read_user", kHelperProbeReadUser, probe_read, RetKind::Integer, args));
  out.push_back(make_proto("bpf_probe_read_kernel", kHelperProbeReadKernel, probe_read, RetKind::Integer, args));
  out.push_back(make_proto("bpf_probe_read_str", kHelperProbeReadStr, probe_read_str, RetKind::Integer, args));
  out.push_back(make_proto("bpf_probe_read_user_str", kHelperProbeReadUserStr, probe_read_str, RetKind::Integer, args));
  out.push_back(make_proto("bpf_probe_read_kernel_str", kHelperProbeReadKernelStr, probe_read_str, RetKind::Integer, args));
}

}  // namespace decade
