// SPDX-License-Identifier: Apache-2.0
// Time, identity, randomness and string helpers.
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>

#include "runtime/cpu.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

uint64_t ktime_get_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t ktime_get_boot_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return clock_ns(CLOCK_BOOTTIME); }
uint64_t ktime_get_coarse_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  return clock_ns(CLOCK_MONOTONIC_COARSE);
}
uint64_t ktime_get_tai_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return clock_ns(CLOCK_TAI); }

// bpf_jiffies64: the kernel's tick counter. User space has no jiffies; the
// coarse monotonic clock counted in ticks of sysconf(_SC_CLK_TCK) (USER_HZ,
// 100 on Linux) gives a counter with the same properties programs rely on
// (64-bit, monotonic, coarse), not the kernel's CONFIG_HZ unit.
uint64_t jiffies64(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  static const uint64_t hz = [] {
    const long t = sysconf(_SC_CLK_TCK);
    return t > 0 ? static_cast<uint64_t>(t) : 100u;
  }();
  return clock_ns(CLOCK_MONOTONIC_COARSE) / (1000000000ull / hz);
}

// bpf_get_netns_cookie(ctx or NULL): the cookie of the network namespace
// the process runs in, as Linux reports it for a socket (SO_NETNS_COOKIE,
// Linux 5.14), read once. Decade's socket hooks all run in that namespace,
// so a NULL context (the kernel's init_net) gives the same cookie. A host
// kernel without the option makes the call fail the run (ExecUnsupported).
uint64_t get_netns_cookie(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
#ifndef SO_NETNS_COOKIE
  constexpr int SO_NETNS_COOKIE = 71;  // asm-generic/socket.h, for older libc headers
#endif
  static const uint64_t cookie = [] {
    uint64_t c = 0;
    socklen_t len = sizeof(c);
    const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return uint64_t{0};
    if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &c, &len) != 0 || len != sizeof(c)) c = 0;
    close(fd);
    return c;
  }();
  if (cookie == 0) raise_fault(ErrorCode::ExecUnsupported, "bpf_get_netns_cookie: the host kernel reports no SO_NETNS_COOKIE");
  return cookie;
}

// xorshift128+ per thread, seeded once: bpf_get_prandom_u32 is not crypto.
uint64_t get_prandom_u32(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  thread_local uint64_t s[2] = {std::random_device{}() | 1ull, uint64_t(std::random_device{}()) << 32 | 1ull};
  uint64_t x = s[0];
  const uint64_t y = s[1];
  s[0] = y;
  x ^= x << 23;
  s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
  return (s[1] + y) >> 32;
}

uint64_t get_smp_processor_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return current_cpu(); }
uint64_t get_numa_node_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return 0; }

uint64_t get_current_pid_tgid(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  uint64_t tgid = uint64_t(getpid()), tid = uint64_t(syscall(SYS_gettid));
  return tgid << 32 | tid;
}

constexpr uint32_t kHelperGetNsCurrentPidTgid = 120;  // only here: helpers.hpp lists the ids several files use

// get_ns_current_pid_tgid(dev, ino, nsdata, size): the thread's pid and
// tgid as the pid namespace (dev, ino) sees them, when it is the process's
// own (the device and inode `stat /proc/self/ns/pid` gives); -EINVAL
// otherwise, or for a size other than struct bpf_pidns_info's 8, with
// nsdata zeroed, as in the kernel. getpid()/gettid() are already numbers of
// that namespace. The namespace is read once: a process that moves to
// another one with setns(2) keeps answering for the first.
uint64_t get_ns_current_pid_tgid(uint64_t dev, uint64_t ino, uint64_t nsdata, uint64_t size, uint64_t) {
  static const struct stat own = [] {
    struct stat st{};
    if (stat("/proc/self/ns/pid", &st) != 0) st.st_ino = 0;
    return st;
  }();
  auto* out = reinterpret_cast<uint32_t*>(nsdata);
  if (size != 8 || own.st_ino == 0 || dev != static_cast<uint64_t>(own.st_dev) || ino != static_cast<uint64_t>(own.st_ino)) {
    std::memset(out, 0, size);
    return static_cast<uint64_t>(-EINVAL);
  }
  out[0] = static_cast<uint32_t>(syscall(SYS_gettid));
  out[1] = static_cast<uint32_t>(getpid());
  return 0;
}

uint64_t get_current_uid_gid(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  return uint64_t(getgid()) << 32 | uint64_t(getuid());
}

// strscpy_pad(buf, comm, size): NUL-terminated, zero-padded.
uint64_t get_current_comm(uint64_t buf, uint64_t size, uint64_t, uint64_t, uint64_t) {
  auto* out = reinterpret_cast<char*>(buf);
  if (size == 0) return static_cast<uint64_t>(-EINVAL);
  char comm[17] = {};
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  std::memset(out, 0, size);
  std::strncpy(out, comm, size - 1);
  return 0;
}

// bpf_strncmp(s1, s1_sz, s2): -1, 0 or 1, comparing at most s1_sz bytes.
uint64_t bpf_strncmp(uint64_t s1, uint64_t s1_sz, uint64_t s2, uint64_t, uint64_t) {
  auto* a = reinterpret_cast<const unsigned char*>(s1);
  auto* b = reinterpret_cast<const unsigned char*>(s2);
  for (uint64_t i = 0; i < s1_sz; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? static_cast<uint64_t>(-1) : 1;
    if (!a[i]) break;
  }
  return 0;
}

}  // namespace

void append_misc_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  out.push_back(make_proto("bpf_ktime_get_ns", kHelperKtimeGetNs, ktime_get_ns, R::Integer, {}));
  out.push_back(make_proto("bpf_ktime_get_boot_ns", kHelperKtimeGetBootNs, ktime_get_boot_ns, R::Integer, {}));
  out.push_back(make_proto("bpf_ktime_get_coarse_ns", kHelperKtimeGetCoarseNs, ktime_get_coarse_ns, R::Integer, {}));
  out.push_back(make_proto("bpf_ktime_get_tai_ns", kHelperKtimeGetTaiNs, ktime_get_tai_ns, R::Integer, {}));
  out.push_back(make_proto("bpf_jiffies64", kHelperJiffies64, jiffies64, R::Integer, {}));
  out.push_back(make_proto("bpf_get_netns_cookie", kHelperGetNetnsCookie, get_netns_cookie, R::Integer, {A::PtrToCtx},
                           kHelperNullable));
  out.push_back(make_proto("bpf_get_prandom_u32", kHelperGetPrandomU32, get_prandom_u32, R::Integer, {}));
  out.push_back(make_proto("bpf_get_smp_processor_id", kHelperGetSmpProcessorId, get_smp_processor_id, R::Integer, {},
                           kHelperFastcall));
  out.push_back(make_proto("bpf_get_numa_node_id", kHelperGetNumaNodeId, get_numa_node_id, R::Integer, {}));
  out.push_back(make_proto("bpf_get_current_pid_tgid", kHelperGetCurrentPidTgid, get_current_pid_tgid, R::Integer, {}));
  out.push_back(make_proto("bpf_get_ns_current_pid_tgid", kHelperGetNsCurrentPidTgid, get_ns_current_pid_tgid,
                           R::Integer, {A::Scalar, A::Scalar, A::PtrToUninitMem, A::ConstSize}));
  out.push_back(make_proto("bpf_get_current_uid_gid", kHelperGetCurrentUidGid, get_current_uid_gid, R::Integer, {}));
  out.push_back(make_proto("bpf_get_current_comm", kHelperGetCurrentComm, get_current_comm, R::Integer,
                           {A::PtrToUninitMem, A::ConstSize}));
  out.push_back(make_proto("bpf_strncmp", kHelperStrncmp, bpf_strncmp, R::Integer,
                           {A::PtrToMem, A::ConstSize, A::PtrToConstStr}));
}

}  // namespace decade
