// SPDX-License-Identifier: Apache-2.0
// stackargs (docs/isa-extensions.md): arguments 6..12 of BPF-to-BPF calls,
// kfuncs and helpers. A function stores them in its outgoing slots
// (Frame::out_args) with `*(u64 *)(r11 - 8*(k+1)) = x`; the next call takes
// them (every slot below the callee's count must be written, none above it)
// and consumes them, as a call clobbers r1-r5; a static callee finds them in
// its incoming slots (Frame::in_args) and reads them with
// `x = *(u64 *)(r11 + 8*(k+1))`, only below the count it was called with.
#pragma once

#include <string_view>
#include <vector>

#include "verifier/env.hpp"

namespace decade::verifier {

// LdxArg, StArg, StxArg.
Status do_stack_arg(Env& env, State& st, const Insn& insn);

// The stack arguments `call` passes to `callee`, which takes `declared` of
// them (-1: unknown, as many as the caller stored, which must then be
// contiguous from slot 0). Clears the caller's outgoing slots.
Result<std::vector<RegState>> take_stack_args(Env& env, State& st, const Insn& call, int32_t declared,
                                              std::string_view callee);

// Checks `arg` (argument 6+k of a call) with a check written for registers:
// `check(reg)` runs with the value in r0, which the call overwrites anyway,
// and r0 is put back afterwards.
template <typename Check>
Status check_stack_arg_as_r0(State& st, const RegState& arg, Check&& check) {
  const RegState saved = st.reg(0);
  st.reg(0) = arg;
  Status s = check(static_cast<uint8_t>(0));
  st.reg(0) = saved;
  return s;
}

}  // namespace decade::verifier
