// SPDX-License-Identifier: Apache-2.0
// bpf_probe_read* : copies from host memory the host made readable
// (Platform's readable ranges under kGrantReadHostMemory, taken from the
// running program's platform in RunContext); anything else is -EFAULT with
// the destination zeroed, as the kernel does on a fault. Inside a range,
// process_vm_readv on our own pid makes the kernel do the copy, so an
// unmapped page is an -EFAULT too, never a SIGSEGV (where seccomp or ptrace
// policy forbids that call, write() through a pipe does the same). "User"
// and "kernel" reads are the same in a user-space platform: there is one
// address space.
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

constexpr uint64_t kPage = 4096;

// A pipe per thread for probe_copy_via_pipe, closed when the thread exits.
struct ThreadPipe {
  int fds[2] = {-1, -1};
  ThreadPipe() {
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fds[0] = fds[1] = -1;
  }
  ~ThreadPipe() {
    if (fds[0] >= 0) ::close(fds[0]);
    if (fds[1] >= 0) ::close(fds[1]);
  }
};

}  // namespace

// write() from the source address: the kernel reports EFAULT for an
// unreadable page instead of the process taking a SIGSEGV.
size_t probe_copy_via_pipe(void* dst, uint64_t src, size_t n) {
  thread_local ThreadPipe p;
  if (p.fds[0] < 0) return 0;
  size_t done = 0;
  while (done < n) {
    size_t chunk = std::min<size_t>(n - done, kPage - ((src + done) % kPage));  // one page at a time
    ssize_t w = ::write(p.fds[1], reinterpret_cast<const void*>(src + done), chunk);
    if (w <= 0) break;
    ssize_t r = ::read(p.fds[0], static_cast<uint8_t*>(dst) + done, size_t(w));
    if (r != w) break;  // cannot happen with an empty pipe; stop rather than loop
    done += size_t(w);
  }
  return done;
}

size_t probe_copy(void* dst, uint64_t src, size_t n) {
  static const pid_t self = getpid();
  static std::atomic<bool> vm_readv_works{true};
  if (!vm_readv_works.load(std::memory_order_relaxed)) return probe_copy_via_pipe(dst, src, n);
  size_t done = 0;
  while (done < n) {
    iovec local{static_cast<uint8_t*>(dst) + done, n - done};
    iovec remote{reinterpret_cast<void*>(src + done), n - done};
    ssize_t got = process_vm_readv(self, &local, 1, &remote, 1, 0);
    if (got < 0 && (errno == ENOSYS || errno == EPERM)) {  // seccomp or ptrace policy forbids it
      vm_readv_works.store(false, std::memory_order_relaxed);
      return done + probe_copy_via_pipe(static_cast<uint8_t*>(dst) + done, src + done, n - done);
    }
    if (got <= 0) break;
    done += size_t(got);
  }
  return done;
}

uint64_t host_readable(uint64_t src, uint64_t n) {
  const RunContext* rc = current_run_context();
  return rc && rc->platform ? rc->platform->readable_prefix(src, n) : 0;
}

long probe_copy_str(uint8_t* d, uint64_t src, uint64_t size) {
  if (size == 0) return 0;
  const uint64_t limit = host_readable(src, size);
  uint64_t done = 0;
  while (done < limit) {
    // Never read past the page the string might end on.
    const uint64_t chunk = std::min<uint64_t>(limit - done, kPage - ((src + done) % kPage));
    const size_t got = probe_copy(d + done, src + done, chunk);
    if (auto* nul = static_cast<uint8_t*>(std::memchr(d + done, 0, got))) return long(nul - d) + 1;
    if (got != chunk) break;
    done += chunk;
  }
  if (done < size) {  // a byte before the NUL or the end of dst was unreadable
    std::memset(d, 0, size);
    return -EFAULT;
  }
  d[size - 1] = 0;  // truncated: the kernel always NUL-terminates
  return long(size);
}

namespace {

uint64_t probe_read(uint64_t dst, uint64_t size, uint64_t src, uint64_t, uint64_t) {
  auto* d = reinterpret_cast<void*>(dst);
  if (size == 0) return 0;
  if (host_readable(src, size) != size || probe_copy(d, src, size) != size) {
    std::memset(d, 0, size);
    return static_cast<uint64_t>(-EFAULT);
  }
  return 0;
}

// Returns the length copied including the NUL, or -EFAULT (dst zeroed).
uint64_t probe_read_str(uint64_t dst, uint64_t size, uint64_t src, uint64_t, uint64_t) {
  return static_cast<uint64_t>(probe_copy_str(static_cast<uint8_t*>(reinterpret_cast<void*>(dst)), src, size));
}

}  // namespace

void append_probe_read_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  const std::initializer_list<ArgKind> args = {A::PtrToUninitMem, A::ConstSizeOrZero, A::AnyPtrOrNull};
  const struct {
    const char* name;
    uint32_t id;
    HelperFn fn;
    uint32_t flags = 0;
  } table[] = {{"bpf_probe_read", kHelperProbeRead, probe_read},
               {"bpf_probe_read_user", kHelperProbeReadUser, probe_read},
               {"bpf_probe_read_kernel", kHelperProbeReadKernel, probe_read},
               {"bpf_probe_read_str", kHelperProbeReadStr, probe_read_str},
               {"bpf_probe_read_user_str", kHelperProbeReadUserStr, probe_read_str},
               {"bpf_probe_read_kernel_str", kHelperProbeReadKernelStr, probe_read_str},
               // The same copy (0 or -EFAULT, dst zeroed), for sleepable
               // programs only, as the kernel offers it.
               {"bpf_copy_from_user", kHelperCopyFromUser, probe_read, kHelperMaySleep}};
  for (const auto& h : table)
    out.push_back(make_proto(h.name, h.id, h.fn, RetKind::Integer, args, kHelperReadsHostMemory | h.flags));
}

}  // namespace decade
