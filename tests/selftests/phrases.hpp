// SPDX-License-Identifier: Apache-2.0
// The kernel's words (`--phrases`): for every test program that both the
// reference and Decade reject, which of its __msg strings (the phrases the
// kernel's log must contain, in the selftests) appear in what `decade
// verify -v OBJ --prog NAME` prints. A phrase counts when it is a substring
// of that output, as test_loader.c matches __msg against the kernel's log
// (which also wants them in order; Decade's count does not).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "table.hpp"

namespace decade::selftests {

struct PhraseRow {
  const Row* row = nullptr;
  std::vector<bool> found;  // per __msg of the row, in order
};

struct PhraseTotals {
  size_t programs = 0, msgs = 0, found = 0;
  double coverage() const { return msgs ? 100.0 * static_cast<double>(found) / static_cast<double>(msgs) : 0; }
};

// Runs `decade verify -v` on every row both reject that has __msg strings
// (paths[i] is the object of rows[i]), `jobs` at a time.
std::vector<PhraseRow> check_phrases(const std::string& decade, const std::vector<Row>& rows,
                                     const std::vector<std::string>& paths, bool kernel_asked, unsigned jobs);
// The totals, then the phrases not found (every one with `list_all`, else
// the first few); returns the totals.
PhraseTotals print_phrases(std::FILE* out, const std::vector<PhraseRow>& results, bool list_all);

}  // namespace decade::selftests
