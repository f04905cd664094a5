// SPDX-License-Identifier: Apache-2.0
#include "phrases.hpp"

#include <atomic>
#include <thread>

#include "verdicts.hpp"

namespace decade::selftests {
namespace {

constexpr size_t kExamples = 20;

bool both_reject(const Row& r, bool kernel_asked) {
  return r.decade.outcome == Outcome::Reject && reference(r, kernel_asked).outcome == Outcome::Reject;
}

}  // namespace

std::vector<PhraseRow> check_phrases(const std::string& decade, const std::vector<Row>& rows,
                                     const std::vector<std::string>& paths, bool kernel_asked, unsigned jobs) {
  std::vector<size_t> picked;
  for (size_t i = 0; i < rows.size(); ++i)
    if (both_reject(rows[i], kernel_asked) && !rows[i].spec.msgs.empty()) picked.push_back(i);
  std::vector<PhraseRow> out(picked.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < jobs; ++j)
    workers.emplace_back([&] {
      for (size_t k; (k = next++) < picked.size();) {
        const Row& r = rows[picked[k]];
        const std::string log = decade_verbose_output(decade, paths[picked[k]], r.spec.name, r.spec.prog_flags);
        out[k].row = &r;
        for (const std::string& m : r.spec.msgs) out[k].found.push_back(log.find(m) != std::string::npos);
      }
    });
  for (auto& w : workers) w.join();
  return out;
}

PhraseTotals print_phrases(std::FILE* out, const std::vector<PhraseRow>& results, bool list_all) {
  PhraseTotals t;
  std::vector<std::string> missing;
  for (const PhraseRow& p : results) {
    ++t.programs;
    for (size_t i = 0; i < p.found.size(); ++i) {
      ++t.msgs;
      if (p.found[i]) ++t.found;
      else missing.push_back(p.row->file + ":" + p.row->spec.name + ": " + p.row->spec.msgs[i]);
    }
  }
  std::fprintf(out, "Kernel phrases: %zu of the %zu __msg strings of the %zu programs both reject appear in "
                    "`decade verify -v` (%.1f%%).\n",
               t.found, t.msgs, t.programs, t.coverage());
  if (!missing.empty()) {
    std::fprintf(out, "\nNot found (%zu):\n\n```\n", missing.size());
    for (size_t i = 0; i < missing.size() && (list_all || i < kExamples); ++i) std::fprintf(out, "    %s\n", missing[i].c_str());
    if (!list_all && missing.size() > kExamples) std::fprintf(out, "    ... %zu more\n", missing.size() - kExamples);
    std::fprintf(out, "```\n");
  }
  return t;
}

}  // namespace decade::selftests
