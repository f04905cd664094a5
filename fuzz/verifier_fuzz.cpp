// SPDX-License-Identifier: Apache-2.0
// Verifier soundness fuzzing: random programs of every shape (see
// gen_shapes.hpp); a program the verifier accepts must run in the checked
// interpreter without an out-of-bounds access, a bad jump, a runaway loop
// or reading host memory, and compiled from its VerifiedProgram by the
// interpreter and by the JIT it must give the checked run's results. Any
// such failure aborts. The plain context sits against a guard page and
// packets in guarded frames, so an escape the checks miss faults.
//
// DECADE_FUZZ_SKIP=huge_map,tail_call leaves the named shapes out (while a
// known hole in one of them would stop every run at its first input).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "verifier_gen.hpp"

namespace {

bool skipped(decade::fuzzgen::Kind k) {
  static const std::string skip = [] {
    const char* s = std::getenv("DECADE_FUZZ_SKIP");
    return "," + std::string(s ? s : "") + ",";
  }();
  return skip.find("," + std::string(decade::fuzzgen::kind_name(k)) + ",") != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace decade::fuzzgen;
  if (size < 1 || size > 8 * 256 + 1) return 0;
  if (skipped(kind_of(data, size))) return 0;
  static auto* world = new World();
  auto c = build_case(*world, data, size);
  if (!c) return 0;
  // One verification per input serves both oracles: exploring up to the
  // 200,000-instruction budget is most of an input's cost.
  auto v = verify_in(*world, *c);
  if (!v) return 0;
  std::string why;
  // The checked oracle runs alloca rows at the verifier's placements.
  Case placed = *c;
  placed.prog = with_placements(c->prog, *v);
  if (check_accepted(*world, placed, data, size, &why) == Verdict::Bug) {
    std::fprintf(stderr, "verifier bug (%s %s): %s\n", kind_name(c->kind), c->note.c_str(), why.c_str());
    std::abort();
  }
  if (check_engines_accepted(*world, *c, *v, data, size, &why) == Verdict::Bug) {
    std::fprintf(stderr, "engine divergence (%s %s): %s\n", kind_name(c->kind), c->note.c_str(), why.c_str());
    std::abort();
  }
  return 0;
}
