// SPDX-License-Identifier: Apache-2.0
#include "table.hpp"

#include <fstream>
#include <map>
#include <regex>

#include <fmt/format.h>

namespace decade::selftests {
namespace {

constexpr size_t kExamplesPerGroup = 6;

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Accept: return "accept";
    case Outcome::Reject: return "reject";
    case Outcome::None: return "none";
  }
  return "?";
}

// Kernel reasons with numbers and quoted names (programs, maps, paths)
// folded, so that groups form.
std::string folded(const std::string& s) {
  static const std::regex quoted("'[^']*'"), numbers(R"(\d+)");
  return std::regex_replace(std::regex_replace(s, quoted, "'X'"), numbers, "N").substr(0, 100);
}

std::string pct(size_t part, size_t whole) {
  return whole ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

void add(Totals& t, const Row& r, bool kernel_asked) {
  ++t.programs;
  Agreement a = classify(r, kernel_asked);
  if (a != Agreement::NoReference) ++t.reference;
  if (r.decade.outcome != Outcome::None) ++t.decade;
  switch (a) {
    case Agreement::Agree: ++t.agree; break;
    case Agreement::DecadeOnlyAccept:
      ++t.only_accept;
      t.unsafe += unsafe(r, kernel_asked);
      break;
    case Agreement::DecadeOnlyReject: ++t.only_reject; break;
    case Agreement::NoDecadeVerdict: ++t.no_decade; break;
    case Agreement::NoReference: ++t.no_reference; break;
  }
  if (r.spec.privileged) {
    Outcome expected = r.spec.expect_failure ? Outcome::Reject : Outcome::Accept;
    ++t.annotated;
    t.decade_as_annotated += r.decade.outcome == expected;
    t.kernel_as_annotated += r.kernel.outcome == expected;
  }
}

void print_totals(std::FILE* out, const Totals& t, bool kernel_asked, const char* mode) {
  std::fprintf(out, "| programs | %s verdict | Decade verdict | agree | Decade-only accepts (unsafe) | Decade-only rejects "
                    "| no Decade verdict | no %s verdict |\n|---|---|---|---|---|---|---|---|\n",
               kernel_asked ? "kernel" : "annotated", kernel_asked ? "kernel" : "annotated");
  std::fprintf(out, "| %zu | %zu | %zu | %zu (%s) | %zu (%zu) | %zu | %zu | %zu |\n\n", t.programs, t.reference, t.decade,
               t.agree, pct(t.agree, t.reference).c_str(), t.only_accept, t.unsafe, t.only_reject, t.no_decade,
               t.no_reference);
  std::fprintf(out, "Against the annotations (%zu programs with a %s expectation: __failure, else success): "
                    "Decade agrees on %zu",
               t.annotated, mode, t.decade_as_annotated);
  if (kernel_asked) std::fprintf(out, ", the running kernel on %zu", t.kernel_as_annotated);
  std::fprintf(out, ".\n\n");
}

void print_missing(std::FILE* out, const std::vector<Row>& rows, bool kernel_asked) {
  std::map<std::string, size_t> decade, kernel;
  for (const Row& r : rows) {
    Agreement a = classify(r, kernel_asked);
    if (a == Agreement::NoDecadeVerdict) ++decade[r.decade.reason];
    if (a == Agreement::NoReference) ++kernel[folded(reference(r, kernel_asked).reason)];
  }
  if (decade.empty() && kernel.empty()) return;
  std::fprintf(out, "No verdict, by reason:\n\n| side | reason | programs |\n|---|---|---|\n");
  for (const auto& [why, n] : decade) std::fprintf(out, "| Decade | %s | %zu |\n", why.c_str(), n);
  for (const auto& [why, n] : kernel)
    std::fprintf(out, "| %s | %s | %zu |\n", kernel_asked ? "kernel" : "annotations", why.c_str(), n);
  std::fprintf(out, "\n");
}

void print_files(std::FILE* out, const std::vector<Row>& rows, bool kernel_asked) {
  std::map<std::string, Totals> files;
  for (const Row& r : rows) add(files[r.file], r, kernel_asked);
  std::fprintf(out, "| file | programs | reference | Decade | agree | Decade-only accepts (unsafe) | Decade-only rejects "
                    "| no Decade verdict |\n|---|---|---|---|---|---|---|---|\n");
  for (const auto& [file, t] : files)
    std::fprintf(out, "| %s | %zu | %zu | %zu | %zu | %zu (%zu) | %zu | %zu |\n", file.c_str(), t.programs, t.reference,
                 t.decade, t.agree, t.only_accept, t.unsafe, t.only_reject, t.no_decade);
  std::fprintf(out, "\n");
}

void print_group(std::FILE* out, const std::string& title, const std::vector<std::string>& items, bool list_all) {
  std::fprintf(out, "%s (%zu):\n", title.c_str(), items.size());
  for (size_t i = 0; i < items.size() && (list_all || i < kExamplesPerGroup); ++i)
    std::fprintf(out, "    %s\n", items[i].c_str());
  if (!list_all && items.size() > kExamplesPerGroup) std::fprintf(out, "    ... %zu more\n", items.size() - kExamplesPerGroup);
}

void print_differences(std::FILE* out, const std::vector<Row>& rows, bool kernel_asked, bool list_all) {
  std::map<std::string, std::vector<std::string>> by_code;
  std::vector<std::string> accepts;
  for (const Row& r : rows) {
    Agreement a = classify(r, kernel_asked);
    std::string where = r.file + ":" + r.spec.name;
    if (a == Agreement::DecadeOnlyReject) by_code[r.decade.reason + ", reference accepts"].push_back(where);
    if (a == Agreement::NoDecadeVerdict) by_code[r.decade.reason + ", no Decade verdict"].push_back(where);
    if (a == Agreement::DecadeOnlyAccept)
      accepts.push_back(fmt::format("{}{} (reference: {})", unsafe(r, kernel_asked) ? "UNSAFE " : "", where,
                                    reference(r, kernel_asked).reason));
  }
  std::fprintf(out, "Differences by Decade error code:\n\n```\n");
  for (const auto& [code, items] : by_code) print_group(out, code, items, list_all);
  print_group(out, "accepted by Decade only", accepts, list_all);
  std::fprintf(out, "```\n");
}

}  // namespace

Verdict reference(const Row& r, bool kernel_asked) {
  if (kernel_asked) return r.kernel;
  if (!r.spec.privileged) return {Outcome::None, "no privileged annotation"};
  return {r.spec.expect_failure ? Outcome::Reject : Outcome::Accept,
          r.spec.expect_failure && !r.spec.msgs.empty() ? "annotated: " + r.spec.msgs.front() : "annotated"};
}

Agreement classify(const Row& r, bool kernel_asked) {
  Outcome ref = reference(r, kernel_asked).outcome;
  if (ref == Outcome::None) return Agreement::NoReference;
  if (r.decade.outcome == Outcome::None) return Agreement::NoDecadeVerdict;
  if (r.decade.outcome == ref) return Agreement::Agree;
  return r.decade.outcome == Outcome::Accept ? Agreement::DecadeOnlyAccept : Agreement::DecadeOnlyReject;
}

// An acceptance is unsafe when the reference rejects and the test itself
// says the rejection is its point (__failure): a kernel rejection of a test
// annotated __success is a difference of kernels or budgets, not a proof.
bool unsafe(const Row& r, bool kernel_asked) {
  return classify(r, kernel_asked) == Agreement::DecadeOnlyAccept && r.spec.privileged && r.spec.expect_failure;
}

Totals totals(const std::vector<Row>& rows, bool kernel_asked) {
  Totals t;
  for (const Row& r : rows) add(t, r, kernel_asked);
  return t;
}

void print_table(std::FILE* out, const std::vector<Row>& rows, bool kernel_asked, const std::string& header,
                 bool list_all, const char* mode) {
  std::fprintf(out, "%s\n\n", header.c_str());
  print_totals(out, totals(rows, kernel_asked), kernel_asked, mode);
  print_missing(out, rows, kernel_asked);
  print_files(out, rows, kernel_asked);
  print_differences(out, rows, kernel_asked, list_all);
}

void write_tsv(const std::string& path, const std::vector<Row>& rows, bool kernel_asked) {
  std::ofstream f(path);
  f << "file\tprogram\tsection\tannotated\tkernel\tkernel_reason\tdecade\tdecade_reason\tunsafe\n";
  for (const Row& r : rows) {
    const char* annotated = !r.spec.privileged ? "none" : r.spec.expect_failure ? "reject" : "accept";
    f << r.file << '\t' << r.spec.name << '\t' << r.spec.section << '\t' << annotated << '\t'
      << outcome_name(r.kernel.outcome) << '\t' << r.kernel.reason << '\t' << outcome_name(r.decade.outcome) << '\t'
      << r.decade.reason << '\t' << (unsafe(r, kernel_asked) ? "yes" : "no") << '\n';
  }
}

}  // namespace decade::selftests
