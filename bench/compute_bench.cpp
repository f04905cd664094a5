// SPDX-License-Identifier: Apache-2.0
// Compute benchmarks: every program of bench/progs/ natively (gcc -O2),
// under Decade's interpreter and JIT (the raw object through the embedding
// API, BpfProgram::test_run), and under the kernel's JIT (bpftool) when
// bpf() is allowed. Prints ns per run, the ratios JIT/native, interp/JIT
// and kernel/native, and their geometric means. Results of every engine
// are checked against native (low 32 bits); a mismatch fails the run.
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "compute_programs.hpp"
#include "decade/decade.hpp"
#include "kernel_runner.hpp"

namespace decade::bench {
namespace {

struct Options {
  bool smoke = false;     // a few runs each, no calibration: keeps the code alive in `make test`
  bool kernel = true;     // also run under the kernel's JIT when possible
  std::string dir = DECADE_BENCH_BPF_DIR;
  std::string only;       // run one program
  double min_ms = 200;    // each measurement lasts at least this long
  int trials = 3;         // best of
  uint64_t verifier_budget = 0;  // Decade's verifier: processed instructions per program (0 = 1M, the kernel's)
  // When the verifier rejects a program, measure it anyway with every memory
  // access checked at run time (the named bypass); such cells are marked *
  // and left out of the geometric means.
  bool checked_fallback = true;
  // Run every program unverified with run-time checks (--all-checked): the
  // cost of checking every access, counted in the geometric means.
  bool all_checked = false;
};

// One engine's measurement of one program.
struct Cell {
  std::optional<double> ns;
  uint64_t retval = 0;
  std::string error;
  bool checked = false;  // ran unverified, with run-time checks
};

std::vector<uint8_t> bench_input() {
  std::vector<uint8_t> mem(kBenchMem);
  uint64_t x = 0x9e3779b97f4a7c15ull;  // xorshift64, fixed seed: every engine sees the same bytes
  for (auto& b : mem) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<uint8_t>(x >> 24);
  }
  return mem;
}

// CPU time of this thread. The machine is shared: wall time would count the
// time other processes hold the CPU. The kernel's test run likewise stops
// its clock while the runner is rescheduled (bpf_test_timer_continue).
double now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Runs needed for about min_ms, from the cost of one run.
uint32_t runs_for(const Options& o, double ns_per_run) {
  if (o.smoke) return 3;
  double n = o.min_ms * 1e6 / std::max(ns_per_run, 1.0);
  return static_cast<uint32_t>(std::clamp(n, 1.0, 1e8));
}

Cell measure_native(const Options& o, const ComputeProgram& p, std::vector<uint8_t> mem) {
  Cell c;
  volatile uint64_t sink = 0;
  double t0 = now_ns();
  c.retval = p.native(mem.data(), mem.size());
  double one = now_ns() - t0;
  const uint32_t runs = runs_for(o, one);
  for (int t = 0; t < (o.smoke ? 1 : o.trials); ++t) {
    double start = now_ns();
    for (uint32_t i = 0; i < runs; ++i) sink = sink + p.native(mem.data(), mem.size());
    double per = (now_ns() - start) / runs;
    c.ns = c.ns ? std::min(*c.ns, per) : per;
  }
  return c;
}

Cell measure_engine(const Options& o, const ComputeProgram& p, const std::string& engine,
                    const std::vector<uint8_t>& mem) {
  Cell c;
  auto obj = BpfObject::open(o.dir + "/" + p.name + ".bpf.o");
  if (!obj) return c.error = obj.error().to_string(), c;
  if (o.all_checked) {
    if (auto s = obj->load({.engine = engine, .unverified_checked_execution = true}); !s)
      return c.error = s.error().to_string(), c;
    c.checked = true;
  } else if (auto s = obj->load({.engine = engine, .max_verifier_insns = o.verifier_budget}); !s) {
    c.error = s.error().to_string();
    if (!o.checked_fallback) return c;
    obj = BpfObject::open(o.dir + "/" + p.name + ".bpf.o");
    if (!obj) return c;
    if (auto s2 = obj->load({.engine = engine, .unverified_checked_execution = true}); !s2)
      return c.error += "; unverified: " + s2.error().to_string(), c;
    c.checked = true;
  }
  auto prog = obj->program(p.name);
  if (!prog) return c.error = prog.error().to_string(), c;
  double t0 = now_ns();
  auto first = prog->test_run({.data = mem, .repeat = 1});
  double one = now_ns() - t0;
  if (!first) return c.error = first.error().to_string(), c;
  c.retval = first->retval;
  const uint32_t runs = runs_for(o, one);
  for (int t = 0; t < (o.smoke ? 1 : o.trials); ++t) {
    // Thread CPU time around the whole call (test_run's own duration is wall
    // time); its one-off setup is spread over `runs` runs.
    double start = now_ns();
    auto r = prog->test_run({.data = mem, .repeat = runs});
    double per = (now_ns() - start) / runs;
    if (!r) return c.error = r.error().to_string(), c;
    c.ns = c.ns ? std::min(*c.ns, per) : per;
  }
  return c;
}

Cell measure_kernel(const Options& o, const ComputeProgram& p, const std::string& data_file) {
  Cell c;
  const std::string obj = o.dir + "/" + p.name + ".kern.o";
  KernelRun first = run_in_kernel(obj, p.name, data_file, 1);
  if (!first.ok) return c.error = first.error, c;
  c.retval = first.retval;
  // One run's figure includes bpftool's setup noise; 1000 runs calibrate.
  KernelRun cal = run_in_kernel(obj, p.name, data_file, o.smoke ? 3 : 1000);
  if (!cal.ok) return c.error = cal.error, c;
  const uint32_t runs = runs_for(o, cal.ns);
  for (int t = 0; t < (o.smoke ? 1 : o.trials); ++t) {
    KernelRun r = run_in_kernel(obj, p.name, data_file, runs);
    if (!r.ok) return c.error = r.error, c;
    c.ns = c.ns ? std::min(*c.ns, r.ns) : r.ns;
  }
  return c;
}

std::string cell_text(const Cell& c) {
  return c.ns ? fmt::format("{:.0f}{}", *c.ns, c.checked ? "*" : "") : std::string("-");
}

std::string ratio_text(const Cell& a, const Cell& b, std::vector<double>& acc, bool count_checked) {
  if (!a.ns || !b.ns || *b.ns <= 0) return "-";
  double r = *a.ns / *b.ns;
  if ((a.checked || b.checked) && !count_checked) return fmt::format("{:.2f}*", r);
  acc.push_back(r);
  return fmt::format("{:.2f}", r);
}

double geomean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::log(x);
  return v.empty() ? 0 : std::exp(s / static_cast<double>(v.size()));
}

int run(const Options& o) {
  const std::vector<uint8_t> mem = bench_input();
  std::string kernel_why = o.kernel ? kernel_unavailable_reason() : "disabled (--no-kernel)";
  const std::string data_file = fmt::format("/tmp/decade_bench_input_{}.bin", ::getpid());
  if (kernel_why.empty()) std::ofstream(data_file, std::ios::binary).write(reinterpret_cast<const char*>(mem.data()),
                                                                        static_cast<std::streamsize>(mem.size()));
  fmt::print("{:<10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}  {}\n", "program", "native", "jit", "interp",
             "kernel", "jit/nat", "interp/jit", "kernel/nat", "check");
  std::vector<double> jit_nat, interp_jit, kern_nat;
  std::vector<std::string> notes;
  int mismatches = 0;
  for (const ComputeProgram& p : compute_programs()) {
    if (!o.only.empty() && p.name != o.only) continue;
    Cell nat = measure_native(o, p, mem);
    Cell jit = measure_engine(o, p, "jit", mem);
    Cell interp = measure_engine(o, p, "interp", mem);
    Cell kern = kernel_why.empty() ? measure_kernel(o, p, data_file) : Cell{};
    std::string check = "ok";
    const std::pair<const char*, Cell*> engines[] = {{"jit", &jit}, {"interp", &interp}, {"kernel", &kern}};
    for (auto [label, c] : engines) {
      if (!c->error.empty())
        notes.push_back(fmt::format("{} {}{}: {}", p.name, label, c->checked ? " (measured unverified, checked: *)" : "",
                                    c->error.substr(0, c->error.find('\n'))));
      if (c->ns && (c->retval & 0xffffffffu) != (nat.retval & 0xffffffffu)) {
        check = fmt::format("MISMATCH {} {:#x} != {:#x}", label, c->retval, nat.retval);
        ++mismatches;
      }
    }
    fmt::print("{:<10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}  {}\n", p.name, cell_text(nat),
               cell_text(jit), cell_text(interp), cell_text(kern), ratio_text(jit, nat, jit_nat, o.all_checked),
               ratio_text(interp, jit, interp_jit, o.all_checked), ratio_text(kern, nat, kern_nat, o.all_checked), check);
    std::fflush(stdout);
  }
  auto gm = [](const std::vector<double>& v) { return v.empty() ? std::string("-") : fmt::format("{:.2f}", geomean(v)); };
  fmt::print("{:<10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}\n", "geomean", "", "", "", "", gm(jit_nat),
             gm(interp_jit), gm(kern_nat));
  fmt::print("ns per run, CPU time, best of {}; native = gcc -O2; kernel = Linux JIT via bpftool prog run{}\n"
             "{}\n",
             o.smoke ? 1 : o.trials, kernel_why.empty() ? "" : " (not run: " + kernel_why + ")",
             o.all_checked ? "* = run unverified with every access checked at run time (--all-checked); in the geometric means"
                           : "* = rejected by Decade's verifier, run unverified with run-time checks; not in the geometric means");
  for (const auto& n : notes) fmt::print("note: {}\n", n);
  if (kernel_why.empty()) std::remove(data_file.c_str());
  return mismatches ? 1 : 0;
}

}  // namespace
}  // namespace decade::bench

int main(int argc, char** argv) {
  decade::bench::Options o;
  CLI::App app{"Decade compute benchmarks: native vs interpreter vs JIT vs kernel JIT", "bench_compute"};
  app.add_flag("--smoke", o.smoke, "a few runs of each, no timing (for make test)");
  app.add_flag("!--no-kernel", o.kernel, "do not run the kernel's JIT");
  app.add_option("--dir", o.dir, "directory with NAME.bpf.o and NAME.kern.o");
  app.add_option("--only", o.only, "run only this program");
  app.add_option("--min-ms", o.min_ms, "minimum duration of one measurement, ms");
  app.add_option("--verifier-budget", o.verifier_budget, "instructions Decade's verifier may process per program (0 = 1M)");
  app.add_flag("!--no-checked-fallback", o.checked_fallback, "leave programs the verifier rejects unmeasured");
  app.add_flag("--all-checked", o.all_checked, "run every program unverified, every memory access checked at run time");
  app.add_option("--trials", o.trials, "measurements per cell (the best is kept)")->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  return decade::bench::run(o);
}
