// SPDX-License-Identifier: Apache-2.0
// Differential fuzzing of the JIT against the interpreter, both checked.
//
// Input: byte 0 selects the mode.
//  - Even: the rest drives tests/jit/random_program.hpp, which builds a
//    structurally valid program (initialised registers, in-bounds memory,
//    counted loops, every ALU/memory/atomic row). Both engines must return
//    the same r0 and leave the same memory, or fail with the same code.
//  - Odd: the rest is raw bytecode. Whatever decodes runs under the checked
//    JIT with 64 bytes of memory and a small budget: an Error is fine, a
//    crash, sanitizer report or hang is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../tests/jit/random_program.hpp"
#include "interp/interp.hpp"
#include "isa/decode.hpp"
#include "jit/jit.hpp"
#include "runtime/platform.hpp"
#include "runtime/run_context.hpp"

namespace {

using namespace decade;

const Platform& platform() {
  static const Platform p = [] {
    set_trace_sink([](std::string_view) {});
    return Platform::standard();
  }();
  return p;
}

struct Bytes {
  const uint8_t* p;
  size_t n;
  uint32_t pick(uint32_t bound) {
    uint32_t v = 0;
    for (int i = 0; i < 3 && n; ++i, ++p, --n) v = v << 8 | *p;
    return bound ? v % bound : 0;
  }
};

Result<uint64_t> run(bool jit, const Program& prog, std::vector<uint8_t>& mem, uint64_t budget) {
  ProgramEnv env;
  env.platform = &platform();
  auto exe = jit ? jit::compile_checked(prog, env) : interp::compile_checked(prog, env);
  if (!exe) return std::unexpected(exe.error());
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(mem.data());
  req.r2 = mem.size();
  req.regions.push_back({req.r1, mem.size(), true});
  req.insn_budget = budget;
  return (*exe)->run(req);
}

void structured(const uint8_t* data, size_t size) {
  Bytes b{data, size};
  std::vector<uint8_t> mem(jit::test::kRandomMemSize);
  for (auto& x : mem) x = static_cast<uint8_t>(b.pick(256));
  jit::test::RandomProgram gen([&](uint32_t n) { return b.pick(n); });
  const auto raw = gen.generate(120);
  auto prog = decode(std::span<const RawInsn>(raw));
  if (!prog) std::abort();  // the generator makes only valid programs
  std::vector<uint8_t> m1 = mem, m2 = mem;
  const auto a = run(false, *prog, m1, 0), j = run(true, *prog, m2, 0);
  if (a.has_value() != j.has_value() || m1 != m2) std::abort();
  if (a && *a != *j) std::abort();
  if (!a && a.error().code != j.error().code) std::abort();
}

void raw_bytes(const uint8_t* data, size_t size) {
  auto prog = decode(std::span<const uint8_t>(data, size - size % 8));
  if (!prog) return;
  std::vector<uint8_t> mem(64, 0xab);
  (void)run(true, *prog, mem, 100'000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  if (data[0] % 2 == 0) structured(data + 1, size - 1);
  else raw_bytes(data + 1, size - 1);
  return 0;
}
