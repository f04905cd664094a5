// SPDX-License-Identifier: Apache-2.0
// The agreement table: every test program with Decade's verdict and the
// reference verdict (the running kernel's, privileged; the annotations'
// where the kernel was not asked), summed overall and per file, with the
// differences grouped by Decade's error code.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "test_specs.hpp"
#include "verdicts.hpp"

namespace decade::selftests {

struct Row {
  std::string file;  // object name without .o
  TestSpec spec;
  Verdict decade, kernel;
};

enum class Agreement {
  Agree,
  DecadeOnlyAccept,  // the reference rejects; "unsafe" when the test is __failure
  DecadeOnlyReject,
  NoDecadeVerdict,   // the reference has one, Decade exited 2
  NoReference,       // the kernel gave none (or, without it, no privileged annotation)
};

struct Totals {
  size_t programs = 0, reference = 0, decade = 0, agree = 0, only_accept = 0, unsafe = 0, only_reject = 0,
         no_decade = 0, no_reference = 0;
  size_t annotated = 0, decade_as_annotated = 0, kernel_as_annotated = 0;
  double agreement() const { return reference ? 100.0 * static_cast<double>(agree) / static_cast<double>(reference) : 0; }
};

// The reference verdict: the kernel's when it was asked, else the
// annotations' (its reason the first __msg, when there is one).
Verdict reference(const Row& r, bool kernel_asked);
Agreement classify(const Row& r, bool kernel_asked);
bool unsafe(const Row& r, bool kernel_asked);

Totals totals(const std::vector<Row>& rows, bool kernel_asked);
// Prints the totals, the reasons for missing verdicts, the per-file table
// and the differences (`list_all`: every program, else the first few per
// code); `mode` ("privileged", "unprivileged") names the expectations.
void print_table(std::FILE* out, const std::vector<Row>& rows, bool kernel_asked, const std::string& header,
                 bool list_all, const char* mode);
// One line per program, tab-separated, for scripts and later comparison.
void write_tsv(const std::string& path, const std::vector<Row>& rows, bool kernel_asked);

}  // namespace decade::selftests
