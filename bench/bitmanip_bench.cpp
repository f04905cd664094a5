// SPDX-License-Identifier: Apache-2.0
// __builtin_popcountll against decade_popcount64 (docs/isa-extensions.md):
// bench/bitmanip_progs/popcount.bpf.c counts the bits of 256 words both ways;
// each is run under the JIT and the interpreter. Prints ns per run (best of
// 3 measurements of `--repeat` runs, wall time of test_run) and the
// instruction count of each program; --smoke checks the results only.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "decade/decade.hpp"

namespace {

constexpr size_t kWords = 256;

int run(uint32_t repeat, bool smoke) {
  auto bytes = [] {
    FILE* f = std::fopen(DECADE_BENCH_BITMANIP_PROGS "/popcount.bpf.o", "rb");
    std::vector<uint8_t> v;
    if (!f) return v;
    for (int c; (c = std::fgetc(f)) != EOF;) v.push_back(static_cast<uint8_t>(c));
    std::fclose(f);
    return v;
  }();
  std::vector<uint64_t> words(kWords);
  std::mt19937_64 rng(17);
  uint64_t want = 0;
  for (uint64_t& w : words) want += static_cast<uint64_t>(std::popcount(w = rng()));
  std::vector<uint8_t> mem(kWords * 8);
  std::memcpy(mem.data(), words.data(), mem.size());
  std::printf("%-20s %-7s %8s %12s\n", "program", "engine", "insns", "ns/run");
  for (const std::string& engine : decade::engines()) {
    auto obj = decade::BpfObject::open(bytes, "popcount");
    if (!obj) return std::fprintf(stderr, "%s\n", obj.error().to_string().c_str()), 1;
    if (auto s = obj->load({.engine = engine}); !s) return std::fprintf(stderr, "%s\n", s.error().to_string().c_str()), 1;
    for (const char* name : {"popcount_builtin", "popcount_intrinsic"}) {
      auto prog = obj->program(name);
      if (!prog) return std::fprintf(stderr, "%s\n", prog.error().to_string().c_str()), 1;
      double best = 1e300;
      for (int k = 0; k < (smoke ? 1 : 3); ++k) {
        auto r = prog->test_run({.data = mem, .repeat = smoke ? 1 : repeat});
        if (!r || r->retval != want)
          return std::fprintf(stderr, "%s/%s: wrong result\n", name, engine.c_str()), 1;
        best = std::min(best, static_cast<double>(r->duration_ns));
      }
      std::printf("%-20s %-7s %8zu %12.0f\n", name, engine.c_str(), prog->insn_count(), best);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"__builtin_popcountll against the bitmanip intrinsic, JIT and interpreter"};
  uint32_t repeat = 20000;
  bool smoke = false;
  app.add_option("--repeat", repeat, "runs per measurement");
  app.add_flag("--smoke", smoke, "one run per case, results checked");
  CLI11_PARSE(app, argc, argv);
  return run(repeat, smoke);
}
