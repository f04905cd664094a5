// SPDX-License-Identifier: Apache-2.0
// The two verdicts on one test program: Decade's, from the literal command
// a user types (`decade verify OBJ --prog NAME`), and the running kernel's,
// from selftests_kernel_verdicts (kernel_verdicts.c) loading the program as
// the selftests' loader does.
#pragma once

#include <string>
#include <vector>

#include "test_specs.hpp"

namespace decade::selftests {

enum class Outcome { Accept, Reject, None };

struct Verdict {
  Outcome outcome = Outcome::None;
  // Decade: the error code and name ("E704 VerifierOutOfBounds"); the
  // kernel: its verifier's closing message or why it gave no verdict.
  std::string reason;
};

// Runs `DECADE verify OBJ --prog NAME` (exit 0 accept, 1 reject, 2 none:
// malformed or unsupported input), under `timeout` so that no program can
// stall the table; `unpriv` adds --unpriv (the kernel's rules for users
// without CAP_BPF, else root's); `prog_flags` (the test's BPF_F_*) adds
// --strict-alignment for BPF_F_STRICT_ALIGNMENT without BPF_F_ANY_ALIGNMENT.
Verdict decade_verdict(const std::string& decade, const std::string& obj, const std::string& name, bool unpriv,
                       uint32_t prog_flags);

// What `DECADE verify -v OBJ --prog NAME` prints (stdout and stderr), with
// the same grants as decade_verdict: the kernel-style log the phrase
// coverage (phrases.hpp) searches.
std::string decade_verbose_output(const std::string& decade, const std::string& obj, const std::string& name,
                                  uint32_t prog_flags);

// The kernel's verdicts on the tests of one object, in the order given;
// `auxiliaries` are loaded beside every test (test_loader's autoload rule).
// `unpriv`: loaded without the capabilities the selftests' loader drops.
std::vector<Verdict> kernel_verdicts(const std::string& helper, const std::string& obj,
                                     const std::vector<const TestSpec*>& tests,
                                     const std::vector<std::string>& auxiliaries, bool unpriv);

// Empty when the helper can load a program through bpf() (without the
// capabilities when `unpriv`); else why not.
std::string kernel_refusal(const std::string& helper, bool unpriv);

}  // namespace decade::selftests
