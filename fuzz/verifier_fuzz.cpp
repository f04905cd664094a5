// SPDX-License-Identifier: Apache-2.0
// Verifier soundness fuzzing: random programs (see verifier_gen.hpp); a
// program the verifier accepts must run in the checked interpreter without
// an out-of-bounds access, a bad jump or a runaway loop, and compiled from
// its VerifiedProgram by the interpreter and by the JIT it must give the
// checked run's results. Any such failure aborts.
#include <cstdio>
#include <cstdlib>

#include "verifier_gen.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8 || size > 8 * 256) return 0;
  static auto* world = new decade::fuzzgen::World();
  auto prog = decade::fuzzgen::build(data, size);
  if (!prog) return 0;
  std::string why;
  if (decade::fuzzgen::check(*world, *prog, data, size, &why) == decade::fuzzgen::Verdict::Bug) {
    std::fprintf(stderr, "verifier bug: %s\n", why.c_str());
    std::abort();
  }
  if (decade::fuzzgen::check_engines(*world, *prog, data, size, &why) == decade::fuzzgen::Verdict::Bug) {
    std::fprintf(stderr, "engine divergence: %s\n", why.c_str());
    std::abort();
  }
  return 0;
}
