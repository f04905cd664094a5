// SPDX-License-Identifier: Apache-2.0
// Insn -> bytes, and constructors that fill in a row's discriminating field.
#pragma once

#include <cstdint>
#include <vector>

#include "decade/error.hpp"
#include "isa/insn.hpp"

namespace decade {

// Build an instruction for a row: the discriminating field (DISC/DVAL) is set
// from the table; the caller supplies the operand fields the shape uses.
Insn make_insn(Op op, uint8_t dst = 0, uint8_t src = 0, int16_t off = 0, int32_t imm = 0, uint64_t imm64 = 0);

// Encode one instruction into one or two raw slots (appended to out).
void encode(const Insn& insn, std::vector<RawInsn>& out);
std::vector<RawInsn> encode(const Program& prog);
std::vector<uint8_t> to_bytes(const std::vector<RawInsn>& raw);

}  // namespace decade
