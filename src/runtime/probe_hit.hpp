// SPDX-License-Identifier: Apache-2.0
// What a probe hit tells the tracing helpers (bpf_get_func_ip,
// bpf_get_attach_cookie, bpf_get_stack): set by src/probe for each program
// it runs on a hit, read by the helpers on the same thread. Outside a hit
// (a test run on a hand-made pt_regs) every field is zero.
#pragma once

#include <cstdint>

namespace decade {

struct ProbeHitInfo {
  uint64_t func_ip = 0;   // the probed address (function start + offset)
  uint64_t cookie = 0;    // given at attach
  // The hit is at a function's first instruction: the return address is
  // still at [sp] and rbp is the caller's frame (bpf_get_stack adds it).
  bool at_entry = false;
};

// Plain data with constant initialisation: no TLS init call on the hit path.
inline thread_local ProbeHitInfo t_probe_hit;

}  // namespace decade
