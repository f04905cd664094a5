// SPDX-License-Identifier: Apache-2.0
// Bytes -> Program. The only code that reads opcode bits (with isa.cpp).
#pragma once

#include <cstdint>
#include <span>

#include "decade/error.hpp"
#include "isa/insn.hpp"

namespace decade {

struct DecodeOptions {
  uint32_t max_slots = 1'000'000;  // the kernel's privileged program-size limit
  uint8_t max_cpu = 4;             // reject instructions newer than this -mcpu version
  bool allow_kernel_ext = true;    // may_goto, gotox, kfunc calls, pseudo ld_imm64, ...
  bool allow_legacy_packet = true; // LD_ABS / LD_IND
  bool allow_bitmanip = true;      // the Decade extension bitmanip (refused with ElfExtensionMissing)
  bool allow_stackargs = true;     // the Decade extension stackargs (likewise)
  bool allow_alloca = true;        // the Decade extension alloca (likewise)
};

// Decode a whole program. Errors carry the slot index of the offending instruction.
Result<Program> decode(std::span<const uint8_t> bytes, const DecodeOptions& opts = {});
Result<Program> decode(std::span<const RawInsn> raw, const DecodeOptions& opts = {});

// Decode one instruction at slot `pc` of `raw` (looks at the next slot for ld_imm64).
// Checks fields but not jump targets.
Result<Insn> decode_one(std::span<const RawInsn> raw, uint32_t pc, const DecodeOptions& opts = {});

// Whether the instruction writes r10 (as destination, or as the register a
// fetching atomic returns the old value in). Decoding accepts such an
// instruction: like the kernel, the verifier refuses it only where a path
// reaches it (VerifierReadOnly), so dead code is not rejected for what it
// would do; the engines compile it as a fault.
bool writes_frame_pointer(const Insn& in);

}  // namespace decade
