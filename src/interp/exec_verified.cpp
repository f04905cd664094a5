// SPDX-License-Identifier: Apache-2.0
// The verified loop: bounds checks only where the verifier did not prove the
// access, the forwarded variants (forward.def) and the superinstructions
// (fusion.def, fused_handlers.inc).
#include "interp/exec_loop.hpp"

namespace decade::interp::detail {

template <>
bool exec<false>(RunState* stp, const TInsn* start, const uint64_t* args, uint64_t* r0, Handlers* handlers) {
  constexpr bool Checked = false;
#define DECADE_EXEC_FUSED
#define DECADE_EXEC_VERIFIED
#define FWDV(...) __VA_ARGS__
#include "interp/exec_body.inc"
#undef FWDV
#undef DECADE_EXEC_VERIFIED
#undef DECADE_EXEC_FUSED
}

}  // namespace decade::interp::detail
