// SPDX-License-Identifier: Apache-2.0
// In-process probes: run a callback (a loaded BPF program) when a thread of
// this process reaches an instruction (an entry probe) or returns from a
// function (a return probe). The core that the public attach API
// (src/api/uprobe.cpp), USDT probes (an address and a cookie) and an
// injected agent share. How it works and what it refuses: docs/uprobes.md.
//
// Contracts:
//  - attach() patches the code at spec.addr with a 5-byte jmp to a
//    trampoline on first use of that address; several attachments share one
//    site; the last detach() writes the original bytes back.
//  - A hit calls spec.run(spec.prog, regs) with regs laid out as the
//    kernel's x86-64 pt_regs; runtime/probe_hit.hpp describes the hit to
//    helpers meanwhile. spec.prog must stay valid until detach() returns:
//    detach waits until no thread is inside a run of this attachment.
//  - A hit on a thread that is already inside a probe (a helper or a
//    signal handler reaching a probed function) runs no program: the
//    original code just runs (nested_skips() counts them).
//  - Thread-safe; attach and detach may run while other threads hit the
//    probe. Not async-signal-safe (they take a mutex and map memory).
#pragma once

#include <cstdint>
#include <memory>

#include "decade/error.hpp"
#include "runtime/packet_context.hpp"

namespace decade::probe {

using RunFn = void (*)(void* prog, X86PtRegs* regs);

struct AttachSpec {
  uint64_t addr = 0;      // the probed instruction; a return probe's must be a function's first
  bool retprobe = false;  // run on return from the function instead of at addr
  uint64_t cookie = 0;    // bpf_get_attach_cookie
  RunFn run = nullptr;
  void* prog = nullptr;
};

struct Site;  // site.cpp

class Attachment {
 public:
  ~Attachment();
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;
  // Removes this attachment (and the patch, when it was the last one of its
  // address) and waits until no thread runs it. Idempotent.
  Status detach();
  uint64_t address() const;

 private:
  friend Result<std::unique_ptr<Attachment>> attach(const AttachSpec& spec);
  Attachment(Site* site, uint64_t key, bool ret) : site_(site), key_(key), ret_(ret) {}
  Site* site_;
  uint64_t key_;
  bool ret_;
  bool attached_ = true;
};

// ProbeBadAddress, ProbeFunctionTooShort, ProbeJumpIntoPatch,
// ProbeCannotRelocate, ProbeSymbolNotFound (no function covers addr),
// ProbeAttachFailed (code cannot be patched); Unsupported off x86-64.
Result<std::unique_ptr<Attachment>> attach(const AttachSpec& spec);

// Hits that ran no program because their thread was already inside a probe.
uint64_t nested_skips();

}  // namespace decade::probe
