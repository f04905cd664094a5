// SPDX-License-Identifier: Apache-2.0
// bpf_fastcall (docs/isa-extensions.md): bench/fastcall_progs/fastcall.c22.bpf.c
// compiled by clang-22 runs under the JIT and the interpreter with the
// verifier's removal of the spill/fill pairs (the default) and without it
// (LoadOptions::keep_fastcall_spills); plain_mix is the same loop calling
// the helper through a declaration without the attribute. Prints ns per run
// (best of `--rounds` measurements of `--repeat` runs, wall time of
// test_run, the cases interleaved so that other load hits them alike);
// --smoke checks the results only. Without clang-22 the object is missing
// and the benchmark says so and succeeds.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "decade/decade.hpp"

namespace {

constexpr size_t kWords = 256;

std::vector<uint8_t> read_object() {
  FILE* f = std::fopen(DECADE_BENCH_FASTCALL_PROGS "/fastcall.c22.bpf.o", "rb");
  std::vector<uint8_t> v;
  if (!f) return v;
  for (int c; (c = std::fgetc(f)) != EOF;) v.push_back(static_cast<uint8_t>(c));
  std::fclose(f);
  return v;
}

struct Variant {
  std::string engine;
  bool keep = false;  // LoadOptions::keep_fastcall_spills
  std::optional<decade::BpfObject> obj;
  double best[2] = {1e300, 1e300};  // ns/run of fastcall_mix, plain_mix
};

constexpr const char* kPrograms[2] = {"fastcall_mix", "plain_mix"};

// One measurement of every program of every variant, interleaved so that
// load from other processes hits them alike; each keeps its best.
int measure(std::vector<Variant>& vs, const std::vector<uint8_t>& mem, uint32_t repeat, std::optional<uint64_t>& want) {
  for (Variant& v : vs)
    for (int i = 0; i < 2; ++i) {
      auto prog = v.obj->program(kPrograms[i]);
      if (!prog) return std::fprintf(stderr, "%s\n", prog.error().to_string().c_str()), 1;
      auto r = prog->test_run({.data = mem, .repeat = repeat});
      if (!r) return std::fprintf(stderr, "%s/%s: %s\n", kPrograms[i], v.engine.c_str(), r.error().to_string().c_str()), 1;
      if (!want) want = r->retval;
      if (r->retval != *want) return std::fprintf(stderr, "%s/%s: wrong result\n", kPrograms[i], v.engine.c_str()), 1;
      v.best[i] = std::min(v.best[i], static_cast<double>(r->duration_ns));
    }
  return 0;
}

int run(uint32_t repeat, uint32_t rounds, bool smoke) {
  const std::vector<uint8_t> bytes = read_object();
  if (bytes.empty()) return std::printf("fastcall.c22.bpf.o not built (no clang-22): skipped\n"), 0;
  std::vector<uint8_t> mem(kWords * 8);
  std::mt19937_64 rng(23);
  for (uint8_t& b : mem) b = static_cast<uint8_t>(rng());
  std::vector<Variant> vs;
  for (const std::string& engine : decade::engines())
    for (bool keep : {false, true}) {
      Variant& v = vs.emplace_back();
      v.engine = engine;
      v.keep = keep;
      auto obj = decade::BpfObject::open(bytes, "fastcall");
      if (!obj) return std::fprintf(stderr, "%s\n", obj.error().to_string().c_str()), 1;
      if (auto s = obj->load({.engine = engine, .keep_fastcall_spills = keep}); !s)
        return std::fprintf(stderr, "%s\n", s.error().to_string().c_str()), 1;
      v.obj = std::move(*obj);
    }
  std::optional<uint64_t> want;  // every program, engine and mode gives the same result
  for (uint32_t k = 0; k < (smoke ? 1 : rounds); ++k)
    if (int rc = measure(vs, mem, smoke ? 1 : repeat, want)) return rc;
  std::printf("%-14s %-7s %-16s %12s\n", "program", "engine", "fastcall pairs", "ns/run");
  for (int i = 0; i < 2; ++i)
    for (const Variant& v : vs)
      std::printf("%-14s %-7s %-16s %12.0f\n", kPrograms[i], v.engine.c_str(), v.keep ? "run as written" : "removed",
                  v.best[i]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bpf_fastcall spill/fill removal, JIT and interpreter"};
  uint32_t repeat = 20000;
  uint32_t rounds = 7;
  bool smoke = false;
  app.add_option("--repeat", repeat, "runs per measurement");
  app.add_option("--rounds", rounds, "measurements per case, interleaved; the best is printed");
  app.add_flag("--smoke", smoke, "one run per case, results checked");
  CLI11_PARSE(app, argc, argv);
  return run(repeat, rounds, smoke);
}
