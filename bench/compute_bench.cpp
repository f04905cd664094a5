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
  std::string only;       // run one program ("entry": only the entry cost)
  std::string entry_obj = DECADE_BENCH_ENTRY_OBJ;
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
  bool load_times = true;  // end with the load-times table
};

// One engine's measurement of one program.
struct Cell {
  std::optional<double> ns;
  uint64_t retval = 0;
  std::string error;
  bool checked = false;  // ran unverified, with run-time checks
};

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

// ---- Entry cost: the fixed cost of one run ----

// An empty XDP program (bench/entry_progs/entry.bpf.c: r0 = XDP_PASS; exit)
// in one test run with `repeat` runs on a 64-byte packet, on both sides:
// Decade's engines (test_run with .repeat: one engine entry, then the
// runs, Executable::run_repeat) timed as each run's mean wall time that
// test_run reports (TestRunResult::duration_ns), and the kernel through
// bpftool (`prog run ... repeat N`: one entry with migration disabled,
// then the runs; the same object), whose duration is the same mean. Like
// with like: neither side enters per run. Best of the trials; the ratios
// are of this one run.
struct EntryRow {
  Cell jit, interp, kernel;
};

Cell measure_entry_decade(const Options& o, const std::string& engine, const std::vector<uint8_t>& pkt, uint32_t repeat) {
  Cell c;
  auto obj = BpfObject::open(o.entry_obj);
  if (!obj) return c.error = obj.error().to_string(), c;
  if (auto s = obj->load({.engine = engine}); !s) return c.error = s.error().to_string(), c;
  auto prog = obj->program("entry");
  if (!prog) return c.error = prog.error().to_string(), c;
  for (int t = 0; t < (o.smoke ? 1 : o.trials); ++t) {
    auto r = prog->test_run({.data = pkt, .repeat = repeat});
    if (!r) return c.error = r.error().to_string(), c;
    c.retval = r->retval;
    const double per = static_cast<double>(r->duration_ns);
    c.ns = c.ns ? std::min(*c.ns, per) : per;
  }
  return c;
}

Cell measure_entry_kernel(const Options& o, const std::string& data_file, uint32_t repeat) {
  Cell c;
  for (int t = 0; t < (o.smoke ? 1 : o.trials); ++t) {
    KernelRun r = run_in_kernel(o.entry_obj, "entry", data_file, repeat);
    if (!r.ok) return c.error = r.error, c;
    c.retval = r.retval;
    c.ns = c.ns ? std::min(*c.ns, r.ns) : r.ns;
  }
  return c;
}

// Prints the table; false when an engine's result is not XDP_PASS.
bool print_entry_cost(const Options& o, const std::string& kernel_why) {
  const std::vector<uint8_t> pkt(64, 0);
  const std::string data_file = fmt::format("/tmp/decade_bench_entry_{}.bin", ::getpid());
  if (kernel_why.empty())
    std::ofstream(data_file, std::ios::binary).write(reinterpret_cast<const char*>(pkt.data()), 64);
  const uint32_t repeat = o.smoke ? 3 : 1'000'000;
  const Cell jit = measure_entry_decade(o, "jit", pkt, repeat);
  const Cell interp = measure_entry_decade(o, "interp", pkt, repeat);
  const Cell kern = kernel_why.empty() ? measure_entry_kernel(o, data_file, repeat) : Cell{};
  if (kernel_why.empty()) std::remove(data_file.c_str());
  fmt::print("\nentry cost: an empty XDP program (2 instructions), one test run with repeat {} on 64 bytes, "
             "ns per run (each side's mean test-run duration: one entry, then the runs; best of {})\n",
             repeat, o.smoke ? 1 : o.trials);
  fmt::print("{:<10} {:>10} {:>10} {:>10} {:>12} {:>14}\n", "program", "jit", "interp", "kernel", "jit/kernel",
             "interp/kernel");
  auto ratio = [](const Cell& a, const Cell& b) {
    return a.ns && b.ns && *b.ns > 0 ? fmt::format("{:.2f}", *a.ns / *b.ns) : std::string("-");
  };
  auto ns = [](const Cell& c) { return c.ns ? fmt::format("{:.1f}", *c.ns) : std::string("-"); };
  fmt::print("{:<10} {:>10} {:>10} {:>10} {:>12} {:>14}\n", "entry", ns(jit), ns(interp), ns(kern), ratio(jit, kern),
             ratio(interp, kern));
  bool ok = true;
  const std::pair<const char*, const Cell*> cells[] = {{"jit", &jit}, {"interp", &interp}, {"kernel", &kern}};
  for (auto [label, c] : cells) {
    if (!c->error.empty()) fmt::print("note: entry {}: {}\n", label, c->error.substr(0, c->error.find('\n')));
    if (c->ns && c->retval != 2) {
      fmt::print("MISMATCH entry {}: returned {}, not XDP_PASS (2)\n", label, c->retval);
      ok = false;
    }
  }
  if (!kernel_why.empty()) fmt::print("kernel not run: {}\n", kernel_why);
  return ok;
}

// ---- Load times: verification and compilation (BpfProgram::load_times) ----

// A straight-line raw program of n instructions (registers set, then ALU
// operations with registers and immediates, 64-bit constants, stack stores
// and loads), the shape of compiled C without its branches: what the cost
// per instruction is once a program is large enough to hide the fixed cost.
std::vector<uint8_t> generated_program(size_t n) {
  std::vector<uint8_t> code;
  auto emit = [&](uint8_t op, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    const uint8_t b[8] = {op,
                          static_cast<uint8_t>(dst | src << 4),
                          static_cast<uint8_t>(off),
                          static_cast<uint8_t>(static_cast<uint16_t>(off) >> 8),
                          static_cast<uint8_t>(imm),
                          static_cast<uint8_t>(imm >> 8),
                          static_cast<uint8_t>(imm >> 16),
                          static_cast<uint8_t>(imm >> 24)};
    code.insert(code.end(), b, b + 8);
  };
  for (uint8_t r = 0; r <= 9; ++r) emit(0xb7, r, 0, 0, r + 1);  // mov rR, R+1
  uint32_t x = 12345;
  const uint8_t alu_reg[] = {0x0f, 0x1f, 0xaf, 0x5f, 0x4f, 0x2f, 0xbf};  // add sub xor and or mul mov
  const uint8_t alu_imm[] = {0x07, 0x17, 0xa7, 0x57, 0x47, 0x67, 0x77, 0x04};  // ... lsh rsh add32
  size_t count = 10;
  while (count + 3 < n) {
    x = x * 1103515245 + 12345;
    const uint8_t d = static_cast<uint8_t>((x >> 8) % 10), s = static_cast<uint8_t>((x >> 16) % 10);
    switch ((x >> 24) % 8) {
      case 0: emit(0x7b, 10, s, static_cast<int16_t>(-8 * (1 + (x >> 4) % 32)), 0); break;  // stxdw [r10-k], rs
      case 1: emit(0x18, d, 0, 0, static_cast<int32_t>(x)), emit(0, 0, 0, 0, 1), ++count; break;  // lddw
      case 2: case 3: emit(alu_reg[(x >> 4) % 7], d, s, 0, 0); break;
      default: emit(alu_imm[(x >> 4) % 8], d, 0, 0, static_cast<int32_t>(1 + (x >> 12) % 31));
    }
    ++count;
  }
  emit(0xb7, 0, 0, 0, 0);  // mov r0, 0
  emit(0x95, 0, 0, 0, 0);  // exit
  return code;
}

// Best of 5 loads per engine: verification and compilation times.
struct LoadRow {
  std::string name;
  size_t insns = 0;
  uint64_t verify_ns = UINT64_MAX;
  uint64_t compile_ns[2] = {UINT64_MAX, UINT64_MAX};  // jit, interp
  std::string error;
};

LoadRow measure_load(const Options& o, const std::string& name, const std::vector<uint8_t>* bytecode) {
  LoadRow row{name};
  const char* engines[2] = {"jit", "interp"};
  for (int e = 0; e < 2; ++e) {
    for (int t = 0; t < (o.smoke ? 1 : 5); ++t) {
      auto obj = bytecode ? BpfObject::from_bytecode(*bytecode, name) : BpfObject::open(o.dir + "/" + name + ".bpf.o");
      if (!obj) return row.error = obj.error().to_string(), row;
      if (auto s = obj->load({.engine = engines[e], .max_verifier_insns = o.verifier_budget}); !s)
        return row.error = s.error().to_string(), row;
      auto prog = obj->program(bytecode ? "" : name);
      if (!prog) return row.error = prog.error().to_string(), row;
      row.insns = prog->insn_count();
      row.verify_ns = std::min(row.verify_ns, prog->load_times().verify_ns);
      row.compile_ns[e] = std::min(row.compile_ns[e], prog->load_times().compile_ns);
    }
  }
  return row;
}

void print_load_times(const Options& o) {
  fmt::print("\nloading: best of {} loads each (BpfProgram::load_times); verification in ms, compilation in "
             "microseconds, in all and per instruction\n",
             o.smoke ? 1 : 5);
  fmt::print("{:<10} {:>7} {:>10} {:>9} {:>12} {:>11} {:>14}\n", "program", "insns", "verify ms", "jit us",
             "jit us/insn", "interp us", "interp us/insn");
  std::vector<LoadRow> rows;
  for (const ComputeProgram& p : compute_programs())
    if (o.only.empty() || p.name == o.only) rows.push_back(measure_load(o, p.name, nullptr));
  const std::vector<uint8_t> big = generated_program(20'000);
  if (o.only.empty()) rows.push_back(measure_load(o, "generated", &big));
  for (const LoadRow& r : rows) {
    if (!r.error.empty()) {
      fmt::print("{:<10} not loaded: {}\n", r.name, r.error.substr(0, r.error.find('\n')));
      continue;
    }
    const double n = static_cast<double>(r.insns);
    fmt::print("{:<10} {:>7} {:>10.2f} {:>9.1f} {:>12.3f} {:>11.1f} {:>14.3f}\n", r.name, r.insns,
               static_cast<double>(r.verify_ns) / 1e6, static_cast<double>(r.compile_ns[0]) / 1e3,
               static_cast<double>(r.compile_ns[0]) / 1e3 / n, static_cast<double>(r.compile_ns[1]) / 1e3,
               static_cast<double>(r.compile_ns[1]) / 1e3 / n);
  }
  fmt::print("generated: {} straight-line instructions (ALU, constants, stack stores), the per-instruction cost "
             "without the fixed cost of a load\n", big.size() / 8);
}

int run(const Options& o) {
  const std::vector<uint8_t> mem = bench_input();
  std::string kernel_why = o.kernel ? kernel_unavailable_reason() : "disabled (--no-kernel)";
  if (o.only == "entry") return print_entry_cost(o, kernel_why) ? 0 : 1;
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
  if (o.only.empty() && !print_entry_cost(o, kernel_why)) ++mismatches;
  if (o.load_times) print_load_times(o);
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
  app.add_option("--only", o.only, "run only this program (entry: only the entry cost)");
  app.add_option("--min-ms", o.min_ms, "minimum duration of one measurement, ms");
  app.add_option("--verifier-budget", o.verifier_budget, "instructions Decade's verifier may process per program (0 = 1M)");
  app.add_flag("!--no-checked-fallback", o.checked_fallback, "leave programs the verifier rejects unmeasured");
  app.add_flag("!--no-load-times", o.load_times, "leave out the load-times table");
  app.add_flag("--all-checked", o.all_checked, "run every program unverified, every memory access checked at run time");
  app.add_option("--trials", o.trials, "measurements per cell (the best is kept)")->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  return decade::bench::run(o);
}
