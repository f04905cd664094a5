// SPDX-License-Identifier: Apache-2.0
// inject_agent: see inject.hpp. The remote calls return to address 0: the
// fault there (SIGSEGV with rip 0) is the tracer's sign that the call is
// over; the signal is never delivered.
#include "cli/inject.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace decade::cli {
namespace {

#if defined(__x86_64__)

using Clock = std::chrono::steady_clock;

Unexpected<Error> inject_error(std::string msg) { return make_error(ErrorCode::ProbeInjectFailed, std::move(msg)); }

// Where `symbol` of this process's libc is in `pid`: the same file (same
// device and inode) mapped there, at the same offset from its first mapping.
Result<uint64_t> remote_symbol(pid_t pid, const char* symbol) {
  void* local = dlsym(RTLD_DEFAULT, symbol);
  Dl_info info{};
  struct stat st{};
  if (!local || !dladdr(local, &info) || !info.dli_fname || stat(info.dli_fname, &st) != 0)
    return inject_error(fmt::format("'{}' is not found in this process's libc (glibc 2.34 or later is needed)", symbol));
  const uint64_t offset = reinterpret_cast<uint64_t>(local) - reinterpret_cast<uint64_t>(info.dli_fbase);
  std::ifstream maps(fmt::format("/proc/{}/maps", pid));
  if (!maps) return make_error(ErrorCode::ProbeNoProcess, fmt::format("no process {}", pid));
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms, off, dev;
    uint64_t inode = 0;
    in >> range >> perms >> off >> dev >> inode;
    if (inode != st.st_ino || std::stoull(off, nullptr, 16) != 0) continue;
    const unsigned major = std::stoul(dev.substr(0, dev.find(':')), nullptr, 16);
    const unsigned minor = std::stoul(dev.substr(dev.find(':') + 1), nullptr, 16);
    if (makedev(major, minor) != st.st_dev) continue;
    return std::stoull(range.substr(0, range.find('-')), nullptr, 16) + offset;
  }
  return inject_error(fmt::format("process {} does not map {} (another libc?)", pid, info.dli_fname));
}

// The executable mappings of libc and the dynamic loader in `pid`.
std::vector<std::pair<uint64_t, uint64_t>> loader_text(pid_t pid) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  std::ifstream maps(fmt::format("/proc/{}/maps", pid));
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms, off, dev, inode, path;
    in >> range >> perms >> off >> dev >> inode >> path;
    const std::string base = path.substr(path.rfind('/') + 1);
    if (perms.size() < 3 || perms[2] != 'x') continue;
    if (!base.starts_with("libc.so") && !base.starts_with("ld-linux") && !base.starts_with("libc-")) continue;
    const size_t dash = range.find('-');
    out.emplace_back(std::stoull(range.substr(0, dash), nullptr, 16), std::stoull(range.substr(dash + 1), nullptr, 16));
  }
  return out;
}

class Tracee {
 public:
  explicit Tracee(pid_t pid, int timeout_ms) : pid_(pid), timeout_(timeout_ms) {}
  ~Tracee() {
    if (!seized_) return;
    if (saved_) {  // put the thread back as it was, whatever happened
      (void)ptrace(PTRACE_SETREGS, pid_, nullptr, &regs_);
      iovec iov{xstate_.data(), xstate_len_};
      (void)ptrace(PTRACE_SETREGSET, pid_, NT_X86_XSTATE, &iov);
    }
    (void)ptrace(PTRACE_DETACH, pid_, nullptr, reinterpret_cast<void*>(intptr_t(pending_signal_)));
  }

  // Stops the thread where a call into the dynamic loader cannot wait for
  // a lock the thread itself holds: outside the text of libc and ld.so, or
  // blocked in a system call. A thread stopped inside them (in malloc, say)
  // runs on for a millisecond and is stopped again; one that never leaves
  // them is refused, and left running as it was.
  Status stop(const std::vector<std::pair<uint64_t, uint64_t>>& unsafe) {
    if (ptrace(PTRACE_SEIZE, pid_, nullptr, nullptr) != 0)
      return errno == ESRCH ? make_error(ErrorCode::ProbeNoProcess, fmt::format("no process {}", pid_))
                            : inject_error(fmt::format("ptrace(PTRACE_SEIZE, {}): {}", pid_, std::strerror(errno)));
    seized_ = true;
    constexpr int kTries = 500;
    for (int tries = 0;; ++tries) {
      if (auto s = interrupt(); !s) return s;
      if (ptrace(PTRACE_GETREGS, pid_, nullptr, &regs_) != 0)
        return inject_error(fmt::format("ptrace(PTRACE_GETREGS): {}", std::strerror(errno)));
      const bool in_syscall = regs_.orig_rax != uint64_t(-1);
      const bool in_libc = std::any_of(unsafe.begin(), unsafe.end(),
                                       [&](const auto& r) { return regs_.rip >= r.first && regs_.rip < r.second; });
      if (in_syscall || !in_libc) break;
      if (tries == kTries)
        return inject_error(fmt::format("process {} stayed inside libc or the dynamic loader for {} stops; not injecting "
                                        "where it may hold their locks (try again)", pid_, kTries));
      // Let it run on (with the signal that stopped it, if one did).
      const long sig = pending_signal_;
      pending_signal_ = 0;
      if (ptrace(PTRACE_CONT, pid_, nullptr, reinterpret_cast<void*>(sig)) != 0)
        return inject_error(fmt::format("ptrace(PTRACE_CONT): {}", std::strerror(errno)));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    xstate_.resize(16384);
    iovec iov{xstate_.data(), xstate_.size()};
    if (ptrace(PTRACE_GETREGSET, pid_, NT_X86_XSTATE, &iov) != 0)
      return inject_error(fmt::format("ptrace(PTRACE_GETREGSET): {}", std::strerror(errno)));
    xstate_len_ = iov.iov_len;
    saved_ = true;
    return ok();
  }

  // Writes `bytes` below the saved stack pointer's red zone; returns where.
  Result<uint64_t> put_strings(const std::string& bytes) {
    scratch_ = (regs_.rsp - 128 - bytes.size()) & ~uint64_t{15};
    const int fd = open(fmt::format("/proc/{}/mem", pid_).c_str(), O_RDWR | O_CLOEXEC);
    const bool written = fd >= 0 && pwrite(fd, bytes.data(), bytes.size(), off_t(scratch_)) == ssize_t(bytes.size());
    if (fd >= 0) close(fd);
    if (!written) return inject_error(fmt::format("writing process {}'s stack: {}", pid_, std::strerror(errno)));
    return scratch_;
  }

  std::string read_string(uint64_t at) {
    char buf[512] = {};
    const int fd = open(fmt::format("/proc/{}/mem", pid_).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)pread(fd, buf, sizeof buf - 1, off_t(at));
      close(fd);
    }
    return buf;
  }

  // Calls fn(a0, a1) on the stopped thread; its rax.
  Result<uint64_t> call(uint64_t fn, uint64_t a0, uint64_t a1) {
    user_regs_struct r = regs_;
    const uint64_t zero = 0;
    r.rsp = scratch_ - 8;  // scratch_ is 16-aligned: at entry rsp + 8 is, as the ABI wants
    if (ptrace(PTRACE_POKEDATA, pid_, reinterpret_cast<void*>(r.rsp), reinterpret_cast<void*>(zero)) != 0)
      return inject_error(fmt::format("writing the return address: {}", std::strerror(errno)));
    r.rip = fn;
    r.rdi = a0;
    r.rsi = a1;
    r.rax = 0;
    r.orig_rax = uint64_t(-1);  // no system call restart while our call runs
    if (ptrace(PTRACE_SETREGS, pid_, nullptr, &r) != 0 || ptrace(PTRACE_CONT, pid_, nullptr, nullptr) != 0)
      return inject_error(fmt::format("ptrace: {}", std::strerror(errno)));
    for (;;) {
      int status = 0;
      if (auto s = wait_stop(&status); !s) return std::unexpected(s.error());
      const int sig = WSTOPSIG(status);
      if (status >> 16 == 0 && sig == SIGSEGV) {
        if (ptrace(PTRACE_GETREGS, pid_, nullptr, &r) != 0)
          return inject_error(fmt::format("ptrace(PTRACE_GETREGS): {}", std::strerror(errno)));
        if (r.rip == 0) return r.rax;
        return inject_error(fmt::format("process {} faulted at {:#x} during the injection", pid_, r.rip));
      }
      // Group stops and interrupts resume; other signals are delivered.
      const long deliver = status >> 16 == 0 && sig != SIGTRAP ? sig : 0;
      if (ptrace(PTRACE_CONT, pid_, nullptr, reinterpret_cast<void*>(deliver)) != 0)
        return inject_error(fmt::format("ptrace(PTRACE_CONT): {}", std::strerror(errno)));
    }
  }

 private:
  Status interrupt() {
    if (ptrace(PTRACE_INTERRUPT, pid_, nullptr, nullptr) != 0)
      return inject_error(fmt::format("ptrace(PTRACE_INTERRUPT, {}): {}", pid_, std::strerror(errno)));
    int status = 0;
    if (auto s = wait_stop(&status); !s) return s;
    // A signal arriving first stops the thread for its delivery: keep it
    // and deliver it on detach.
    if (status >> 16 == 0 && WSTOPSIG(status) != SIGTRAP) pending_signal_ = WSTOPSIG(status);
    return ok();
  }

  Status wait_stop(int* status) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_);
    for (;;) {
      const pid_t r = waitpid(pid_, status, __WALL | WNOHANG);
      if (r == pid_) {
        if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
          seized_ = false;
          return make_error(ErrorCode::ProbeNoProcess, fmt::format("process {} exited during the injection", pid_));
        }
        return ok();
      }
      if (r < 0) return inject_error(fmt::format("waitpid({}): {}", pid_, std::strerror(errno)));
      if (Clock::now() > deadline)
        return inject_error(fmt::format("process {} did not stop or return within {} ms", pid_, timeout_));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  const pid_t pid_;
  const int timeout_;
  bool seized_ = false, saved_ = false;
  int pending_signal_ = 0;
  user_regs_struct regs_{};
  std::vector<uint8_t> xstate_;
  size_t xstate_len_ = 0;
  uint64_t scratch_ = 0;
};

#endif

}  // namespace

Status inject_agent(pid_t pid, const std::string& agent, const std::string& socket_name, int timeout_ms) {
#if !defined(__x86_64__)
  (void)pid, (void)agent, (void)socket_name, (void)timeout_ms;
  return make_error(ErrorCode::Unsupported, "decade trace --pid needs x86-64");
#else
  if (kill(pid, 0) != 0 && errno == ESRCH) return make_error(ErrorCode::ProbeNoProcess, fmt::format("no process {}", pid));
  auto dlopen_at = remote_symbol(pid, "dlopen");
  auto dlsym_at = dlopen_at ? remote_symbol(pid, "dlsym") : dlopen_at;
  auto dlerror_at = dlsym_at ? remote_symbol(pid, "dlerror") : dlsym_at;
  if (!dlerror_at) return std::unexpected(dlerror_at.error());
  Tracee t(pid, timeout_ms);
  if (auto s = t.stop(loader_text(pid)); !s) return s;
  // agent\0decade_agent_start\0socket_name\0
  const std::string start_sym = "decade_agent_start";
  std::string bytes = agent + '\0' + start_sym + '\0' + socket_name + '\0';
  auto at = t.put_strings(bytes);
  if (!at) return std::unexpected(at.error());
  const uint64_t sym_at = *at + agent.size() + 1, name_at = sym_at + start_sym.size() + 1;
  auto handle = t.call(*dlopen_at, *at, RTLD_NOW);
  if (!handle) return std::unexpected(handle.error());
  if (*handle == 0) {
    auto msg = t.call(*dlerror_at, 0, 0);
    return inject_error(fmt::format("dlopen('{}') in process {} failed: {}", agent, pid,
                                    msg && *msg ? t.read_string(*msg) : std::string("no reason given")));
  }
  auto fn = t.call(*dlsym_at, *handle, sym_at);
  if (!fn) return std::unexpected(fn.error());
  if (*fn == 0) return inject_error(fmt::format("'{}' has no {}", agent, start_sym));
  auto rc = t.call(*fn, name_at, 0);
  if (!rc) return std::unexpected(rc.error());
  if (int(*rc) != 0)
    return inject_error(fmt::format("the agent in process {} did not start (a trace session is attached there already, or the socket is unreachable)", pid));
  return ok();
#endif
}

}  // namespace decade::cli
