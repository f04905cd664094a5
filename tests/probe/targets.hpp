// SPDX-License-Identifier: Apache-2.0
// Functions the probe tests attach to, written in assembly (targets.cpp) so
// their first bytes have exactly the shapes under test, and helpers to load
// tests/probe/progs/probes.bpf.c.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "decade/decade.hpp"

extern "C" {
long t_work(long x);        // 3x + 1; push rbp / mov rbp, rsp / lea: boundaries inside the patched bytes
long t_call_work(long x);   // t_work(x) from a frame-pointer frame
extern const char t_call_work_ret[];  // the return address of that call
long t_rip_rel(long x);     // t_rip_value + x: a RIP-relative load first
long t_short_jcc(long x);   // 1 when x != 0, else 2: test; jz rel8 in the patched bytes
long t_call_first(long x);  // x + 1 through a call rel32 in the patched bytes
long t_too_short(long x);   // 3 bytes
long t_jump_into(long x);   // a loop back to byte 2
long t_loop_first(long x);  // starts with `loop`, which cannot be moved
double t_fadd2(double a, double b);  // a + 2b in xmm0
long t_less(long a, long b);         // cmp, then (at +3, flags live) setl
long t_keep_regs();                  // 1 when every register it set survived (t_keep_regs_at, the inner call)
extern const char t_keep_regs_at[];  // inside t_keep_regs, once every register is set
long t_keep_regs_inner();            // 7, called from t_keep_regs
}

namespace decade::test {

inline uint64_t addr_of(long (*fn)(long)) { return reinterpret_cast<uint64_t>(fn); }

// build/bpf/probe/progs/OBJECT.bpf.o loaded on `engine`, allowed to read
// the whole user address space (bpf_get_stack, bpf_usdt_arg), with root's
// verifier rules.
inline Result<BpfObject> load_probes(const std::string& engine, const std::string& object = "probes") {
  auto o = BpfObject::open(std::string(DECADE_BINARY_DIR) + "/bpf/probe/progs/" + object + ".bpf.o");
  if (!o) return o;
  if (auto s = o->grant(Grant::ReadHostMemory); !s) return std::unexpected(s.error());
  // Root's verifier rules, which usdt.bpf.h's BPF_USDT needs (it hands
  // bpf_usdt_arg an unwritten stack slot, as libbpf users' programs do).
  if (auto s = o->grant(Grant::Privileged); !s) return std::unexpected(s.error());
  if (auto s = o->add_readable_range(reinterpret_cast<const void*>(0x1000), 0x7fffffffe000 - 0x1000); !s)
    return std::unexpected(s.error());
  LoadOptions lo;
  lo.engine = engine;
  if (auto s = o->load(lo); !s) return std::unexpected(s.error());
  return o;
}

// Element `key` of a u64 array map.
inline uint64_t u64_at(const BpfObject& o, const char* map, uint32_t key) {
  auto m = o.map(map);
  EXPECT_TRUE(m);
  uint64_t v = 0;
  if (m) {
    auto s = m->lookup({reinterpret_cast<const uint8_t*>(&key), 4}, {reinterpret_cast<uint8_t*>(&v), 8});
    EXPECT_TRUE(s);
  }
  return v;
}

}  // namespace decade::test
