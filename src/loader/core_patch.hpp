// SPDX-License-Identifier: Apache-2.0
// Applies .BTF.ext CO-RE relocations to one code section's raw instructions
// (before linking, so every program sharing the code sees the result).
#pragma once

#include <vector>

#include "btf/btf.hpp"
#include "btf/btf_ext.hpp"
#include "btf/core.hpp"
#include "decade/error.hpp"
#include "isa/insn.hpp"

namespace decade {

// libbpf's poison: the helper id an unresolvable relocation's instruction
// calls instead (0xbad2310), refused by the verifier where it is reached.
inline constexpr uint32_t kCorePoisonHelper = 0xbad2310;

// Patches imm (ALU with immediate), off (loads and stores, resizing a load
// when the field's size changed) or the 64-bit immediate (ld_imm64). A
// relocation no target type satisfies poisons its instruction, as libbpf
// does (CoreNoMatch is no error here). Errors carry the section's
// instruction index.
Status apply_core_relocs(std::vector<RawInsn>& code, const BtfExtSection& relos, const Btf& local, const Btf& target,
                         const CoreTargetIndex& index);

}  // namespace decade
