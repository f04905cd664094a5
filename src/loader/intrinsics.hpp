// SPDX-License-Identifier: Apache-2.0
// Calls of the ISA extensions' C intrinsics (isa/intrinsics.hpp) turned into
// the instruction they stand for, so that `decade_popcount64(x)` costs one
// popcnt, not a call.
//
// The call takes its value in r1 (and a rotate's amount in r2) and returns
// in r0; the instruction works in place on its dst. So the rewrite needs the
// value in r0: the last instruction before the call that sets r1 (a move, a
// sign-extending move, a load or a ld_imm64, within 8 instructions and the
// same straight-line code) is made to set r0 instead, and the call becomes
// `r0 = popcnt r0` (or `r0 = rol r0, r2`). That is exact because a call
// leaves r1-r5 unusable, so nothing reads the r1 the call would have
// consumed. It is done only when nothing in between reads or writes r0 or
// r1, no jump lands after the retargeted instruction up to the call, and the
// program has no gotox (whose targets are not known here). Otherwise the
// call stays a call of the kfunc of the same name (runtime/kfuncs), with the
// same result.
//
// decade_alloca (the alloca extension) needs none of that: its call becomes
// `r0 = alloca r1` in place, always.
#pragma once

#include <string>
#include <vector>

#include "isa/insn.hpp"

namespace decade {

// kfunc_names: the names of the kfuncs CALL_KFUNC's imm indexes (Object::kfuncs).
// Returns how many calls became instructions.
size_t fuse_intrinsic_calls(Program& prog, const std::vector<std::string>& kfunc_names);

}  // namespace decade
