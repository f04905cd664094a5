// SPDX-License-Identifier: Apache-2.0
// bench_verify: verification cost of large programs. For each program:
// verdict, processed instructions, states stored and peak, time (best of
// --trials, CPU time of this thread), and processed instructions per second.
// Programs: the compute benchmarks (bench/progs), the biggest programs of the
// test corpora (loader and verifier objects, by processed instructions), and
// a generated loop-heavy raw program close to the one-million budget.
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "decade/decade.hpp"

namespace {

struct Row {
  std::string group, name;
  decade::VerifyReport rep;
  double best_ns = 0;
};

double now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Verifies every program of `obj` `trials` times; one row per program.
template <typename Open>
std::vector<Row> measure(const std::string& group, Open&& open, int trials) {
  std::vector<Row> rows;
  for (int t = 0; t < trials; ++t) {
    auto obj = open();
    if (!obj) {
      std::fprintf(stderr, "%s: %s\n", group.c_str(), obj.error().to_string().c_str());
      return rows;
    }
    const double t0 = now_ns();
    auto reps = obj->verify_programs();
    const double ns = now_ns() - t0;
    if (!reps) {
      std::fprintf(stderr, "%s: %s\n", group.c_str(), reps.error().to_string().c_str());
      return rows;
    }
    if (rows.empty()) {
      for (auto& r : *reps) rows.push_back(Row{group, r.program, r, 0});
    }
    // A single-program object is timed with this thread's CPU clock (the
    // machine is shared); several programs use each one's own (wall) time.
    for (size_t i = 0; i < rows.size() && i < reps->size(); ++i) {
      const double own = reps->size() == 1 ? ns : static_cast<double>((*reps)[i].time_ns);
      if (t == 0 || own < rows[i].best_ns) rows[i].best_ns = own;
    }
  }
  return rows;
}

// One instruction slot: opcode, dst/src nibbles, offset, immediate.
void emit(std::vector<uint8_t>& out, uint8_t op, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  out.push_back(op);
  out.push_back(static_cast<uint8_t>(dst | (src << 4)));
  out.push_back(static_cast<uint8_t>(off & 0xff));
  out.push_back(static_cast<uint8_t>((off >> 8) & 0xff));
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>((static_cast<uint32_t>(imm) >> (8 * b)) & 0xff));
}

// A raw program: a counted loop over the memory with a data-dependent branch
// on every iteration (both sides explored, one pruned at the join):
//   if (len < 4096) return 0;
//   for (i = 0; i < iters; i++) { b = mem[i & 1023]; h = (b > 127 ? h ^ b : h + b) * 31; }
//   return h;
std::vector<uint8_t> loop_heavy(int32_t iters) {
  std::vector<uint8_t> c;
  emit(c, 0xa5, 2, 0, 16, 4096);   // 0: if r2 < 4096 goto 17
  emit(c, 0xb7, 6, 0, 0, 0);       // 1: r6 = 0
  emit(c, 0xb7, 7, 0, 0, 0);       // 2: r7 = 0
  emit(c, 0xbf, 3, 7, 0, 0);       // 3: r3 = r7
  emit(c, 0x57, 3, 0, 0, 1023);    // 4: r3 &= 1023
  emit(c, 0xbf, 4, 1, 0, 0);       // 5: r4 = r1
  emit(c, 0x0f, 4, 3, 0, 0);       // 6: r4 += r3
  emit(c, 0x71, 5, 4, 0, 0);       // 7: r5 = *(u8 *)(r4 + 0)
  emit(c, 0x25, 5, 0, 2, 127);     // 8: if r5 > 127 goto 11
  emit(c, 0x0f, 6, 5, 0, 0);       // 9: r6 += r5
  emit(c, 0x05, 0, 0, 1, 0);       // 10: goto 12
  emit(c, 0xaf, 6, 5, 0, 0);       // 11: r6 ^= r5
  emit(c, 0x27, 6, 0, 0, 31);      // 12: r6 *= 31
  emit(c, 0x07, 7, 0, 0, 1);       // 13: r7 += 1
  emit(c, 0xa5, 7, 0, -12, iters); // 14: if r7 < iters goto 3
  emit(c, 0xbf, 0, 6, 0, 0);       // 15: r0 = r6
  emit(c, 0x95, 0, 0, 0, 0);       // 16: exit
  emit(c, 0xb7, 0, 0, 0, 0);       // 17: r0 = 0
  emit(c, 0x95, 0, 0, 0, 0);       // 18: exit
  return c;
}

void print(const std::vector<Row>& rows) {
  std::printf("%-10s %-24s %-16s %10s %8s %8s %9s %10s\n", "group", "program", "verdict", "processed", "states",
              "peak", "ms", "M insns/s");
  for (const Row& r : rows) {
    const double ms = r.best_ns / 1e6;
    const double rate = r.best_ns > 0 ? static_cast<double>(r.rep.insns_processed) * 1e3 / r.best_ns : 0;
    std::string verdict = r.rep.accepted ? std::string("ok") : std::string(decade::error_code_name(r.rep.error.code));
    std::printf("%-10s %-24s %-16s %10llu %8llu %8llu %9.2f %10.2f\n", r.group.c_str(), r.name.substr(0, 24).c_str(),
                verdict.c_str(), static_cast<unsigned long long>(r.rep.insns_processed),
                static_cast<unsigned long long>(r.rep.states_stored), static_cast<unsigned long long>(r.rep.peak_states),
                ms, rate);
  }
}

std::vector<std::string> objects_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    const std::string p = e.path().string();
    if (e.is_regular_file() && p.ends_with(".bpf.o")) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Verification time and processed instructions of large programs"};
  int trials = 3;
  size_t corpus_top = 5;
  int32_t iters = 60000;
  bool smoke = false;
  std::string only;
  std::string bpf_dir = DECADE_BENCH_BPF_ROOT;
  app.add_option("--trials", trials, "verifications per program (best time is reported)");
  app.add_option("--corpus-top", corpus_top, "corpus programs to show (the most processed instructions)");
  app.add_option("--loop-iters", iters, "iterations of the generated loop-heavy program");
  app.add_option("--bpf-dir", bpf_dir, "the build's bpf/ folder");
  app.add_option("--only", only, "run one group only: compute, corpus or generated");
  app.add_flag("--smoke", smoke, "one trial, a small generated program (for make test)");
  CLI11_PARSE(app, argc, argv);
  if (smoke) {
    trials = 1;
    iters = 2000;
  }

  auto wanted = [&](const char* group) { return only.empty() || only == group; };
  std::vector<Row> all;
  for (const std::string& path : wanted("compute") ? objects_in(bpf_dir + "/bench/progs") : std::vector<std::string>{}) {
    auto rows = measure("compute", [&] { return decade::BpfObject::open(path); }, trials);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  std::vector<Row> corpus;
  for (const char* sub : {"/loader/progs", "/verifier/progs"}) {
    if (!wanted("corpus")) break;
    for (const std::string& path : objects_in(bpf_dir + sub)) {
      auto rows = measure("corpus", [&] { return decade::BpfObject::open(path); }, 1);
      for (Row& r : rows)
        if (r.rep.accepted) corpus.push_back(std::move(r));
    }
  }
  std::sort(corpus.begin(), corpus.end(),
            [](const Row& a, const Row& b) { return a.rep.insns_processed > b.rep.insns_processed; });
  if (corpus.size() > corpus_top) corpus.resize(corpus_top);
  all.insert(all.end(), corpus.begin(), corpus.end());
  const std::vector<uint8_t> code = loop_heavy(iters);
  auto gen = !wanted("generated") ? std::vector<Row>{} : measure("generated", [&] { return decade::BpfObject::from_bytecode(code, fmt::format("loop_{}", iters)); },
                     trials);
  all.insert(all.end(), gen.begin(), gen.end());
  print(all);
  bool ok = true;
  for (const Row& r : all) ok = ok && (r.group != "generated" || r.rep.accepted);
  return ok ? 0 : 1;
}
