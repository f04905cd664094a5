// SPDX-License-Identifier: Apache-2.0
// One instruction in the syntax of the Linux verifier's log and of
// `bpftool prog dump xlated` ("r0 = *(u64 *)(r10 -8)", "if r1 > 0x3 goto
// pc+2", "call bpf_map_lookup_elem#1"): the verifier's `-v` log and
// `decade prog dump xlated` print instructions with it.
#pragma once

#include <span>
#include <string>

#include "isa/insn.hpp"
#include "runtime/platform.hpp"

namespace decade {

// Without the "(op)" prefix. Helpers are named from `platform`; kfunc calls
// by `kfuncs[imm]` when the program's kfunc table is given, else
// "kfunc#N". Map references print as map[idx:N] (the object's N-th map: no
// kernel ids here).
std::string kernel_insn_text(const Insn& in, const Platform& platform, std::span<const FuncProto* const> kfuncs = {});

}  // namespace decade
