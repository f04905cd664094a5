// SPDX-License-Identifier: Apache-2.0
// Escapes through the engines and the helpers, on every engine, through the
// public API: tail-call chains bounded at 33 per chain (on a small host
// stack), and the privilege model for helpers that read
// host memory (tracing types only, only with Grant::ReadHostMemory, only
// inside the host's readable ranges).
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <pthread.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../interp/tail_chains.hpp"  // on_small_stack
#include "api_test_util.hpp"

namespace decade {
namespace {

class EscapeEngines : public ::testing::TestWithParam<std::string> {};

BpfObject load_chains(const std::string& engine) {
  auto o = BpfObject::open(test::obj("api/progs/escape_engines.bpf.o"));
  EXPECT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.engine = engine;
  auto s = o->load(lo);
  EXPECT_TRUE(s) << s.error().to_string();
  return std::move(*o);
}

void put(const BpfObject& o, uint32_t slot, const BpfObject& from, const char* prog) {
  auto m = o.map("progs");
  auto p = from.program(prog);
  ASSERT_TRUE(m && p);
  ASSERT_TRUE(m->update(slot, p->id()));
}

struct ChainCtx {
  uint64_t runs = 0;
  uint64_t fails = 0;
};

// The kernel's outcome: the first run and 33 tail calls, then the tail call
// falls through and the program goes on (fails 1, retval = runs = 34).
void expect_chain_of_33(const BpfObject& o, const char* entry) {
  ChainCtx ctx;
  auto r = o.program(entry)->test_run({.ctx = test::as_bytes(ctx)});
  ASSERT_TRUE(r) << entry << ": " << r.error().to_string();
  EXPECT_EQ(r->retval, 34u) << entry;
  ASSERT_EQ(r->ctx_out.size(), sizeof(ChainCtx));
  std::memcpy(&ctx, r->ctx_out.data(), sizeof ctx);
  EXPECT_EQ(ctx.runs, 34u) << entry;
  EXPECT_EQ(ctx.fails, 1u) << entry;
}

TEST_P(EscapeEngines, TailCallChainsStopAfter33OnASmallStack) {
  BpfObject o = load_chains(GetParam());
  put(o, 0, o, "self_loop");
  put(o, 1, o, "ping");
  put(o, 2, o, "pong");
  put(o, 3, o, "via_subprog");
  test::on_small_stack(1 << 20, [&] {
    for (const char* entry : {"self_loop", "ping", "via_subprog"}) expect_chain_of_33(o, entry);
  });
}

// A chain that would cross engines is refused when the array is filled
// (the owner profile names the engine: EscapeMapsEngines in
// escape_maps_test.cpp); the engines still share one count when a host
// fills an array below the API (JitTailCall.ChainAcrossEnginesStopsAfter33).

// ---- The privilege model ----

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

// r3 = *(ctx + src_off) (BPF_W or BPF_DW); r0 = bpf_probe_read_kernel(fp - 8, 8, r3);
// returns r0 when it is an error, else the 8 bytes read.
constexpr int64_t kProbeCall = 5;  // the call's instruction index
std::vector<uint8_t> probe_program(int16_t src_off, uint8_t width = BPF_DW) {
  const std::vector<bpf_insn> code = {
      insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),             // r6 = r1
      insn(BPF_LDX | BPF_MEM | width, 3, 6, src_off, 0),         // r3 = *(r6 + src_off)
      insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0),            // r1 = r10
      insn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -8),            // r1 += -8
      insn(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 8),             // r2 = 8
      insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel),
      insn(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, 0),               // if r0 != 0 goto +1
      insn(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0),            // r0 = *(u64 *)(r10 - 8)
      insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
  };
  const auto* b = reinterpret_cast<const uint8_t*>(code.data());
  return {b, b + code.size() * sizeof(bpf_insn)};
}

constexpr int16_t kXdpData = 0;    // xdp_md.data: any number will do, the call is what is refused
constexpr int16_t kUprobeDi = 112;  // pt_regs.di: the address to read

void expect_rejected(const std::string& type, bool grant, const std::string& engine) {
  auto o = BpfObject::from_bytecode(type == "xdp" ? probe_program(kXdpData, BPF_W) : probe_program(kUprobeDi), "probe", type);
  ASSERT_TRUE(o) << o.error().to_string();
  if (grant) {
    ASSERT_TRUE(o->grant(Grant::ReadHostMemory));
  }
  LoadOptions lo;
  lo.engine = engine;
  auto s = o->load(lo);
  ASSERT_FALSE(s) << type << " loaded";
  EXPECT_EQ(s.error().code, ErrorCode::VerifierNotGranted) << s.error().to_string();
  EXPECT_EQ(s.error().insn, kProbeCall) << s.error().to_string();
}

TEST_P(EscapeEngines, PacketProgramsNeverGetProbeRead) {
  expect_rejected("xdp", false, GetParam());
  expect_rejected("xdp", true, GetParam());  // the grant is for tracing types only
}

TEST_P(EscapeEngines, TracingProgramsNeedTheGrant) { expect_rejected("uprobe", false, GetParam()); }

// pt_regs with di = addr.
std::array<uint64_t, 21> regs_with_di(const void* addr) {
  std::array<uint64_t, 21> regs{};
  regs[kUprobeDi / 8] = reinterpret_cast<uint64_t>(addr);
  return regs;
}

TEST_P(EscapeEngines, GrantedReadsStayInsideTheReadableRanges) {
  static uint64_t traced[4] = {0x1111, 0x2222, 0x3333, 0x4444};  // what the host lets programs read
  uint64_t secret = 0x5ec2e7;                                   // host memory outside every range
  auto o = BpfObject::from_bytecode(probe_program(kUprobeDi), "probe", "uprobe");
  ASSERT_TRUE(o);
  ASSERT_TRUE(o->grant(Grant::ReadHostMemory));
  ASSERT_TRUE(o->add_readable_range(traced, sizeof traced));
  LoadOptions lo;
  lo.engine = GetParam();
  auto s = o->load(lo);
  ASSERT_TRUE(s) << s.error().to_string();
  auto prog = o->program("");
  ASSERT_TRUE(prog);
  auto read = [&](const void* addr) {
    const auto regs = regs_with_di(addr);
    auto r = prog->test_run({.ctx = test::as_bytes(regs)});
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? static_cast<int64_t>(r->retval) : 0;
  };
  EXPECT_EQ(read(&traced[0]), 0x1111);
  EXPECT_EQ(read(&traced[3]), 0x4444);
  EXPECT_EQ(read(&secret), -EFAULT);                                              // outside
  const auto at = [](const void* p, intptr_t delta) {  // an address, never dereferenced here
    return reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(p) + static_cast<uintptr_t>(delta));
  };
  EXPECT_EQ(read(at(&traced[3], 4)), -EFAULT);   // runs past the end
  EXPECT_EQ(read(at(&traced[0], -4)), -EFAULT);  // starts before
  EXPECT_EQ(read(nullptr), -EFAULT);
}

INSTANTIATE_TEST_SUITE_P(Engines, EscapeEngines, ::testing::ValuesIn(decade::engines()));

}  // namespace
}  // namespace decade
