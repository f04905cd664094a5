// SPDX-License-Identifier: Apache-2.0
// A probed address: its trampoline, its original bytes and the programs
// attached there. Sites are created on the first attach to an address and
// never freed: a thread may still be inside the trampoline (or, for a
// return probe, have its return address pointing at the return stub with
// the site on its shadow stack) long after the last detach, and a later
// attach to the same address reuses the same trampoline, whose code does
// not change. Memory is bounded by the number of distinct probed addresses.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "probe/probe.hpp"
#include "probe/relocate.hpp"

namespace decade::probe {

struct ProbeEntry {
  RunFn run;
  void* prog;
  uint64_t cookie;
  uint64_t key;  // the Attachment's
};

// Immutable once published; replaced whole on attach and detach.
struct ProbeList {
  std::vector<ProbeEntry> entries;
};

struct Site {
  uint64_t addr = 0;
  bool at_entry = false;                  // addr is its function's first instruction
  std::string function;                   // for messages
  uint64_t trampoline = 0;                // page near addr (trampoline.cpp layout)
  Relocated moved;                        // what the jump replaced, moved into the trampoline
  uint8_t original[16] = {};              // the bytes at addr before patching
  uint8_t jump[kJumpSize] = {};           // jmp rel32 to the trampoline
  bool patched = false;
  std::atomic<const ProbeList*> on_entry{nullptr};
  std::atomic<const ProbeList*> on_return{nullptr};
};

// Bytes of the trampoline before the moved instructions (trampoline.cpp).
inline constexpr uint32_t kTrampolinePrologue = 25;

// Builds the trampoline of `site` (addr, function, moved filled by it):
// ProbeAttachFailed when no memory within rel32 reach is free.
Status build_trampoline(Site& site, const FunctionRange& fn);

}  // namespace decade::probe
