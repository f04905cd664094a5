// SPDX-License-Identifier: Apache-2.0
// Text <-> bytecode, in the two syntaxes users meet: LLVM's (as
// `llvm-objdump-19 -d` prints it) and the classic syntax of the BPF
// conformance suite. Both are driven by the ISA table's templates.
//
// LLVM syntax follows llvm-objdump exactly except where its text cannot be
// assembled back to the same bytes:
//   - a local call with a forward target prints "call +0x5" (llvm-objdump:
//     "call 0x5", which is helper 5); "call -0x1" is a local call, so a
//     helper id >= 2^31 prints unsigned ("call 0xffffffff");
//   - a kfunc call prints "call_kfunc 0x55, 0x1" (imm, then the off field);
//   - pseudo ld_imm64 forms print a non-zero second-slot imm as an extra last
//     argument: "r1 = btf_id(0x3, 0x1) ll".
// The assembler also reads llvm-objdump's output as is: the address and raw
// bytes columns, <sym+0x..> annotations, symbol headers, and wN for rN in
// sub-64-bit loads and stores (llvm-objdump-22 prints those).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decade/error.hpp"
#include "isa/insn.hpp"

namespace decade {

enum class Syntax : uint8_t { Llvm, Classic };

struct AsmOptions {
  // nullopt: detect per line (a line with '=' or '(' is LLVM syntax; one with
  // %rN or [..] operands, or starting with a classic mnemonic, is classic;
  // "call N" is LLVM). Mixed files are allowed.
  std::optional<Syntax> syntax;
  std::string file_name;  // for error locations
};

struct Assembled {
  std::vector<RawInsn> code;           // slots, ready to decode
  std::vector<uint32_t> source_lines;  // per slot: 1-based line of the text (0 for an lddw's second slot)
};

// Errors carry the text line in Error::where.line and the slot in Error::insn.
Result<Assembled> assemble(std::string_view text, const AsmOptions& opts = {});

struct DisasmOptions {
  Syntax syntax = Syntax::Llvm;
  // LLVM syntax: jump targets as llvm-objdump prints them ("goto +0x3 <LBB0_2>"
  // is printed as "goto +0x3"); classic: "+3". When true, targets are labels.
  bool labels = false;
};

// One instruction, no trailing newline.
std::string disassemble(const Insn& insn, const DisasmOptions& opts = {});
// A whole program, one instruction per line ("   0: <text>" with the slot).
std::string disassemble(const Program& prog, const DisasmOptions& opts = {});

// A conformance-suite `.data` file (../shared/conformance/FORMAT.md).
struct DataFile {
  std::vector<RawInsn> code;        // from `-- raw` when present, else `-- asm`
  std::vector<uint8_t> mem;         // `-- mem`
  std::optional<uint64_t> result;   // `-- result`
  std::optional<std::string> error; // `-- error`
  // `-- stack-size` (Decade's own section, docs/isa-extensions.md "stack"):
  // the file runs verified, as the raw program type, with this
  // VerifyOptions::max_stack; without it, unverified with checked accesses.
  // Runners that do not know the section skip the file.
  std::optional<uint32_t> stack_size;
  bool skip = false;                // unknown section header: the runner skips the file
};
Result<DataFile> parse_data_file(std::string_view text);

}  // namespace decade
