// SPDX-License-Identifier: Apache-2.0
// The tests of one compiled verifier selftest object: every program (a
// global function in a code section other than .text, as libbpf counts
// them) with what its annotations say. bpf_misc.h turns each annotation into
// a BTF decl tag on the function, "comment:test_expect_failure",
// "comment:test_expect_msg=<counter>=<text>", "comment:test_retval=<n>", ...;
// they are read with Decade's own ELF reader and BTF parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "decade/error.hpp"

namespace decade::selftests {

struct TestSpec {
  std::string name;     // the program (function) name
  std::string section;  // its ELF section
  bool auxiliary = false;        // __auxiliary: loaded beside the tests, not one
  bool privileged = false;       // has a privileged test (any annotation but the _unpriv ones, or none)
  bool expect_failure = false;   // __failure (privileged)
  // Has an unprivileged test (any _unpriv annotation): its expectation is
  // __failure_unpriv / __success_unpriv, else the privileged one, as the
  // selftests' loader defaults it; msgs_unpriv the __msg_unpriv texts.
  bool unprivileged = false;
  bool unpriv_expect_failure = false;
  std::vector<std::string> msgs_unpriv;
  bool this_arch = true;         // no __arch_*, or one naming x86-64
  std::vector<std::string> msgs;  // __msg texts, in order
  std::optional<std::string> retval;
  uint32_t prog_flags = 0;  // BPF_F_* the test loader passes to the kernel
};

// Flags the selftests' loader passes to every program (testing_prog_flags():
// random upper halves after 32-bit operations, register invariant checks).
inline constexpr uint32_t kDefaultProgFlags = 4u | 128u;

// Errors: the ELF reader's and BTF parser's codes; an object without .BTF
// is InvalidArgument (no annotations to read).
Result<std::vector<TestSpec>> read_test_specs(const std::string& path);

}  // namespace decade::selftests
