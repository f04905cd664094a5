// SPDX-License-Identifier: Apache-2.0
// Per-hit cost of user-space probes (docs/uprobes.md): one call of a small
// function unprobed, with an empty entry probe, with a probe that updates a
// hash map, with an empty return probe (Decade's JIT and interpreter), and
// with the kernel's uprobe running an empty BPF program on the same
// function of the same binary (root and bpf() only; otherwise that row is
// skipped with a message). Ends with each row's ratio to the kernel's.
// test_run_empty/ENGINE gives, as ns_per_run, what one run of the same
// empty program costs inside a repeated test run (one engine entry for
// 1,000 runs, Executable::run_repeat): the floor under a hit, which adds
// the entry (CPU slot, run context) and the probe's stub and handler.
#include <benchmark/benchmark.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "decade/decade.hpp"
#include "probe/symbols.hpp"

extern "C" long b_target(long x);  // push rbp; mov rbp, rsp; lea; pop rbp; ret
asm(".text\n.p2align 4\n.globl b_target\n.type b_target, @function\nb_target:\n"
    "  push %rbp\n  mov %rsp, %rbp\n  lea 1(%rdi,%rdi,2), %rax\n  pop %rbp\n  ret\n.size b_target, .-b_target\n");

namespace {

void call_loop(benchmark::State& state) {
  long x = 0;
  for (auto _ : state) {
    x = b_target(x);
    benchmark::DoNotOptimize(x);
  }
}

std::optional<decade::BpfObject> load(const std::string& engine) {
  auto o = decade::BpfObject::open(std::string(DECADE_BENCH_UPROBE_PROGS) + "/uprobe_bench.bpf.o");
  decade::LoadOptions lo;
  lo.engine = engine;
  if (!o || !o->load(lo)) return std::nullopt;
  return std::move(*o);
}

void bm_unprobed(benchmark::State& state) { call_loop(state); }

void bm_decade(benchmark::State& state, const std::string& engine, const char* prog, bool ret) {
  auto o = load(engine);
  if (!o) return state.SkipWithError("cannot load uprobe_bench.bpf.o");
  auto link = o->program(prog)->attach_uprobe({.function = "b_target", .retprobe = ret});
  if (!link) return state.SkipWithError(link.error().to_string().c_str());
  call_loop(state);
}

// The engine's per-run floor, for comparison: a repeated test run of the
// empty program on a pt_regs (duration_ns is the mean per run over `repeat`).
void bm_test_run(benchmark::State& state, const std::string& engine) {
  auto o = load(engine);
  if (!o) return state.SkipWithError("cannot load uprobe_bench.bpf.o");
  const uint64_t regs[21] = {};
  decade::TestRunOptions opts;
  opts.ctx = {reinterpret_cast<const uint8_t*>(regs), sizeof regs};
  opts.repeat = 1000;
  uint64_t ns = 0, n = 0;
  for (auto _ : state) {
    auto r = o->program("empty")->test_run(opts);
    if (!r) return state.SkipWithError(r.error().to_string().c_str());
    ns += r->duration_ns;
    ++n;
  }
  state.counters["ns_per_run"] = n ? double(ns) / double(n) : 0;
}

long sys_bpf(int cmd, bpf_attr& attr) { return ::syscall(SYS_bpf, cmd, &attr, sizeof attr); }

// The kernel's uprobe on b_target (perf_event_open with the uprobe PMU,
// offset in this executable), running `r0 = 0; exit`.
void bm_kernel(benchmark::State& state) {
  int type = -1;
  std::ifstream("/sys/bus/event_source/devices/uprobe/type") >> type;
  auto fn = decade::probe::find_function("", "b_target");
  if (type < 0 || !fn) return state.SkipWithError("no uprobe PMU (/sys/bus/event_source/devices/uprobe/type)");
  const bpf_insn insns[] = {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_KPROBE;
  attr.insns = reinterpret_cast<uint64_t>(insns);
  attr.insn_cnt = 2;
  attr.license = reinterpret_cast<uint64_t>("GPL");
  const int prog = int(sys_bpf(BPF_PROG_LOAD, attr));
  if (prog < 0) return state.SkipWithError("bpf(BPF_PROG_LOAD) failed: kernel row needs root and bpf()");
  perf_event_attr pe{};
  pe.size = sizeof pe;
  pe.type = uint32_t(type);
  pe.config1 = reinterpret_cast<uint64_t>(fn->file.c_str());  // uprobe_path
  pe.config2 = fn->file_offset;                                // probe_offset
  const int fd = int(::syscall(SYS_perf_event_open, &pe, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
  if (fd < 0 || ::ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) != 0 || ::ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
    if (fd >= 0) ::close(fd);
    ::close(prog);
    return state.SkipWithError("perf_event_open(uprobe) failed: kernel row needs root");
  }
  call_loop(state);
  ::close(fd);
  ::close(prog);
}

// Collects each row's time per hit for the ratio table.
class Reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs)
      if (!r.error_occurred && !r.benchmark_name().starts_with("test_run")) ns[r.benchmark_name()] = r.GetAdjustedRealTime();
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("unprobed", bm_unprobed);
  for (const std::string& e : decade::engines()) {
    benchmark::RegisterBenchmark(("entry_empty/" + e).c_str(), bm_decade, e, "empty", false);
    benchmark::RegisterBenchmark(("entry_hash_update/" + e).c_str(), bm_decade, e, "hash_update", false);
    benchmark::RegisterBenchmark(("uretprobe_empty/" + e).c_str(), bm_decade, e, "ret_empty", true);
  }
  for (const std::string& e : decade::engines())
    benchmark::RegisterBenchmark(("test_run_empty/" + e).c_str(), bm_test_run, e);
  benchmark::RegisterBenchmark("kernel_uprobe_empty", bm_kernel);
  benchmark::Initialize(&argc, argv);
  Reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  auto kernel = rep.ns.find("kernel_uprobe_empty");
  std::printf("\nper-hit cost%s\n", kernel == rep.ns.end() ? " (kernel row skipped)" : ", and the kernel uprobe's multiple of it");
  for (const auto& [name, t] : rep.ns) {
    if (kernel == rep.ns.end()) {
      std::printf("  %-28s %10.1f ns\n", name.c_str(), t);
    } else {
      std::printf("  %-28s %10.1f ns   kernel/this = %.1fx\n", name.c_str(), t, kernel->second / t);
    }
  }
  benchmark::Shutdown();
  return 0;
}
