// SPDX-License-Identifier: Apache-2.0
// The code buffer: asmjit's CodeHolder (sections, labels, fixups and
// relocations) with its x86 Assembler as the encoder, plus the pc map that
// is filled while code is emitted. finalize() lays the code out at its final
// address in W^X executable memory.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <memory>
#include <string>

#include "decade/error.hpp"
#include "jit/x86_64/exec_memory.hpp"
#include "jit/x86_64/pc_map.hpp"

namespace decade::jit::x64 {

class CodeBuffer {
 public:
  CodeBuffer();
  CodeBuffer(const CodeBuffer&) = delete;
  CodeBuffer& operator=(const CodeBuffer&) = delete;

  asmjit::x86::Assembler& as() { return *as_; }
  asmjit::Label new_label() { return as_->newLabel(); }
  uint32_t offset() const { return static_cast<uint32_t>(as_->offset()); }
  // Code emitted from here on belongs to slot pc (-1: glue).
  void mark(int32_t pc) { pc_map_.mark(offset(), pc); }
  uint64_t label_offset(const asmjit::Label& l) const { return code_.labelOffset(l); }

  // The first encoding error, if any (asmjit reports through an error handler).
  Status status() const;
  // Resolves fixups, copies the code into fresh memory relocated to its
  // address and seals it read+execute.
  Result<ExecMemory> finalize();
  PcMap& pc_map() { return pc_map_; }

 private:
  class Handler : public asmjit::ErrorHandler {
   public:
    void handleError(asmjit::Error err, const char* message, asmjit::BaseEmitter*) override {
      if (!failed) message_ = message;
      failed = true;
      (void)err;
    }
    bool failed = false;
    std::string message_;
  };
  asmjit::CodeHolder code_;
  Handler handler_;
  std::unique_ptr<asmjit::x86::Assembler> as_;
  PcMap pc_map_;
};

}  // namespace decade::jit::x64
