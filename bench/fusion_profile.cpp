// SPDX-License-Identifier: Apache-2.0
// Chooses the interpreter's superinstructions (src/interp/fusion.def) from
// dynamic profiles: which runs of two and three fusable instructions the
// compute benchmarks and the corpus programs execute most.
//
// Profiling needs no hook in the interpreter: a checked run with an
// instruction budget of b stops with ExecBudgetExhausted naming the
// instruction it reached after b dispatches, so runs with budgets spread
// evenly over a program's whole run sample its dynamic instruction stream
// (--samples per program). Each sample at instruction i counts for every
// pair and triple starting at i that could be fused there (parts from
// fusion.def's part lists, later parts not entered other than by falling
// through). A candidate's score is the dispatches it would save (one per
// pair, two per triple) as a share of the program's dispatches, averaged
// over the eight compute programs, with the corpus programs together
// counting as one more. The set is then chosen greedily (--size members):
// each step adds the candidate (of the --pool best scored) whose addition
// leaves the fewest dispatches, planned as fuse() plans them, so runs that
// overlap a chosen one are not counted twice. The tool prints the
// candidates by score, the lists to paste into fusion.def, and for each program the
// dispatches per 100 instructions with no superinstructions, with the full
// cross product the interpreter had before (every straight-line part
// followed by another or by a branch, and its 448 triples), with the chosen
// set, and with the set this binary was built with.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "compute_programs.hpp"
#include "interp/fuse.hpp"
#include "interp/threaded.hpp"
#include "loader/object.hpp"
#include "runtime/map.hpp"
#include "runtime/platform.hpp"

namespace {

using decade::interp::detail::Kind;
using decade::interp::detail::TProgram;
namespace d = decade::interp::detail;

const char* kind_name(Kind k) {
  static const char* const names[] = {
#define K(NAME) #NAME,
#include "interp/handlers.def"
#undef K
  };
  return names[static_cast<size_t>(k)];
}

using decade::bench::bench_input;  // the compute benchmarks' input

struct Profile {
  std::string name;
  bool corpus = false;
  std::unique_ptr<TProgram> tp;      // checked translation: plain kinds
  std::vector<double> share;         // per code index: share of the run's dispatches starting there
  uint64_t dispatches = 0;           // one whole run
};

// A checked run with a budget; the code index it stopped at when the budget ran out.
std::optional<size_t> stop_at(const TProgram& tp, std::vector<uint8_t> mem, uint64_t budget) {
  decade::RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(mem.data());
  req.r2 = mem.size();
  req.regions.push_back({reinterpret_cast<uintptr_t>(mem.data()), mem.size(), true});
  uint64_t left = budget;
  auto r = d::run_program(tp, req, nullptr, &left);
  if (r || r.error().code != decade::ErrorCode::ExecBudgetExhausted || r.error().insn < 0) return std::nullopt;
  const auto slot = static_cast<size_t>(r.error().insn);
  if (slot >= tp.slot_to_index.size() || tp.slot_to_index[slot] < 0) return std::nullopt;
  return static_cast<size_t>(tp.slot_to_index[slot]);
}

// Profiles every program of one object that runs to its exit on the
// benchmark input; the others are skipped (named on stderr).
void profile_object(const std::string& path, bool corpus, int samples, std::vector<Profile>& out,
                    std::vector<std::unique_ptr<decade::Map>>& keep) {
  static const decade::Platform platform = decade::Platform::standard();
  std::ifstream f(path, std::ios::binary);
  const std::vector<uint8_t> elf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto obj = decade::load_object(elf, {.platform = &platform});
  if (!obj) return (void)fmt::print(stderr, "skip {}: {}\n", path, obj.error().to_string());
  decade::ProgramEnv env;
  env.platform = &platform;
  for (const auto& def : obj->maps) {
    auto m = decade::create_map(def);
    if (!m) return (void)fmt::print(stderr, "skip {}: {}\n", path, m.error().to_string());
    env.maps.push_back(m->get());
    keep.push_back(std::move(*m));
  }
  for (const auto& k : obj->kfuncs) env.kfuncs.push_back(k.proto);
  const std::vector<uint8_t> mem = bench_input();
  for (const auto& p : obj->programs) {
    if (p.error || p.program.insns.empty()) continue;
    auto tp = d::translate(p.program, env, true, {});
    if (!tp) continue;
    Profile prof{std::filesystem::path(path).stem().stem().string() + ":" + p.name, corpus, std::move(*tp), {}, 0};
    const uint64_t full = d::kDefaultBudget;
    uint64_t left = full;
    std::vector<uint8_t> m = mem;
    decade::RunRequest req;
    req.r1 = reinterpret_cast<uint64_t>(m.data());
    req.r2 = m.size();
    req.regions.push_back({reinterpret_cast<uintptr_t>(m.data()), m.size(), true});
    if (auto r = d::run_program(*prof.tp, req, nullptr, &left); !r) {
      fmt::print(stderr, "skip {}: {}\n", prof.name, r.error().to_string());
      continue;
    }
    prof.dispatches = full - left;
    prof.share.assign(prof.tp->code.size(), 0.0);
    const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(samples), prof.dispatches);
    size_t got = 0;
    for (uint64_t s = 0; s < n; ++s) {
      const uint64_t b = 1 + (2 * s + 1) * (prof.dispatches - 1) / (2 * n);  // evenly spread, never the last
      if (auto at = stop_at(*prof.tp, mem, b)) prof.share[*at] += 1, ++got;
    }
    if (got == 0) continue;
    for (double& v : prof.share) v /= static_cast<double>(got);
    out.push_back(std::move(prof));
  }
}

using Key = std::tuple<int, Kind, Kind, Kind>;  // length, parts (a pair's third is Kind{})
struct Candidate {
  Kind a{}, b{}, c{};
  int len = 2;
  double score = 0;  // dispatches saved, as a share of the programs' dispatches (weighted mean)
};

bool second_ok(Kind k) { return d::fusable_straight(k) || d::fusable_branch(k); }

struct Profiles {
  std::vector<Profile> progs;
  double n_compute = 0, n_corpus = 0;
  // Each compute program weighs 1, the corpus programs 1 together.
  double weight(const Profile& p) const {
    return (p.corpus ? 1.0 / n_corpus : 1.0) / (n_compute + (n_corpus > 0 ? 1 : 0));
  }
};

// Dispatches per 100 instructions of a profiled program under a fusion set.
double dispatches_per_100(const Profile& p, const d::FusionSet& set) {
  const std::vector<uint8_t> len = d::plan_fusion(*p.tp, set);
  double disp = 0;
  for (size_t i = 0; i < len.size(); ++i)
    if (len[i] != 0) disp += p.share[i];
  return 100 * disp;
}

double mean_dispatches(const Profiles& ps, const d::FusionSet& set) {
  double sum = 0;
  for (const Profile& p : ps.progs) sum += ps.weight(p) * dispatches_per_100(p, set);
  return sum;
}

d::FusionSet set_of(const std::vector<Candidate>* v) {
  auto has = [v](int len, Kind a, Kind b, Kind c) {
    return std::any_of(v->begin(), v->end(), [&](auto& x) { return x.len == len && x.a == a && x.b == b && x.c == c; });
  };
  return d::FusionSet{[has](Kind a, Kind b) { return has(2, a, b, Kind{}); },
                      [has](Kind a, Kind b, Kind c) { return has(3, a, b, c); }};
}

// Every pair and triple that could be fused where a sample fell, best first.
std::vector<Candidate> score_candidates(const Profiles& ps) {
  std::map<Key, Candidate> cands;
  for (const Profile& p : ps.progs) {
    const double w = ps.weight(p);
    const std::vector<bool> barrier = d::fusion_barriers(*p.tp);
    if (barrier.empty()) continue;
    const auto& code = p.tp->code;
    const size_t n = code.size() - 1;
    for (size_t i = 0; i + 1 < n; ++i) {
      if (p.share[i] == 0 || !d::fusable_straight(code[i].kind) || barrier[i + 1]) continue;
      const Kind a = code[i].kind, b = code[i + 1].kind;
      if (!second_ok(b)) continue;
      Candidate& pc = cands[{2, a, b, Kind{}}];
      pc.a = a, pc.b = b, pc.len = 2, pc.score += w * p.share[i];
      if (i + 2 >= n || barrier[i + 2] || !d::fusable_straight(b) || !second_ok(code[i + 2].kind)) continue;
      const Kind c = code[i + 2].kind;
      Candidate& tc = cands[{3, a, b, c}];
      tc.a = a, tc.b = b, tc.c = c, tc.len = 3, tc.score += 2 * w * p.share[i];
    }
  }
  std::vector<Candidate> ranked;
  for (auto& [k, c] : cands) ranked.push_back(c);
  std::sort(ranked.begin(), ranked.end(), [](auto& x, auto& y) { return x.score > y.score; });
  return ranked;
}

// Greedy: adds, `size` times, the candidate that leaves the fewest dispatches.
std::vector<Candidate> choose(const Profiles& ps, std::vector<Candidate> pool, int size) {
  std::vector<Candidate> chosen;
  std::vector<bool> taken(pool.size(), false);
  double current = mean_dispatches(ps, set_of(&chosen));
  while (static_cast<int>(chosen.size()) < size) {
    double best = current;
    size_t pick = pool.size();
    for (size_t i = 0; i < pool.size(); ++i) {
      if (taken[i]) continue;
      chosen.push_back(pool[i]);
      const double m = mean_dispatches(ps, set_of(&chosen));
      chosen.pop_back();
      if (m < best - 1e-9) best = m, pick = i;
    }
    if (pick == pool.size()) break;  // nothing left saves a dispatch
    taken[pick] = true;
    chosen.push_back(pool[pick]);
    current = best;
  }
  return chosen;
}

std::string name(const Candidate& c) {
  return c.len == 2 ? fmt::format("{}, {}", kind_name(c.a), kind_name(c.b))
                    : fmt::format("{}, {}, {}", kind_name(c.a), kind_name(c.b), kind_name(c.c));
}

void print_lists(const std::vector<Candidate>& chosen) {
  for (int len : {2, 3}) {
    fmt::print("\n#define {}", len == 2 ? "DECADE_FUSE_PAIRS" : "DECADE_FUSE_TRIPLES");
    size_t i = 0;
    for (const Candidate& c : chosen)
      if (c.len == len)
        fmt::print("{}DECADE_FUSE_{}({})", i++ % 2 ? " " : " \\\n  ", len == 2 ? "PAIR" : "TRIPLE", name(c));
  }
  fmt::print("\n");
}

// The cross product the interpreter had before: every straight-line part,
// then another or a branch; triples (add imm/reg, mov reg/imm, ldxb) x
// (add imm/reg, mov reg/imm) x branch, and mov reg; add reg; ldx/stx.
d::FusionSet full_cross_product() {
  auto latch1 = [](Kind k) {
    return k == Kind::ADD64_IMM || k == Kind::ADD64_REG || k == Kind::MOV64_REG || k == Kind::MOV64_IMM ||
           k == Kind::LDX8;
  };
  auto latch2 = [](Kind k) {
    return k == Kind::ADD64_IMM || k == Kind::ADD64_REG || k == Kind::MOV64_REG || k == Kind::MOV64_IMM;
  };
  return {[](Kind a, Kind b) { return d::fusable_straight(a) && second_ok(b); },
          [=](Kind a, Kind b, Kind c) {
            const bool indexed = a == Kind::MOV64_REG && b == Kind::ADD64_REG &&
                                 ((c >= Kind::LDX8 && c <= Kind::LDX64) || (c >= Kind::STX8 && c <= Kind::STX64));
            return indexed || (latch1(a) && latch2(b) && d::fusable_branch(c));
          }};
}

void print_dispatches(const Profiles& ps, const std::vector<Candidate>& chosen) {
  std::vector<Candidate> built;  // the set this binary has handlers for: what fuse() forms
#define DECADE_FUSE_PAIR(A, B) built.push_back({Kind::A, Kind::B, Kind{}, 2, 0});
#define DECADE_FUSE_TRIPLE(A, B, C) built.push_back({Kind::A, Kind::B, Kind::C, 3, 0});
  DECADE_FUSE_PAIRS
  DECADE_FUSE_TRIPLES
#undef DECADE_FUSE_PAIR
#undef DECADE_FUSE_TRIPLE
  const d::FusionSet none{[](Kind, Kind) { return false; }, [](Kind, Kind, Kind) { return false; }};
  const d::FusionSet full = full_cross_product(), chosen_set = set_of(&chosen), built_set = set_of(&built);
  fmt::print("\ndispatches per 100 instructions run (compute programs, then the corpus)\n");
  fmt::print("{:<34} {:>10} {:>8} {:>8} {:>8} {:>8}\n", "program", "insns/run", "none", "full", "chosen", "built");
  for (const Profile& p : ps.progs)
    fmt::print("{:<34} {:>10} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f}\n", p.name.substr(0, 34), p.dispatches,
               dispatches_per_100(p, none), dispatches_per_100(p, full), dispatches_per_100(p, chosen_set),
               dispatches_per_100(p, built_set));
  fmt::print("{:<34} {:>10} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f}\n", "weighted mean", "", mean_dispatches(ps, none),
             mean_dispatches(ps, full), mean_dispatches(ps, chosen_set), mean_dispatches(ps, built_set));
  fmt::print("sets: full 1175 pairs and 448 triples, chosen {}, built {}\n", chosen.size(), built.size());
}

std::vector<std::string> objects_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().string().ends_with(".bpf.o")) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Profiles fusable instruction runs and prints the superinstruction set for fusion.def"};
  std::string bpf_dir = DECADE_BENCH_BPF_ROOT;
  int samples = 3000, size = 96, pool = 300, show = 60;
  app.add_option("--bpf-dir", bpf_dir, "the build's bpf/ folder");
  app.add_option("--samples", samples, "budget-stop samples per program");
  app.add_option("--size", size, "superinstructions to choose");
  app.add_option("--pool", pool, "best scored candidates the greedy choice considers");
  app.add_option("--show", show, "candidates to list");
  CLI11_PARSE(app, argc, argv);

  Profiles ps;
  std::vector<std::unique_ptr<decade::Map>> keep;
  for (const auto& path : objects_in(bpf_dir + "/bench/progs")) profile_object(path, false, samples, ps.progs, keep);
  for (const char* sub : {"/loader/progs", "/verifier/progs"})
    for (const auto& path : objects_in(bpf_dir + sub)) profile_object(path, true, samples, ps.progs, keep);
  ps.n_compute = static_cast<double>(std::count_if(ps.progs.begin(), ps.progs.end(), [](auto& p) { return !p.corpus; }));
  ps.n_corpus = static_cast<double>(ps.progs.size()) - ps.n_compute;
  fmt::print("profiled {} compute and {} corpus programs, {} samples each\n", ps.n_compute, ps.n_corpus, samples);

  std::vector<Candidate> ranked = score_candidates(ps);
  fmt::print("\n{:<4} {:<44} {:>10}\n", "rank", "run", "saved %");
  for (int i = 0; i < std::min<int>(show, static_cast<int>(ranked.size())); ++i)
    fmt::print("{:<4} {:<44} {:>10.3f}\n", i + 1, name(ranked[i]), 100 * ranked[i].score);
  if (static_cast<int>(ranked.size()) > pool) ranked.resize(static_cast<size_t>(pool));
  const std::vector<Candidate> chosen = choose(ps, ranked, size);
  print_lists(chosen);
  print_dispatches(ps, chosen);
  return 0;
}
