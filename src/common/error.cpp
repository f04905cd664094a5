// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include "decade/error.hpp"

namespace decade {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
#define E(N) \
  case ErrorCode::N: return #N;
    E(Ok) E(InvalidArgument) E(IoError) E(Unsupported) E(Internal) E(OutOfMemory)
    E(DecodeEmpty) E(DecodeTruncated) E(DecodeUnknownOpcode) E(DecodeReservedField) E(DecodeBadRegister)
    E(DecodeLddwCutOff) E(DecodeLddwBadSecondSlot) E(DecodeJumpOutOfRange) E(DecodeJumpIntoLddw) E(DecodeTooLong)
    E(DecodeBadImmediate) E(DecodeNotAllowed) E(DecodeBadStackArg)
    E(AsmSyntax) E(AsmUnknownMnemonic) E(AsmBadOperand) E(AsmBadRegister) E(AsmOperandCount) E(AsmImmediateRange)
    E(AsmOffsetRange) E(AsmUnknownLabel) E(AsmDuplicateLabel) E(AsmUnknownDirective)
    E(ExecOutOfBounds) E(ExecBudgetExhausted) E(ExecBadCall) E(ExecCallDepth) E(ExecBadJump) E(ExecTailCallLimit)
    E(ExecCancelled) E(ExecHelperFault) E(ExecUnsupported) E(ExecMisaligned)
    E(ExecTimeout)
    E(ElfMalformed) E(ElfNotBpf) E(ElfBadSection) E(ElfBadSymbol) E(ElfBadRelocation) E(ElfMissingMap)
    E(ElfMissingSymbol) E(ElfUnknownSection) E(ElfNoProgram) E(ElfBadJumpTable)
    E(ElfKconfigMissing) E(ElfKconfigBadValue) E(ElfDataRelocation) E(ElfExtensionMissing) E(ValueTextMalformed)
    E(BtfMalformed) E(BtfBadTypeId) E(BtfCycle) E(BtfTooLarge) E(BtfBadString) E(BtfExtMalformed)
    E(CoreUnknownRelocKind) E(CoreNoMatch) E(CoreAmbiguous)
    E(MapNotFound) E(MapBadKeySize) E(MapBadValueSize) E(MapFull) E(MapKeyExists) E(MapKeyNotFound) E(MapBadFlags)
    E(MapBadType) E(MapEmpty) E(MapBadMaxEntries) E(MapBadInner) E(MapMemoryLimit) E(MapProgArrayMismatch)
    E(FibBadEntry)
    E(ProgramNotFound) E(HelperNotFound) E(KfuncNotFound) E(ProgramTypeNotFound)
    E(VerifierReject) E(VerifierBudget)
    E(VerifierUninitRegister) E(VerifierUninitStack) E(VerifierOutOfBounds) E(VerifierNullDeref)
    E(VerifierBadCtxAccess) E(VerifierPointerLeak) E(VerifierBadHelperArg) E(VerifierRefLeak) E(VerifierBadRelease)
    E(VerifierUnreachable) E(VerifierInfiniteLoop) E(VerifierStackLimit) E(VerifierCallDepth) E(VerifierLock)
    E(VerifierBadReturn) E(VerifierBadJump) E(VerifierFallThrough) E(VerifierInvalidMemAccess)
    E(VerifierBadPointerArith) E(VerifierUnknownFunc) E(VerifierReadOnly) E(VerifierMisaligned) E(VerifierBadMap)
    E(VerifierIterator) E(VerifierUnsupported) E(VerifierBadCallback) E(VerifierBadGlobalFunc)
    E(VerifierIndirectJump) E(VerifierIndirectCall) E(VerifierMemoryLimit) E(VerifierNotGranted) E(VerifierException) E(VerifierStackArg)
    E(VerifierAllocaSize) E(VerifierAllocaBounds) E(VerifierAllocaPlacement)
    E(ProbeSymbolNotFound) E(ProbeFunctionTooShort) E(ProbeJumpIntoPatch) E(ProbeCannotRelocate) E(ProbeBadAddress)
    E(ProbeAttachFailed) E(ProbeUsdtNotFound) E(ProbeUsdtBadArgument) E(ProbeBadSection) E(ProbeNoProcess)
    E(ProbeInjectFailed) E(ProbeAgentFailed)
#undef E
  }
  return "Unknown";
}

std::string Error::to_string() const {
  std::string s = fmt::format("error E{} {}", static_cast<unsigned>(code), error_code_name(code));
  if (insn >= 0) s += fmt::format(" at insn {}", insn);
  if (!where.file.empty()) s += fmt::format(" ({}:{})", where.file, where.line);
  else if (where.line) s += fmt::format(" (line {})", where.line);
  s += ": " + message;
  if (!kernel.empty()) s += "\n  kernel: " + kernel;
  if (!hint.empty()) s += "\n  hint: " + hint;
  return s;
}

}  // namespace decade
