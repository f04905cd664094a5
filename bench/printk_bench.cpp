// SPDX-License-Identifier: Apache-2.0
// bench_printk: what one bpf_printk costs a run when its line goes to the
// object's trace buffer (docs/architecture.md, "Test runs, map contents and
// bpf_printk"). Runs printk_progs/printk.bpf.c's two programs in batches of
// 4,000 runs (the buffer holds 4,096 lines), draining the buffer between
// batches outside the timing, and prints ns per run of each and their
// difference, per engine. --smoke: one short batch, checks the lines.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "decade/decade.hpp"

namespace {

constexpr uint32_t kBatch = 4000;

// Mean ns per run of `prog` over `batches` batches.
double ns_per_run(decade::BpfObject& obj, const decade::BpfProgram& prog, uint32_t batches, bool* ok) {
  std::vector<uint8_t> pkt(64, 0);
  uint64_t total = 0;
  for (uint32_t b = 0; b < batches; ++b) {
    auto r = prog.test_run({.data = pkt, .repeat = kBatch});
    if (!r) {
      std::fprintf(stderr, "run: %s\n", r.error().to_string().c_str());
      *ok = false;
      return 0;
    }
    total += r->duration_ns;
    (void)obj.drain_trace();
  }
  return static_cast<double>(total) / batches;
}

}  // namespace

int main(int argc, char** argv) {
  const bool smoke = argc > 1 && std::strcmp(argv[1], "--smoke") == 0;
  const uint32_t batches = smoke ? 1 : 200;
  bool ok = true;
  std::printf("%-7s %14s %14s %14s\n", "engine", "printk ns/run", "none ns/run", "ns per printk");
  for (const std::string& engine : decade::engines()) {
    auto obj = decade::BpfObject::open(std::string(DECADE_BENCH_PRINTK_PROGS) + "/printk.bpf.o");
    if (!obj || !obj->load({.engine = engine})) {
      std::fprintf(stderr, "cannot load printk.bpf.o\n");
      return 1;
    }
    auto with = obj->program("with_printk");
    auto without = obj->program("without_printk");
    const double a = ns_per_run(*obj, *with, batches, &ok);
    const double b = ns_per_run(*obj, *without, batches, &ok);
    std::printf("%-7s %14.1f %14.1f %14.1f\n", engine.c_str(), a, b, a - b);
    if (smoke) {
      (void)with->test_run({.data = std::vector<uint8_t>(64, 0)});
      auto lines = obj->drain_trace();
      if (lines.size() != 1 || lines[0] != "len 64 queue 0 if 1") {
        std::fprintf(stderr, "unexpected trace: %s\n", lines.empty() ? "(none)" : lines[0].c_str());
        ok = false;
      }
    }
    if (obj->trace_dropped()) ok = false;
  }
  return ok ? 0 : 1;
}
