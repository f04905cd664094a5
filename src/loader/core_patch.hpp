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

// Patches imm (ALU with immediate), off (loads and stores, resizing a load
// when the field's size changed) or the 64-bit immediate (ld_imm64).
// Errors carry the section's instruction index.
Status apply_core_relocs(std::vector<RawInsn>& code, const BtfExtSection& relos, const Btf& local, const Btf& target,
                         const CoreTargetIndex& index);

}  // namespace decade
