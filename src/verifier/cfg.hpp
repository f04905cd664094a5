// SPDX-License-Identifier: Apache-2.0
// Control-flow checks done before exploration: subprogram boundaries, jumps
// that stay inside their function, no fall-through past a function's end,
// no statically unreachable instruction, no recursion; and the facts the
// driver needs: prune points and register liveness.
#pragma once

#include <cstdint>
#include <vector>

#include "verifier/env.hpp"

namespace decade::verifier {

// Fills env.subs, sub_of_pc, prune_point, live_in, call_target (local calls).
Status analyze_cfg(Env& env);

// Where control may go after insn inside its function (calls return to the
// next slot; gotox goes to every entry of the jump tables its function loads).
void successors(const Env& env, const Insn& insn, std::vector<uint32_t>& out);

// A kfunc call that never returns (bpf_throw: kHelperThrows).
bool is_throw(const Env& env, const Insn& insn);

// Registers an instruction reads / writes (bit r = register r).
RegMask insn_uses(const Env& env, const Insn& insn);
RegMask insn_defs(const Insn& insn);

}  // namespace decade::verifier
