// SPDX-License-Identifier: Apache-2.0
// Errors are values with locations. Every fallible function returns
// decade::Result<T>; no exception crosses the public API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <version>

#include "decade/export.h"

// C++23 gives std::expected; a C++20 host gets decade/expected_compat.hpp,
// the same subset with the same layout (docs/embedding.md).
#if defined(__cpp_lib_expected) && __cpp_lib_expected >= 202202L
#include <expected>
namespace decade {
template <typename T, typename E>
using Expected = std::expected<T, E>;
template <typename E>
using Unexpected = std::unexpected<E>;
}  // namespace decade
#else
#include "decade/expected_compat.hpp"
#endif

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
  DecodeBadStackArg = 112,     // r11 outside the stack-argument loads and stores, or an offset naming no slot
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
  ExecCancelled = 306,         // the host cancelled the run (a cancel token); names where it stopped
  ExecHelperFault = 307,       // a helper reported an unrecoverable fault
  ExecUnsupported = 308,       // an instruction the engine cannot run in this mode
  ExecMisaligned = 309,
  ExecTimeout = 310,           // the run's deadline passed; names the instruction where it stopped
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
  ElfBadJumpTable = 409,       // .jumptables: table outside its section, misaligned, or an entry outside its function
  ElfKconfigMissing = 410,     // a strong __kconfig extern the host's kconfig text gives no value
  ElfKconfigBadValue = 411,    // a kconfig value that does not fit its extern, or an extern of an unsupported type
  ElfDataRelocation = 412,     // an address (function pointer, pointer to a variable or string) stored in global data
  ElfExtensionMissing = 413,   // the program needs a Decade ISA extension this runtime lacks or the host disabled (named)
  ValueTextMalformed = 416,    // a map key or value as text (map dump's JSON or hex) that does not parse or fit its type
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
  MapMemoryLimit = 611,        // a map's memory passes the limit per map or the object's budget (MapLimits)
  MapProgArrayMismatch = 612,  // a program differs from its prog_array's owner (type, engine, attach type, ...)
  FibBadEntry = 613,           // a routing table entry (FibTable, `decade run --fib`) is malformed or names a missing interface
  ProgramNotFound = 620,
  HelperNotFound = 621,
  KfuncNotFound = 622,
  ProgramTypeNotFound = 623,
  // verifier (700..799) -- see src/verifier for the detailed list
  VerifierReject = 700,
  VerifierBudget = 701,
  VerifierUninitRegister = 702,   // read of a register never written on this path
  VerifierUninitStack = 703,      // read of stack bytes never written
  VerifierOutOfBounds = 704,      // memory access outside its region (stack, map value, packet, ctx, memory)
  VerifierNullDeref = 705,        // access through a pointer that may be NULL
  VerifierBadCtxAccess = 706,     // context field not readable/writable as accessed
  VerifierPointerLeak = 707,      // pointer stored into a map, passed as a scalar, returned, or truncated
  VerifierBadHelperArg = 708,     // helper/kfunc argument of the wrong kind or size
  VerifierRefLeak = 709,          // acquired reference not released (insn = the acquiring call)
  VerifierBadRelease = 710,       // release of something not acquired, or released twice
  VerifierUnreachable = 711,      // instruction no path reaches
  VerifierInfiniteLoop = 712,     // a state repeats exactly: the loop never ends
  VerifierStackLimit = 713,       // stack over the limit along a call chain
  VerifierCallDepth = 714,        // too many nested calls, or recursion
  VerifierLock = 715,             // spin-lock rule broken
  VerifierBadReturn = 716,        // return value outside the program type's range, or not a scalar
  VerifierBadJump = 717,          // jump outside the program or its subprogram
  VerifierFallThrough = 718,      // control reaches past the last instruction of a function
  VerifierInvalidMemAccess = 719, // load/store through a non-pointer or a pointer that allows no access
  VerifierBadPointerArith = 720,  // arithmetic not allowed on this pointer
  VerifierUnknownFunc = 721,      // unknown helper/kfunc, or not allowed for this program type
  VerifierReadOnly = 722,         // write to read-only memory (frozen map, read-only ctx)
  VerifierMisaligned = 723,       // misaligned stack access
  VerifierBadMap = 724,           // bad map reference or map of the wrong type for the call
  VerifierIterator = 725,         // open-coded iterator misuse
  VerifierUnsupported = 726,      // an instruction or construct the verifier does not model
  VerifierBadCallback = 727,      // callback function with a bad return value or signature
  VerifierBadGlobalFunc = 728,    // global function whose BTF signature is not supported
  VerifierIndirectJump = 729,     // gotox through a register not loaded from a jump table, or a bad table
  VerifierIndirectCall = 730,     // callx through a register that holds no function pointer
  VerifierMemoryLimit = 731,      // exploration needed more memory than the verifier's budget
  VerifierNotGranted = 732,       // a helper that reads host memory outside a tracing type or without the host's grant
  VerifierException = 733,        // bpf_throw where the kernel refuses it, or a bad exception callback
  VerifierStackArg = 734,         // stack argument (r11) not written before the call, read past the count, or of the wrong kind
  VerifierAllocaSize = 735,       // alloca of a size that is not a number bounded to fit the frame's remaining room
  VerifierAllocaBounds = 736,     // access through an alloca pointer outside its area [p, p + size bound)
  VerifierAllocaPlacement = 737,  // alloca reached with another allocation top (a loop, paths that disagree), or a fixed stack access into the allocation area
  // probes and attach (800..899)
  ProbeSymbolNotFound = 800,      // no such function in the named binary or library, or no symbol covers the address
  ProbeFunctionTooShort = 801,    // the function ends before the 5 bytes the jump needs
  ProbeJumpIntoPatch = 802,       // a branch of the function lands inside the bytes the jump would replace
  ProbeCannotRelocate = 803,      // an instruction of the patched bytes cannot be moved (named)
  ProbeBadAddress = 804,          // not in an executable mapping, or not an instruction boundary
  ProbeAttachFailed = 805,        // the program cannot be attached (wrong type, not loaded) or the code cannot be patched
  ProbeUsdtNotFound = 806,        // the binary has no USDT probe of that provider and name (.note.stapsdt)
  ProbeUsdtBadArgument = 807,     // a USDT argument location the probe cannot read (named)
  ProbeBadSection = 808,          // a uprobe/uretprobe/usdt section that names no target (PATH:FUNC[+OFF], PATH:PROVIDER:NAME)
  ProbeNoProcess = 809,           // no such process, or it exited while being attached
  ProbeInjectFailed = 810,        // the agent could not be loaded into the process (ptrace, dlopen, no agent library)
  ProbeAgentFailed = 811,         // the agent in the process did not answer in time or broke the protocol
};

DECADE_API std::string_view error_code_name(ErrorCode code);

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
  // Verifier errors: the Linux verifier's phrase for the same rule, as its
  // log prints it ("R1 invalid mem access 'scalar'"), so users can search
  // for it; empty when Linux has no such rule. Never parsed by tests.
  std::string kernel;

  // "E102 DecodeUnknownOpcode at insn 3 (file.c:12): message"
  DECADE_API std::string to_string() const;
};

template <typename T>
using Result = Expected<T, Error>;

inline Unexpected<Error> make_error(ErrorCode code, std::string message, int64_t insn = -1) {
  return Unexpected<Error>(Error{code, insn, std::move(message), {}, {}});
}

// Result<void> convenience.
using Status = Expected<void, Error>;
inline Status ok() { return {}; }

}  // namespace decade
