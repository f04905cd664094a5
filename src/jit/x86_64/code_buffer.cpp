// SPDX-License-Identifier: Apache-2.0
#include "jit/x86_64/code_buffer.hpp"

#include <memory>

namespace decade::jit::x64 {

CodeBuffer::CodeBuffer() {
  code_.init(asmjit::Environment::host());
  code_.setErrorHandler(&handler_);
  as_ = std::make_unique<asmjit::x86::Assembler>(&code_);
}

Status CodeBuffer::status() const {
  if (handler_.failed) return make_error(ErrorCode::Internal, "jit: encoding failed: " + handler_.message_);
  return ok();
}

Result<ExecMemory> CodeBuffer::finalize() {
  if (auto s = status(); !s) return std::unexpected(s.error());
  if (code_.flatten() != asmjit::kErrorOk || code_.resolveUnresolvedLinks() != asmjit::kErrorOk)
    return make_error(ErrorCode::Internal, "jit: unresolved labels");
  const size_t size = code_.codeSize();
  auto mem = ExecMemory::reserve(size);
  if (!mem) return std::unexpected(mem.error());
  if (code_.relocateToBase(mem->base()) != asmjit::kErrorOk)
    return make_error(ErrorCode::Internal, "jit: relocation failed");
  const size_t final_size = code_.codeSize();  // relocation may shrink it
  auto w = mem->writable();
  if (code_.copyFlattenedData(w.data(), w.size(), asmjit::CopySectionFlags::kPadSectionBuffer) != asmjit::kErrorOk)
    return make_error(ErrorCode::Internal, "jit: copying code failed");
  if (auto s = mem->seal(final_size); !s) return std::unexpected(s.error());
  return std::move(*mem);
}

}  // namespace decade::jit::x64
