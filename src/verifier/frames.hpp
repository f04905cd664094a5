// SPDX-License-Identifier: Apache-2.0
// BPF-to-BPF calls and function exits: static functions run in a new frame
// in the caller's context; global functions are checked against their BTF
// signature at the call and verified once on their own; callbacks return to
// their helper call and may run again.
#pragma once

#include <vector>

#include "verifier/env.hpp"

namespace decade::verifier {

Status do_local_call(Env& env, State& st, const Insn& insn);

// Exit of the innermost frame. Returns true when the path is finished (the
// program returned); otherwise st continues in the caller and `spawned` may
// hold a callback's next run.
Result<bool> do_exit(Env& env, State& st, const Insn& insn, std::vector<State>& spawned);

// bpf_tail_call in a function other than the program's main one (a static
// function or a callback; a global function is verified as a main one). When
// the call is taken, the engines run the target and return its r0 as the
// function's result, skipping the rest of the function. Adds that outcome
// (from `st`, the state after the call's argument checks) to `spawned`:
// every packet pointer invalid, r0 an unknown number, the frame left.
Status tail_call_taken(Env& env, const State& st, const Insn& insn, std::vector<State>& spawned);

// The entry state of a global function, from its signature.
State global_entry_state(Env& env, uint32_t sub);

// Fill SubprogInfo::global and the argument kinds from the BTF, if any, and
// SubprogInfo::changes_packet.
Status classify_functions(Env& env);

}  // namespace decade::verifier
