// SPDX-License-Identifier: Apache-2.0
// The checked loop: every instruction counts against the budget and every
// access is bounds-checked; no forwarded variants, no superinstructions.
#include "interp/exec_loop.hpp"

namespace decade::interp::detail {

template <>
bool exec<true>(RunState* stp, const TInsn* start, const uint64_t* args, uint64_t* r0, Handlers* handlers) {
  constexpr bool Checked = true;
#define FWDV(...)
#include "interp/exec_body.inc"
#undef FWDV
}

}  // namespace decade::interp::detail
