// SPDX-License-Identifier: Apache-2.0
// Cancellation latency (docs/runtime-control.md): the time from
// CancelToken::cancel() on one thread to test_run returning on another, and
// from a run's deadline to its return, for each engine and for a program
// stopped at back-edges of its own code and one stopped between bpf_loop
// callbacks. Prints the median, 99th percentile and worst case in
// microseconds. The overhead of the checks on running programs is measured
// with bench_compute against a build without them (docs/runtime-control.md).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "decade/decade.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using decade::BpfObject;

double us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Stats {
  double median = 0, p99 = 0, worst = 0;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stats s;
  if (v.empty()) return s;
  s.median = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  s.worst = v.back();
  return s;
}

// One run stopped by a token `delay` after it starts: the cancel-to-return time.
double cancel_once(const decade::BpfProgram& prog, std::chrono::microseconds delay, bool& ok) {
  decade::CancelToken token;
  Clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(delay);
    cancelled_at = Clock::now();
    token.cancel();
  });
  auto r = prog.test_run({.cancel = &token});
  const auto returned = Clock::now();
  canceller.join();
  ok = !r && r.error().code == decade::ErrorCode::ExecCancelled;
  return us(returned - cancelled_at);
}

// One run with a deadline: how long after the deadline it returned.
double deadline_once(const decade::BpfProgram& prog, std::chrono::microseconds timeout, bool& ok) {
  const auto t0 = Clock::now();
  auto r = prog.test_run({.timeout_ns = static_cast<uint64_t>(timeout.count()) * 1000});
  const auto returned = Clock::now();
  ok = !r && r.error().code == decade::ErrorCode::ExecTimeout;
  return us(returned - (t0 + timeout));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_cancel: cancellation and deadline latency"};
  int runs = 200;
  bool smoke = false;
  app.add_option("--runs", runs, "stopped runs per cell")->check(CLI::Range(1, 100000));
  app.add_flag("--smoke", smoke, "a few runs of each (for make test)");
  CLI11_PARSE(app, argc, argv);
  if (smoke) runs = 3;
  const std::string path = std::string(DECADE_BENCH_CANCEL_PROGS) + "/cancel_loop.bpf.o";
  std::mt19937 rng(1);
  std::printf("%-7s %-11s %-8s %10s %10s %10s  (us, %d runs)\n", "engine", "program", "stop", "median", "p99", "worst",
              runs);
  int failures = 0;
  for (const char* engine : {"interp", "jit"}) {
    auto obj = BpfObject::open(path);
    if (!obj || !obj->load({.engine = engine})) {
      std::fprintf(stderr, "cannot load %s with %s\n", path.c_str(), engine);
      return 1;
    }
    for (const char* name : {"back_edges", "callbacks"}) {
      auto prog = obj->program(name);
      if (!prog) return 1;
      for (bool deadline : {false, true}) {
        std::vector<double> lat;
        for (int i = 0; i < runs; ++i) {
          bool ok = false;
          const auto d = std::chrono::microseconds(500 + rng() % 1500);
          lat.push_back(deadline ? deadline_once(*prog, d, ok) : cancel_once(*prog, d, ok));
          if (!ok) ++failures;
        }
        const Stats s = stats(lat);
        std::printf("%-7s %-11s %-8s %10.1f %10.1f %10.1f\n", engine, name, deadline ? "deadline" : "cancel", s.median,
                    s.p99, s.worst);
      }
    }
  }
  if (failures) std::fprintf(stderr, "%d runs did not end with the expected error\n", failures);
  return failures ? 1 : 0;
}
