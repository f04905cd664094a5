// SPDX-License-Identifier: Apache-2.0
// Text -> assemble. Assembled code must decode or fail with a decode error
// naming a slot; code that decodes must survive disassemble -> assemble.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "asm/asm.hpp"
#include "isa/decode.hpp"
#include "isa/encode.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace decade;
  if (size > 4096) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto a = assemble(text);
  if (!a) {
    const auto code = static_cast<unsigned>(a.error().code);
    check(code >= 200 && code < 300);
    check(a.error().where.line >= 1);
    return 0;
  }
  check(a->source_lines.size() == a->code.size());
  if (a->code.empty()) return 0;
  auto prog = decode(std::span<const RawInsn>(a->code));
  if (!prog) {
    const auto code = static_cast<unsigned>(prog.error().code);
    check(code >= 100 && code < 200);
    return 0;
  }
  const auto bytes = to_bytes(a->code);
  for (Syntax s : {Syntax::Llvm, Syntax::Classic}) {
    auto back = assemble(disassemble(*prog, DisasmOptions{s, true}), AsmOptions{s, {}});
    check(back.has_value());
    check(to_bytes(back->code) == bytes);
  }
  return 0;
}
