// SPDX-License-Identifier: Apache-2.0
// Bytes -> decode. When the bytes decode: encode gives the same bytes back,
// and the disassembly in both syntaxes re-assembles to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "asm/asm.hpp"
#include "isa/decode.hpp"
#include "isa/encode.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_reassembles(const decade::Program& prog, const std::vector<uint8_t>& want) {
  using namespace decade;
  for (Syntax s : {Syntax::Llvm, Syntax::Classic}) {
    for (bool labels : {false, true}) {
      const std::string text = disassemble(prog, DisasmOptions{s, labels});
      auto back = assemble(text, AsmOptions{s, {}});
      check(back.has_value());
      check(to_bytes(back->code) == want);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace decade;
  if (size > 8 * 512) return 0;  // keep runs fast; longer programs add no new paths
  auto prog = decode(std::span<const uint8_t>(data, size));
  if (!prog) {
    check(prog.error().code != ErrorCode::Internal);
    return 0;
  }
  const std::vector<uint8_t> in(data, data + size);
  check(to_bytes(encode(*prog)) == in);
  check_reassembles(*prog, in);
  return 0;
}
