// SPDX-License-Identifier: Apache-2.0
// Errors are values with locations. Every fallible function returns
// decade::Result<T>; no exception crosses the public API.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace decade {

// Stable codes: tests assert these, never message text. Grouped by stage.
// Add new codes at the end of their group; never renumber.
enum class ErrorCode : uint16_t {
  Ok = 0,
  // generic / arguments (1..99)
  InvalidArgument = 1,
  IoError = 2,
  Unsupported = 3,
  Internal = 4,
  OutOfMemory = 5,
  // decode (100..199)
  DecodeEmpty = 100,
  DecodeTruncated = 101,       // byte length not a multiple of 8
  DecodeUnknownOpcode = 102,
  DecodeReservedField = 103,   // a field the instruction does not use is non-zero
  DecodeBadRegister = 104,
  DecodeLddwCutOff = 105,      // ld_imm64 missing its second slot
  DecodeLddwBadSecondSlot = 106,
  DecodeJumpOutOfRange = 107,
  DecodeJumpIntoLddw = 108,
  DecodeTooLong = 109,
  DecodeBadImmediate = 110,    // e.g. addr_space_cast with an invalid address-space pair
  DecodeNotAllowed = 111,      // disabled by options: newer -mcpu, kernel extension, legacy packet access
  // assembler (200..299)
  AsmSyntax = 200,
  AsmUnknownMnemonic = 201,
  AsmBadOperand = 202,
  AsmBadRegister = 203,
  AsmOperandCount = 204,
  AsmImmediateRange = 205,
  AsmOffsetRange = 206,
  AsmUnknownLabel = 207,
  AsmDuplicateLabel = 208,
  AsmUnknownDirective = 209,
  // execution (300..399)
  ExecOutOfBounds = 300,
  ExecBudgetExhausted = 301,
  ExecBadCall = 302,           // unknown helper id, bad callx target
  ExecCallDepth = 303,
  ExecBadJump = 304,
  ExecTailCallLimit = 305,
  ExecCancelled = 306,
  ExecHelperFault = 307,       // a helper reported an unrecoverable fault
  ExecUnsupported = 308,       // an instruction the engine cannot run in this mode
  ExecMisaligned = 309,
  // object loading: ELF (400..499)
  ElfMalformed = 400,
  ElfNotBpf = 401,
  ElfBadSection = 402,
  ElfBadSymbol = 403,
  ElfBadRelocation = 404,
  ElfMissingMap = 405,
  ElfMissingSymbol = 406,
  ElfUnknownSection = 407,
  ElfNoProgram = 408,
  // BTF / CO-RE (500..599)
  BtfMalformed = 500,
  BtfBadTypeId = 501,
  BtfCycle = 502,
  BtfTooLarge = 503,
  BtfBadString = 504,
  BtfExtMalformed = 505,
  CoreUnknownRelocKind = 506,
  CoreNoMatch = 507,
  CoreAmbiguous = 508,
  // maps and runtime (600..699)
  MapNotFound = 600,
  MapBadKeySize = 601,
  MapBadValueSize = 602,
  MapFull = 603,
  MapKeyExists = 604,
  MapKeyNotFound = 605,
  MapBadFlags = 606,
  MapBadType = 607,
  MapEmpty = 608,
  MapBadMaxEntries = 609,      // max_entries zero, not a power of two where required, or too large
  MapBadInner = 610,           // map-in-map: inner map missing or incompatible with the template
  ProgramNotFound = 620,
  HelperNotFound = 621,
  KfuncNotFound = 622,
  ProgramTypeNotFound = 623,
  // verifier (700..799) -- see src/verifier for the detailed list
  VerifierReject = 700,
  VerifierBudget = 701,
};

std::string_view error_code_name(ErrorCode code);

struct SourceLocation {
  std::string file;  // empty when unknown
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text;  // the source line, when known
};

struct Error {
  ErrorCode code = ErrorCode::Internal;
  int64_t insn = -1;     // instruction (slot) index, -1 when not about one instruction
  std::string message;   // human text; never parsed by tests
  SourceLocation where;  // source line from BTF line info or the assembly file
  std::string hint;      // optional one-line advice

  // "E102 DecodeUnknownOpcode at insn 3 (file.c:12): message"
  std::string to_string() const;
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> make_error(ErrorCode code, std::string message, int64_t insn = -1) {
  return std::unexpected(Error{code, insn, std::move(message), {}, {}});
}

// Result<void> convenience.
using Status = std::expected<void, Error>;
inline Status ok() { return {}; }

}  // namespace decade
