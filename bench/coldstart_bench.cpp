// SPDX-License-Identifier: Apache-2.0
// Cold start of the command line: a fresh `decade verify` and `decade run`
// of a small program, each a new process, timed from spawn to exit, beside
// the machine's floor (/bin/true, the same spawn and wait) and `decade
// --version` (the process and its libraries, no command). Issue's aim: at
// most 2 ms of wall time per command (docs/cli.md, "Cold start").
//
//   bench_coldstart [--decade PATH] [--verify-obj OBJ] [--run-obj OBJ]
//                   [--runs N] [--smoke] [--compare PATH]
//
// --compare PATH adds the same three commands of another build of the
// executable (an older one, say), interleaved with the first in every
// round, so that a comparison on a machine whose load varies is fair.
//
// Prints, per command, the minimum, median and 90th percentile of the wall
// time (ms), the median CPU time of the child (user + system, ms) and its
// median count of page faults (traps, as `perf stat -e page-faults`
// counts them; "-" when perf_event_open is refused), then the median wall time above
// /bin/true's (ms) and as a ratio to it. Exit 1 when a command fails (its
// exit status is checked on every run), never because of a time.
#include <fcntl.h>
#include <linux/perf_event.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Sample {
  double wall_ms;
  double cpu_ms;
  double faults;  // page-fault traps of the child; -1 when not counted
};

// Page-fault traps of the processes started while it is enabled (the
// kernel's software event, what `perf stat -e page-faults` counts; pages
// mapped by madvise(MADV_POPULATE_*) are not traps). Inherited by the
// child, whose count joins this one when it exits. Unavailable (-1) when
// perf_event_open is refused.
class FaultCounter {
 public:
  FaultCounter() {
    for (int exclude_kernel = 0; exclude_kernel <= 1 && fd_ < 0; ++exclude_kernel) {
      perf_event_attr attr{};
      attr.size = sizeof attr;
      attr.type = PERF_TYPE_SOFTWARE;
      attr.config = PERF_COUNT_SW_PAGE_FAULTS;
      attr.disabled = 1;
      attr.inherit = 1;
      attr.exclude_kernel = static_cast<unsigned>(exclude_kernel);
      attr.exclude_hv = 1;
      fd_ = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
    }
  }
  ~FaultCounter() {
    if (fd_ >= 0) close(fd_);
  }
  FaultCounter(const FaultCounter&) = delete;
  FaultCounter& operator=(const FaultCounter&) = delete;
  // The children's counts are never reset, so a run's is a difference.
  void start() {
    if (fd_ < 0) return;
    start_ = value();
    ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0);
  }
  double stop() {
    if (fd_ < 0) return -1;
    ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0);
    const double v = value();
    return v < 0 || start_ < 0 ? -1 : v - start_;
  }

 private:
  double value() const {
    uint64_t n = 0;
    return read(fd_, &n, sizeof n) == static_cast<ssize_t>(sizeof n) ? static_cast<double>(n) : -1;
  }
  int fd_ = -1;
  double start_ = 0;
};

struct Row {
  std::string name;
  std::vector<std::string> argv;
  std::vector<Sample> samples;
};

// One spawn and wait; false when the command did not exit with status 0.
bool run_once(const std::vector<std::string>& argv, FaultCounter& faults, Sample& out, std::string& why) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  faults.start();
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    why = std::string("cannot start ") + argv[0] + ": " + std::strerror(rc);
    return false;
  }
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) != pid) {
    why = std::string("wait4: ") + std::strerror(errno);
    return false;
  }
  auto t1 = std::chrono::steady_clock::now();
  out.faults = faults.stop();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    why = argv[0] + std::string(" exited with status ") +
          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return false;
  }
  auto tv_ms = [](const timeval& tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; };
  out.wall_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  out.cpu_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
  return true;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

bool exists(const std::string& p) { return access(p.c_str(), R_OK) == 0; }

}  // namespace

int main(int argc, char** argv) {
  std::string decade = DECADE_BENCH_CLI;
  std::string verify_obj = DECADE_BENCH_VERIFY_OBJ;
  std::string run_obj = DECADE_BENCH_RUN_OBJ;
  std::string compare;
  int runs = 200;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](const char* what) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_coldstart: %s needs a value\n", what);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--decade") decade = next("--decade");
    else if (a == "--compare") compare = next("--compare");
    else if (a == "--verify-obj") verify_obj = next("--verify-obj");
    else if (a == "--run-obj") run_obj = next("--run-obj");
    else if (a == "--runs") runs = std::atoi(next("--runs").c_str());
    else if (a == "--smoke") runs = 3;
    else {
      std::fprintf(stderr, "usage: bench_coldstart [--decade PATH] [--verify-obj OBJ] [--run-obj OBJ] [--runs N] [--smoke] [--compare PATH]\n");
      return 2;
    }
  }
  if (runs < 1) runs = 1;
  for (const auto& p : {decade, verify_obj, run_obj, compare.empty() ? decade : compare}) {
    if (!exists(p)) {
      std::fprintf(stderr, "bench_coldstart: %s not found (build the project first)\n", p.c_str());
      return 1;
    }
  }

  // A 64-byte packet for the run, in a file of its own.
  char packet_tmpl[] = "/tmp/decade-coldstart-XXXXXX";
  int pfd = mkstemp(packet_tmpl);
  if (pfd < 0) {
    std::fprintf(stderr, "bench_coldstart: mkstemp: %s\n", std::strerror(errno));
    return 1;
  }
  unsigned char bytes[64] = {0};
  bool wrote = write(pfd, bytes, sizeof bytes) == static_cast<ssize_t>(sizeof bytes);
  close(pfd);
  std::string packet = packet_tmpl;
  struct Unlink {
    std::string path;
    ~Unlink() { unlink(path.c_str()); }
  } unlink_packet{packet};
  if (!wrote) {
    std::fprintf(stderr, "bench_coldstart: cannot write %s\n", packet.c_str());
    return 1;
  }

  std::vector<Row> rows = {{"/bin/true (spawn floor)", {"/bin/true"}, {}}};
  auto add_commands = [&](const std::string& exe, const std::string& suffix) {
    rows.push_back({"decade --version" + suffix, {exe, "--version"}, {}});
    rows.push_back({"decade verify (" + verify_obj.substr(verify_obj.rfind('/') + 1) + ")" + suffix,
                    {exe, "verify", verify_obj},
                    {}});
    rows.push_back({"decade run (" + run_obj.substr(run_obj.rfind('/') + 1) + ", 64-byte packet)" + suffix,
                    {exe, "run", run_obj, "--data", packet},
                    {}});
  };
  add_commands(decade, "");
  if (!compare.empty()) add_commands(compare, " [compare]");
  // One round of every command; the first warms the page cache and is not
  // kept. Rounds interleave the commands so that every row sees the same
  // machine.
  FaultCounter fault_counter;
  auto round = [&rows, &fault_counter](bool keep) {
    for (auto& r : rows) {
      Sample s{};
      std::string why;
      if (!run_once(r.argv, fault_counter, s, why)) {
        std::fprintf(stderr, "bench_coldstart: %s\n", why.c_str());
        return false;
      }
      if (keep) r.samples.push_back(s);
    }
    return true;
  };
  for (int i = 0; i <= runs; ++i)
    if (!round(i > 0)) return 1;

  double loads[3] = {0, 0, 0};
  if (getloadavg(loads, 3) < 0) loads[0] = loads[1] = loads[2] = -1;
  std::printf("== cold start: a new process per command, %d runs each (load average %.2f %.2f %.2f) ==\n", runs,
              loads[0], loads[1], loads[2]);
  std::printf("%-54s %8s %8s %8s %8s %7s %8s %6s\n", "command", "min ms", "median", "p90", "CPU med", "faults",
              "+ms true", "x true");
  double floor_med = 0;
  for (const auto& r : rows) {
    std::vector<double> wall, cpu, faults;
    for (const auto& s : r.samples) {
      wall.push_back(s.wall_ms);
      cpu.push_back(s.cpu_ms);
      faults.push_back(s.faults);
    }
    double med = quantile(wall, 0.5);
    if (floor_med == 0) floor_med = med;
    const double f = quantile(faults, 0.5);
    const std::string fs = f < 0 ? "-" : std::to_string(static_cast<long>(f));
    std::printf("%-54s %8.3f %8.3f %8.3f %8.3f %7s %8.3f %6.2f\n", r.name.c_str(), quantile(wall, 0.0), med,
                quantile(wall, 0.9), quantile(cpu, 0.5), fs.c_str(), med - floor_med, med / floor_med);
  }
  std::printf("aim: decade verify and decade run at most 2 ms of wall time (median); +ms true and x true: the\n"
              "median above and over /bin/true's, what the command adds to the machine's cost of a process\n");
  return 0;
}
