// SPDX-License-Identifier: Apache-2.0
// decade_selftests: the agreement table of Decade's verifier with the
// kernel's own verifier selftests (scripts/selftests_verifier.sh builds the
// objects and calls this). For every test program of every object: the
// annotations (test_specs.hpp), Decade's verdict from the literal CLI
// command, the running kernel's privileged verdict where bpf() works
// (verdicts.hpp), then the table (table.hpp).
//
//   decade_selftests --decade PATH [--kernel HELPER | --no-kernel] [--sources N]
//                    [--jobs N] [--list] [--tsv FILE] [--strict]
//                    [--min-agreement PCT] OBJ...
//
// Exit 1 with --strict when Decade accepts a program the reference rejects
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

#include "table.hpp"
#include "test_specs.hpp"
#include "verdicts.hpp"

namespace {

using namespace decade::selftests;

struct Options {
  std::string decade, kernel;
  bool no_kernel = false, list = false, strict = false;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  size_t sources = 0;
  double min_agreement = 0;
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
    else if (a == "--jobs") o.jobs = static_cast<unsigned>(std::max(1, std::atoi(value().c_str())));
    else if (a == "--sources") o.sources = static_cast<size_t>(std::atoll(value().c_str()));
    else if (a == "--min-agreement") o.min_agreement = std::atof(value().c_str());
    else if (a == "--tsv") o.tsv = value();
    else if (a.starts_with("--")) return false;
    else o.objects.push_back(a);
  }
  return !o.decade.empty() && !o.objects.empty();
}

struct Object {
  std::string path, file;
  size_t first = 0, count = 0;  // its rows
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

void kernel_pass(const Options& o, const std::vector<Object>& objects, std::vector<Row>& rows) {
  for (const Object& obj : objects) {
    auto specs = read_test_specs(obj.path);
    std::vector<std::string> aux;
    for (const TestSpec& s : *specs)
      if (s.auxiliary && s.privileged) aux.push_back(s.name);
    std::vector<const TestSpec*> tests;
    for (size_t i = 0; i < obj.count; ++i) tests.push_back(&rows[obj.first + i].spec);
    std::vector<Verdict> v = kernel_verdicts(o.kernel, obj.path, tests, aux);
    for (size_t i = 0; i < obj.count; ++i) rows[obj.first + i].kernel = v[i];
  }
}

void decade_pass(const Options& o, std::vector<Row>& rows, const std::vector<Object>& objects) {
  std::vector<std::string> path_of(rows.size());
  for (const Object& obj : objects)
    for (size_t i = 0; i < obj.count; ++i) path_of[obj.first + i] = obj.path;
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < o.jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < rows.size();) rows[i].decade = decade_verdict(o.decade, path_of[i], rows[i].spec.name);
    });
  for (auto& w : workers) w.join();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: decade_selftests --decade PATH [--kernel HELPER | --no-kernel] [--sources N] [--jobs N]\n"
                 "                        [--list] [--tsv FILE] [--strict] [--min-agreement PCT] OBJ...\n");
    return 2;
  }
  std::string refusal = o.no_kernel || o.kernel.empty() ? "not asked (--no-kernel)" : kernel_refusal(o.kernel);
  bool kernel_asked = refusal.empty();
  std::vector<Object> objects;
  std::vector<Row> rows = collect(o, objects);
  for (Row& r : rows) r.kernel = {Outcome::None, refusal};
  std::thread kernel;
  if (kernel_asked) kernel = std::thread([&] { kernel_pass(o, objects, rows); });
  decade_pass(o, rows, objects);
  if (kernel.joinable()) kernel.join();

  std::string header = fmt::format(
      "Verifier selftests: {} objects{}, {} test programs; reference: {}", objects.size(),
      o.sources ? fmt::format(" of {} source files", o.sources) : "", rows.size(),
      kernel_asked ? "the running kernel, privileged" : "the annotations (kernel " + refusal + ")");
  print_table(stdout, rows, kernel_asked, header, o.list);
  if (!o.tsv.empty()) write_tsv(o.tsv, rows, kernel_asked);
  Totals t = totals(rows, kernel_asked);
  if (o.strict && t.unsafe) {
    std::printf("FAIL: %zu unsafe acceptance(s)\n", t.unsafe);
    return 1;
  }
  if (o.min_agreement > 0 && t.agreement() < o.min_agreement) {
    std::printf("FAIL: agreement %.1f%% is below %.1f%%\n", t.agreement(), o.min_agreement);
    return 1;
  }
  return 0;
}
