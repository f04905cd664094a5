// SPDX-License-Identifier: Apache-2.0
// decade_selftests: the agreement table of Decade's verifier with the
// kernel's own verifier selftests (scripts/selftests_verifier.sh builds the
// objects and calls this). For every test program of every object: the
// annotations (test_specs.hpp), Decade's verdict from the literal CLI
// command, the running kernel's privileged verdict where bpf() works
// (verdicts.hpp), then the table (table.hpp). Then the same for the tests
// with an unprivileged expectation (__failure_unpriv, __success_unpriv, ...):
// `decade verify --unpriv` against the kernel without CAP_BPF where it
// loads programs for such users, else against the annotations.
//
//   decade_selftests --decade PATH [--kernel HELPER | --no-kernel] [--sources N]
//                    [--jobs N] [--list] [--tsv FILE] [--strict] [--retval]
//                    [--min-agreement PCT] [--phrases] [--min-phrases PCT] OBJ...
//
// --phrases then runs `decade verify -v` on every program both the
// reference and Decade reject and counts its __msg strings found in the
// output (phrases.hpp); --min-phrases PCT fails the run below PCT percent
// (and implies --phrases).
//
// --retval then runs every accepted __retval test on both engines
// (retvals.hpp) and prints how many return the annotated value; with
// --strict, one that does not fails the run. --tsv FILE writes the privileged rows to FILE and the unprivileged ones
// to FILE.unpriv. Exit 1 with --strict when Decade accepts a program the reference rejects
// and its annotation says __failure (an unsafe acceptance), or when the
// agreement is below --min-agreement; 2 on bad arguments; else 0.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "phrases.hpp"
#include "retvals.hpp"
#include "table.hpp"
#include "test_specs.hpp"
#include "verdicts.hpp"

namespace {

using namespace decade::selftests;

struct Options {
  std::string decade, kernel;
  bool no_kernel = false, list = false, strict = false, retval = false, phrases = false;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  size_t sources = 0;
  double min_agreement = 0, min_phrases = 0;
  std::string tsv;
  std::vector<std::string> objects;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--decade") o.decade = value();
    else if (a == "--kernel") o.kernel = value();
    else if (a == "--no-kernel") o.no_kernel = true;
    else if (a == "--list") o.list = true;
    else if (a == "--strict") o.strict = true;
    else if (a == "--retval") o.retval = true;
    else if (a == "--jobs") o.jobs = static_cast<unsigned>(std::max(1, std::atoi(value().c_str())));
    else if (a == "--sources") o.sources = static_cast<size_t>(std::atoll(value().c_str()));
    else if (a == "--min-agreement") o.min_agreement = std::atof(value().c_str());
    else if (a == "--phrases") o.phrases = true;
    else if (a == "--min-phrases") {
      o.min_phrases = std::atof(value().c_str());
      o.phrases = true;
    }
    else if (a == "--tsv") o.tsv = value();
    else if (a.starts_with("--")) return false;
    else o.objects.push_back(a);
  }
  return !o.decade.empty() && !o.objects.empty();
}

struct Object {
  std::string path, file;
  size_t first = 0, count = 0;  // its rows
  size_t unpriv_first = 0, unpriv_count = 0;  // its unprivileged rows
};

// Rows for every test program (auxiliaries are loaded beside the tests,
// not tested; __arch_* tests for other machines are left out).
std::vector<Row> collect(const Options& o, std::vector<Object>& objects) {
  std::vector<Row> rows;
  for (const std::string& path : o.objects) {
    auto specs = read_test_specs(path);
    if (!specs) {
      std::fprintf(stderr, "decade_selftests: %s: %s\n", path.c_str(), specs.error().to_string().c_str());
      continue;
    }
    Object obj{path, std::filesystem::path(path).stem().string(), rows.size(), 0};
    for (TestSpec& s : *specs)
      if (!s.auxiliary && s.this_arch) rows.push_back(Row{obj.file, std::move(s), {}, {}});
    obj.count = rows.size() - obj.first;
    objects.push_back(obj);
  }
  return rows;
}

// The unprivileged tests as rows of their own: `privileged` and
// `expect_failure` then mean "tested in this mode" and its expectation.
std::vector<Row> collect_unpriv(const std::vector<Row>& rows, std::vector<Object>& objects) {
  std::vector<Row> out;
  for (Object& obj : objects) {
    obj.unpriv_first = out.size();
    for (size_t i = obj.first; i < obj.first + obj.count; ++i) {
      if (!rows[i].spec.unprivileged) continue;
      Row r{rows[i].file, rows[i].spec, {}, {}};
      r.spec.privileged = true;
      r.spec.expect_failure = r.spec.unpriv_expect_failure;
      if (!r.spec.msgs_unpriv.empty()) r.spec.msgs = r.spec.msgs_unpriv;
      out.push_back(std::move(r));
    }
    obj.unpriv_count = out.size() - obj.unpriv_first;
  }
  return out;
}

void kernel_pass(const Options& o, const std::vector<Object>& objects, std::vector<Row>& rows, bool unpriv) {
  for (const Object& obj : objects) {
    const size_t first = unpriv ? obj.unpriv_first : obj.first, count = unpriv ? obj.unpriv_count : obj.count;
    if (count == 0) continue;
    auto specs = read_test_specs(obj.path);
    std::vector<std::string> aux;
    for (const TestSpec& s : *specs)
      if (s.auxiliary && (unpriv ? s.unprivileged : s.privileged)) aux.push_back(s.name);
    std::vector<const TestSpec*> tests;
    for (size_t i = 0; i < count; ++i) tests.push_back(&rows[first + i].spec);
    std::vector<Verdict> v = kernel_verdicts(o.kernel, obj.path, tests, aux, unpriv);
    for (size_t i = 0; i < count; ++i) rows[first + i].kernel = v[i];
  }
}

void decade_pass(const Options& o, std::vector<Row>& rows, const std::vector<Object>& objects, bool unpriv) {
  std::vector<std::string> path_of(rows.size());
  for (const Object& obj : objects) {
    const size_t first = unpriv ? obj.unpriv_first : obj.first, count = unpriv ? obj.unpriv_count : obj.count;
    for (size_t i = 0; i < count; ++i) path_of[first + i] = obj.path;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < o.jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < rows.size();)
        rows[i].decade = decade_verdict(o.decade, path_of[i], rows[i].spec.name, unpriv, rows[i].spec.prog_flags);
    });
  for (auto& w : workers) w.join();
}

// Why the kernel gives no verdicts in a mode ("" when it does).
std::string refusal_of(const Options& o, bool unpriv) {
  if (o.no_kernel || o.kernel.empty()) return "not asked (--no-kernel)";
  std::string why = kernel_refusal(o.kernel, unpriv);
  if (!why.empty() && unpriv) {
    std::FILE* f = std::fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
    int v = 0;
    if (f && std::fscanf(f, "%d", &v) == 1 && v != 0)
      why = fmt::format("refuses bpf() without CAP_BPF: kernel.unprivileged_bpf_disabled = {}", v);
    if (f) std::fclose(f);
  }
  return why;
}

// Runs one mode's passes and prints its table; its totals.
Totals one_mode(const Options& o, std::vector<Row>& rows, const std::vector<Object>& objects, bool unpriv,
               bool* asked = nullptr) {
  const std::string refusal = refusal_of(o, unpriv);
  const bool kernel_asked = refusal.empty();
  if (asked) *asked = kernel_asked;
  for (Row& r : rows) r.kernel = {Outcome::None, refusal};
  std::thread kernel;
  if (kernel_asked) kernel = std::thread([&] { kernel_pass(o, objects, rows, unpriv); });
  decade_pass(o, rows, objects, unpriv);
  if (kernel.joinable()) kernel.join();
  const char* mode = unpriv ? "unprivileged" : "privileged";
  std::string header = fmt::format(
      "Verifier selftests, {} ({}): {} objects{}, {} test programs; reference: {}", mode,
      unpriv ? "decade verify --unpriv; tests with an _unpriv annotation" : "decade verify", objects.size(),
      o.sources ? fmt::format(" of {} source files", o.sources) : "", rows.size(),
      kernel_asked ? fmt::format("the running kernel, {}", unpriv ? "without CAP_BPF" : "privileged")
                   : "the annotations (kernel " + refusal + ")");
  print_table(stdout, rows, kernel_asked, header, o.list, mode);
  if (!o.tsv.empty()) write_tsv(unpriv ? o.tsv + ".unpriv" : o.tsv, rows, kernel_asked);
  return totals(rows, kernel_asked);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: decade_selftests --decade PATH [--kernel HELPER | --no-kernel] [--sources N] [--jobs N]\n"
                 "                        [--list] [--tsv FILE] [--strict] [--retval] [--min-agreement PCT]\n"
                 "                        [--phrases] [--min-phrases PCT] OBJ...\n");
    return 2;
  }
  std::vector<Object> objects;
  std::vector<Row> rows = collect(o, objects);
  std::vector<Row> unpriv = collect_unpriv(rows, objects);
  bool kernel_asked = false;
  const Totals t = one_mode(o, rows, objects, false, &kernel_asked);
  std::vector<std::string> paths(rows.size());
  for (const Object& obj : objects)
    for (size_t i = 0; i < obj.count; ++i) paths[obj.first + i] = obj.path;
  PhraseTotals phrases;
  if (o.phrases) {
    std::printf("\n");
    phrases = print_phrases(stdout, check_phrases(o.decade, rows, paths, kernel_asked, o.jobs), o.list);
  }
  size_t wrong_retvals = 0;
  if (o.retval) {
    std::printf("\n");
    wrong_retvals = print_retvals(stdout, run_retvals(o.decade, rows, paths, o.jobs), o.list);
  }
  // The unprivileged table informs; --strict and --min-agreement judge the
  // privileged one (Decade does not model the kernel's Spectre and CAP_BPF
  // rules for unprivileged users: docs/verifier.md "Privilege").
  std::printf("\n");
  one_mode(o, unpriv, objects, true);
  if (o.strict && wrong_retvals) {
    std::printf("FAIL: %zu run(s) did not return the annotated value\n", wrong_retvals);
    return 1;
  }
  if (o.strict && t.unsafe) {
    std::printf("FAIL: %zu unsafe acceptance(s)\n", t.unsafe);
    return 1;
  }
  if (o.min_agreement > 0 && t.agreement() < o.min_agreement) {
    std::printf("FAIL: agreement %.1f%% is below %.1f%%\n", t.agreement(), o.min_agreement);
    return 1;
  }
  if (o.min_phrases > 0 && phrases.coverage() < o.min_phrases) {
    std::printf("FAIL: kernel phrases %.1f%% is below %.1f%%\n", phrases.coverage(), o.min_phrases);
    return 1;
  }
  return 0;
}
