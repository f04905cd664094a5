// SPDX-License-Identifier: Apache-2.0
// The return values (`--retval`): every test Decade accepts with a
// __retval(N) annotation (and no __failure) is run by `decade run OBJ --prog
// NAME --engine E` on each engine with the selftests' loader's input (64
// zero bytes of data; nothing for syscall programs) and its result compared
// with N as test_loader.c compares it (as a 32-bit int; POINTER_VALUE
// matches anything).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "table.hpp"

namespace decade::selftests {

struct RetvalRow {
  const Row* row = nullptr;
  std::string path;                  // the object
  std::string outcome[2];            // per engine (interp, jit): "" when it returned N, else why not
};

// Runs every eligible row of `rows` (objects[i] is the path of rows[i]) on
// both engines, `jobs` at a time.
std::vector<RetvalRow> run_retvals(const std::string& decade, const std::vector<Row>& rows,
                                   const std::vector<std::string>& paths, unsigned jobs);
// Counts per engine, then the failures grouped by reason. Returns the
// number of (program, engine) pairs that did not return N.
size_t print_retvals(std::FILE* out, const std::vector<RetvalRow>& results, bool list_all);

}  // namespace decade::selftests
