// SPDX-License-Identifier: Apache-2.0
// `decade trace`: the programs of tests/cli/trace/trace.bpf.c run inside
// tests/cli/trace/trace_target.c, attached by ptrace (--pid) or at start
// (-- CMD), on both engines. Every wait is bounded: a child still running
// at its deadline is killed and the test fails.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/cli_test_util.hpp"

namespace {

#ifdef DECADE_TRACE_TARGET

using Clock = std::chrono::steady_clock;

// A child process whose stdout and stderr the test reads.
class Proc {
 public:
  explicit Proc(std::vector<std::string> argv) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(p[1], 1);
      dup2(p[1], 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(p[1]);
    fd_ = p[0];
  }
  ~Proc() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  pid_t pid() const { return pid_; }
  const std::string& out() const { return out_; }

  // Reads until `done(out)` holds or the deadline passes; whether it held.
  bool read_until(const std::function<bool(const std::string&)>& done, int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done(out_)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, int(left)) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) return done(out_);
      out_.append(buf, size_t(n));
    }
    return true;
  }
  // Reads to the end of output and reaps; the exit code, -1 on timeout or a signal.
  int finish(int timeout_ms) {
    read_until([](const std::string&) { return false; }, timeout_ms);
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) return -1;
      usleep(10'000);
    }
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
  std::string out_;
};

const std::string kDecade = std::string(DECADE_BINARY_DIR) + "/decade";
const std::string kTarget = DECADE_TRACE_TARGET;

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The value of key `key` in the printed `counts` hash map, -1 when absent.
long count_in_dump(const std::string& out, int key) {
  std::smatch m;
  const std::regex re("\"key\": " + std::to_string(key) + ",\\s*\"value\": (\\d+)");
  return std::regex_search(out, m, re) ? std::stol(m[1]) : -1;
}

// `decade ARGS` to the end, bounded: its exit code (-1 on timeout) and output.
Out run_decade(std::vector<std::string> args) {
  args.insert(args.begin(), kDecade);
  Proc p(std::move(args));
  Out r;
  r.code = p.finish(60'000);
  r.out = p.out();
  return r;
}

bool has_ring_and_trace(const std::string& s) {
  return s.find("events: 01 00 00 00") != std::string::npos && s.find("trace: tick ") != std::string::npos;
}

// -- CMD: the target runs 300 iterations with every probe attached from its
// first instruction, so the counts are exact; its exit ends the session.
TEST(Trace, CommandCountsExactlyAndPrintsMapsWhenTargetExits) {
  for (const char* engine : {"interp", "jit"}) {
    SCOPED_TRACE(engine);
    Proc cli({kDecade, "trace", obj("cli/trace/trace.bpf.o"), "--engine", engine, "--", kTarget, "300", "0"});
    ASSERT_EQ(cli.finish(60'000), 0) << cli.out();
    const std::string& out = cli.out();
    EXPECT_NE(out.find("ok 300"), std::string::npos) << out;  // every traced_add returned the right sum
    EXPECT_NE(out.find("exited"), std::string::npos) << out;
    EXPECT_EQ(count_in_dump(out, 0), 300) << out;  // entries
    EXPECT_EQ(count_in_dump(out, 1), 300) << out;  // returns
    EXPECT_EQ(count_in_dump(out, 2), 300) << out;  // USDT hits
    EXPECT_EQ(count_in_dump(out, 3), -1) << out;   // no wrong sum seen by the USDT arguments
    EXPECT_EQ(count_of(out, "events: 01 00 00 00"), 300u) << out;
    EXPECT_EQ(count_of(out, "trace: tick "), 300u) << out;
    EXPECT_NE(out.find("trace: tick 299\n"), std::string::npos) << out;
  }
}

// --pid: records and printk lines are printed while the target runs;
// Ctrl-C detaches and prints the maps; the target runs on, unharmed.
TEST(Trace, PidStreamsThenSigintDetachesAndTargetRunsOn) {
  for (const char* engine : {"interp", "jit"}) {
    SCOPED_TRACE(engine);
    Proc target({kTarget, "0", "2000"});
    ASSERT_TRUE(target.read_until([](const std::string& s) { return s.find("ready ") != std::string::npos; }, 10'000));
    Proc cli({kDecade, "trace", obj("cli/trace/trace.bpf.o"), "--engine", engine, "--pid", std::to_string(target.pid())});
    ASSERT_TRUE(cli.read_until(has_ring_and_trace, 30'000)) << cli.out();
    kill(cli.pid(), SIGINT);
    ASSERT_EQ(cli.finish(30'000), 0) << cli.out();
    const std::string& out = cli.out();
    EXPECT_NE(out.find("detached from pid"), std::string::npos) << out;
    // Programs attach and detach one after another while the target runs:
    // these counts are not exact (the -- CMD test's are).
    EXPECT_GT(count_in_dump(out, 0), 0) << out;
    EXPECT_GT(count_in_dump(out, 2), 0) << out;
    EXPECT_EQ(count_in_dump(out, 3), -1) << out;
    // Still running, still right: a few more iterations, then a clean exit.
    usleep(50'000);
    ASSERT_EQ(kill(target.pid(), 0), 0);
    kill(target.pid(), SIGUSR1);
    EXPECT_EQ(target.finish(10'000), 0) << target.out();
    EXPECT_NE(target.out().find("ok "), std::string::npos) << target.out();
    EXPECT_EQ(target.out().find("WRONG"), std::string::npos) << target.out();
  }
}

// Attaching to the same process twice in a row works: the agent stays
// loaded after a detach and starts a new session.
TEST(Trace, PidAttachesAgainAfterDetach) {
  Proc target({kTarget, "0", "2000"});
  ASSERT_TRUE(target.read_until([](const std::string& s) { return s.find("ready ") != std::string::npos; }, 10'000));
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    Proc cli({kDecade, "trace", obj("cli/trace/trace.bpf.o"), "--pid", std::to_string(target.pid())});
    ASSERT_TRUE(cli.read_until(has_ring_and_trace, 30'000)) << cli.out();
    kill(cli.pid(), SIGINT);
    ASSERT_EQ(cli.finish(30'000), 0) << cli.out();
  }
  kill(target.pid(), SIGUSR1);
  EXPECT_EQ(target.finish(10'000), 0) << target.out();
}

// A target that spends most of its time inside libc's allocator is
// stopped where the injected dlopen cannot re-enter it (outside libc and
// ld.so, or in a system call): it is attached, detached and runs on.
TEST(Trace, PidAttachesToATargetBusyInMalloc) {
  Proc target({kTarget, "0", "0", "malloc"});
  ASSERT_TRUE(target.read_until([](const std::string& s) { return s.find("ready ") != std::string::npos; }, 10'000));
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    Proc cli({kDecade, "trace", obj("cli/trace/trace.bpf.o"), "--pid", std::to_string(target.pid())});
    ASSERT_TRUE(cli.read_until(has_ring_and_trace, 30'000)) << cli.out();
    kill(cli.pid(), SIGINT);
    ASSERT_EQ(cli.finish(30'000), 0) << cli.out();
  }
  ASSERT_EQ(kill(target.pid(), 0), 0);
  kill(target.pid(), SIGUSR1);
  EXPECT_EQ(target.finish(10'000), 0) << target.out();
  EXPECT_NE(target.out().find("ok "), std::string::npos) << target.out();
  EXPECT_EQ(target.out().find("WRONG"), std::string::npos) << target.out();
}

// The target exiting under --pid ends the session with the maps printed.
TEST(Trace, PidTargetExitPrintsMaps) {
  Proc target({kTarget, "0", "2000"});
  ASSERT_TRUE(target.read_until([](const std::string& s) { return s.find("ready ") != std::string::npos; }, 10'000));
  Proc cli({kDecade, "trace", obj("cli/trace/trace.bpf.o"), "--pid", std::to_string(target.pid())});
  ASSERT_TRUE(cli.read_until(has_ring_and_trace, 30'000)) << cli.out();
  kill(target.pid(), SIGUSR1);
  EXPECT_EQ(target.finish(10'000), 0) << target.out();
  ASSERT_EQ(cli.finish(30'000), 0) << cli.out();
  EXPECT_NE(cli.out().find("exited"), std::string::npos) << cli.out();
  EXPECT_GT(count_in_dump(cli.out(), 0), 0) << cli.out();
}

TEST(Trace, NoSuchPid) {
  const Out r = run_decade({"trace", obj("cli/trace/trace.bpf.o"), "--pid", "999999999"});
  EXPECT_GT(r.code, 0);
  EXPECT_NE(r.out.find("E809 "), std::string::npos) << r.out;
}

// A missing function is reported with its code; the target is left alone.
TEST(Trace, MissingFunctionIsReportedWithItsCode) {
  const Out r = run_decade({"trace", obj("cli/trace/trace_bad_func.bpf.o"), "--", kTarget, "0", "1000"});
  EXPECT_GT(r.code, 0);
  EXPECT_NE(r.out.find("E800 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no_such_function"), std::string::npos) << r.out;

  Proc target({kTarget, "0", "2000"});
  ASSERT_TRUE(target.read_until([](const std::string& s) { return s.find("ready ") != std::string::npos; }, 10'000));
  const Out p = run_decade({"trace", obj("cli/trace/trace_bad_func.bpf.o"), "--pid", std::to_string(target.pid())});
  EXPECT_GT(p.code, 0);
  EXPECT_NE(p.out.find("E800 "), std::string::npos) << p.out;
  kill(target.pid(), SIGUSR1);
  EXPECT_EQ(target.finish(10'000), 0) << target.out();
  EXPECT_EQ(target.out().find("WRONG"), std::string::npos) << target.out();
}

// A map that cannot live in shared memory is refused by name, before
// anything is started.
TEST(Trace, UnsharableMapIsRefused) {
  const Out r = run_decade({"trace", obj("cli/trace/trace_bad_map.bpf.o"), "--", kTarget, "1", "0"});
  EXPECT_GT(r.code, 0);
  EXPECT_NE(r.out.find("E607 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pending"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ready "), std::string::npos) << r.out;
}

#endif  // DECADE_TRACE_TARGET

}  // namespace
