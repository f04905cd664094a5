// SPDX-License-Identifier: Apache-2.0
// Indirect jumps (gotox through jump tables) and indirect calls (callx
// through function pointers).
//
// A jump table is a frozen array map in section ".jumptables" whose value
// holds 64-bit absolute instruction slots (loader/jump_tables.hpp). An 8-byte
// aligned load from it gives a scalar that remembers its table
// (RegState::map on a scalar); any arithmetic on the value makes a fresh
// scalar and forgets it. gotox through such a scalar is explored at every
// entry of the table the scalar's bounds allow; gotox through anything else
// is rejected (VerifierIndirectJump). callx needs a function pointer
// (ld_imm64 src=4) and verifies its target like a static call
// (VerifierIndirectCall otherwise).
#pragma once

#include <cstdint>
#include <vector>

#include "verifier/env.hpp"

namespace decade::verifier {

bool is_jump_table(const MapDef& m);

// Entry k of jump table m (a slot index).
uint64_t jump_table_entry(const MapDef& m, size_t k);

// A read of `size` bytes at byte offsets [lo, hi] of jump table m, the
// variable part of the offset being `var` (for alignment). Fills *loaded
// and returns true when the read yields a table entry; returns false (the
// caller loads a plain scalar) otherwise.
bool jump_table_load(const MapDef& m, int64_t lo, int64_t hi, const Scalar& var, uint32_t size, bool sign_extend,
                     RegState* loaded);

// CFG pass: the jump tables the program loads must point inside the
// function that loads them; fills env.gotox_targets (every entry of the
// tables loaded in a gotox's function, the static successors of that gotox).
Status collect_gotox_targets(Env& env);

// gotox: st continues at the first feasible target and `spawned` gets the
// others. Returns false when no target is feasible (the path ends).
Result<bool> do_gotox(Env& env, State& st, const Insn& insn, std::vector<State>& spawned);

// callx: enters the function the register points to, as a static call does.
Status do_callx(Env& env, State& st, const Insn& insn);

}  // namespace decade::verifier
