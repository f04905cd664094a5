// SPDX-License-Identifier: Apache-2.0
// The pkt_call shape: a bounds check proves bytes of an xdp or tc packet,
// then one helper is called with the packet pointers live in r7 (data) and
// r8 (data_meta) across it: a packet-changing helper (bpf_xdp_adjust_*,
// the skb resizing, VLAN and checksum helpers, bpf_skb_store_bytes) or one
// that leaves the packet where it is (bpf_redirect, bpf_redirect_map into
// a devmap, cpumap or xskmap, bpf_fib_lookup, bpf_perf_event_output with
// packet bytes, bpf_trace_printk, bpf_csum_diff over the packet, tunnel,
// hash and byte helpers, the raw SYN cookie helpers with the packet or
// the stack buffer as headers, the packet perhaps shorter than the
// header they read). Half the time the program then reads or writes
// through the old pointers: a verifier must reject that after a
// packet-changing helper (kHelperChangesPacket), and one that does not is
// caught by the checked run, whose packet region follows the live packet
// (RunMemory in verifier_gen.hpp). Otherwise it re-derives the pointers.
#pragma once

#include "gen_shapes.hpp"

namespace decade::fuzzgen {

// The helper calls the shape makes, with their arguments (r1 = ctx unless
// noted). `xdp` / `tc`: the program types that may call it.
enum class PktCall : uint8_t {
  // xdp
  AdjustHead, AdjustTail, AdjustMeta, XdpLoadBytes, XdpStoreBytes, XdpBuffLen, RedirectMap,
  // tc
  ChangeTail, ChangeHead, AdjustRoom, ChangeProto, VlanPush, VlanPop, PullData, StoreBytes, L3Csum, L4Csum,
  SkbLoadBytes, SetTunnelKey, HashRecalc, EcnSetCe, CsumLevel,
  // both
  Redirect, FibLookup, PerfOutput, Printk, CsumDiff, Syncookie, Count
};
inline constexpr uint32_t kFirstTcCall = static_cast<uint32_t>(PktCall::ChangeTail);
inline constexpr uint32_t kFirstBothCall = static_cast<uint32_t>(PktCall::Redirect);
inline constexpr uint32_t kPktCalls = static_cast<uint32_t>(PktCall::Count);
// How many of each type's own calls, from its first, move the packet.
inline constexpr uint32_t kXdpMoving = 3, kTcMoving = static_cast<uint32_t>(PktCall::SkbLoadBytes) - kFirstTcCall;

// fp-64..fp-8 zeroed: the buffer the calls that take one use.
inline void zero_buffer(Asm& a) {
  for (int16_t off = -64; off < 0; off += 8) a.emit(make_insn(Op::STDW, 10, 0, off, 0));
}
inline void fp_arg(Asm& a, uint8_t r, int32_t off) {
  movr(a, r, 10);
  a.emit(make_insn(Op::ADD64_IMM, r, 0, 0, off));
}

// Emits one call; `p` is what the bounds check proved (the packet may be
// passed as memory when it proved a real range from data).
inline void pkt_call(Asm& a, ByteReader& in, PktCall k, const Proven& p, std::string* note) {
  static const int32_t small[] = {-16, -8, -4, 4, 8, 16};
  const int32_t d = small[in.pick(std::size(small))];
  const int32_t len = static_cast<int32_t>(std::array<uint32_t, 5>{14, 20, 34, 60, 100}[in.pick(5)]);
  const bool pkt_mem = p.base == 7 && !p.vacuous;
  const int32_t mem_n = pkt_mem ? std::min(p.n, 16) : 16;
  auto mem_arg = [&](uint8_t r) { pkt_mem ? movr(a, r, 7) : fp_arg(a, r, -64); };
  movr(a, 1, 6);
  switch (k) {
    case PktCall::AdjustHead: mov(a, 2, d); call(a, 44); break;
    case PktCall::AdjustTail: mov(a, 2, d); call(a, 65); break;
    case PktCall::AdjustMeta: mov(a, 2, d & ~3); call(a, 54); break;
    case PktCall::XdpLoadBytes: mov(a, 2, len - 8); fp_arg(a, 3, -64); mov(a, 4, 8); call(a, 189); break;
    case PktCall::XdpStoreBytes: mov(a, 2, len - 16); mem_arg(3); mov(a, 4, mem_n); call(a, 190); break;
    case PktCall::XdpBuffLen: call(a, 188); break;
    case PktCall::RedirectMap:
      map_ptr(a, 1, std::array<uint32_t, 3>{kMapDevmap, kMapCpumap, kMapXskmap}[in.pick(3)]);
      mov(a, 2, static_cast<int32_t>(in.pick(2)));
      mov(a, 3, static_cast<int32_t>(in.pick(4)));
      call(a, 51);
      break;
    case PktCall::ChangeTail: mov(a, 2, len); mov(a, 3, 0); call(a, 38); break;
    case PktCall::ChangeHead: mov(a, 2, d < 0 ? -d : d); mov(a, 3, 0); call(a, 43); break;
    case PktCall::AdjustRoom: mov(a, 2, d); mov(a, 3, static_cast<int32_t>(in.pick(2))); mov(a, 4, 0); call(a, 50); break;
    case PktCall::ChangeProto: mov(a, 2, in.coin(1, 2) ? 0xdd86 : 0x0008); mov(a, 3, 0); call(a, 31); break;
    case PktCall::VlanPush: mov(a, 2, 0x0081); mov(a, 3, 7); call(a, 18); break;
    case PktCall::VlanPop: call(a, 19); break;
    case PktCall::PullData: mov(a, 2, in.coin(1, 2) ? 0 : len); call(a, 39); break;
    case PktCall::StoreBytes:
      mov(a, 2, len - 16);
      mem_arg(3);
      mov(a, 4, mem_n);
      mov(a, 5, static_cast<int32_t>(in.pick(3)));
      call(a, 9);
      break;
    case PktCall::L3Csum: mov(a, 2, 24); mov(a, 3, 0); mov(a, 4, 0x1234); mov(a, 5, 0); call(a, 10); break;
    case PktCall::L4Csum: mov(a, 2, 50); mov(a, 3, 1); mov(a, 4, 2); mov(a, 5, 2 | 0x10 | 0x20); call(a, 11); break;
    case PktCall::SkbLoadBytes: mov(a, 2, len - 8); fp_arg(a, 3, -64); mov(a, 4, 8); call(a, 26); break;
    case PktCall::SetTunnelKey: fp_arg(a, 2, -64); mov(a, 3, 44); mov(a, 4, 0); call(a, 21); break;
    case PktCall::HashRecalc: call(a, 34); break;
    case PktCall::EcnSetCe: call(a, 97); break;
    case PktCall::CsumLevel: mov(a, 2, static_cast<int32_t>(in.pick(4))); call(a, 135); break;
    case PktCall::Redirect: mov(a, 1, 3); mov(a, 2, 0); call(a, 23); break;
    case PktCall::FibLookup: fp_arg(a, 2, -64); mov(a, 3, 64); mov(a, 4, 4); call(a, 69); break;
    case PktCall::PerfOutput:
      map_ptr(a, 2, kMapPerf);
      a.emit(make_insn(Op::MOV32_IMM, 3, 0, 0, -1));  // BPF_F_CURRENT_CPU
      mem_arg(4);
      mov(a, 5, mem_n);
      call(a, 25);
      break;
    case PktCall::Printk:
      a.emit(make_insn(Op::LDDW_MAP_IDX_VALUE, 1, 0, 0, static_cast<int32_t>(kMapFmt), 0));
      mov(a, 2, 8);
      mov(a, 3, d);
      call(a, 6);
      break;
    case PktCall::CsumDiff: mem_arg(1); mov(a, 2, mem_n & ~3); mov(a, 3, 0); mov(a, 4, 0); mov(a, 5, 0); call(a, 28); break;
    case PktCall::Syncookie: {
      // 204 gen_ipv4, 205 gen_ipv6 (th_len in r3), 206 check_ipv4, 207 check_ipv6:
      // fixed 20- or 40-byte IP headers and a 20-byte TCP header, which the
      // packet may not have proven.
      const int32_t which = static_cast<int32_t>(in.pick(4));
      if (in.coin(1, 2)) movr(a, 1, 7);
      else fp_arg(a, 1, -64);
      if (in.coin(1, 2)) movr(a, 2, 7);
      else fp_arg(a, 2, -48);
      if (which < 2) mov(a, 3, in.coin(1, 2) ? 20 : mem_n);
      call(a, 204 + which);
      break;
    }
    case PktCall::Count: break;
  }
  if (note) *note += "call" + std::to_string(static_cast<int>(k)) + " ";
}

// r7 = data, r8 = data_meta, r9 = data_end, then `if data + n > data_end
// goto out`: a real range, so the call and what follows are verified with
// live packet pointers (the packet shape covers the other checks).
inline Proven data_prologue(Asm& a, ByteReader& in, const ProgramType& t, Asm::Label out, std::string* note) {
  static const int32_t sizes[] = {4, 14, 20, 34, 60};
  const int32_t n = sizes[in.pick(std::size(sizes))];
  a.emit(make_insn(Op::LDXW, 7, 6, static_cast<int16_t>(packet_offset(t, CtxFieldKind::PacketData))));
  a.emit(make_insn(Op::LDXW, 9, 6, static_cast<int16_t>(packet_offset(t, CtxFieldKind::PacketEnd))));
  a.emit(make_insn(Op::LDXW, 8, 6, static_cast<int16_t>(packet_offset(t, CtxFieldKind::PacketMeta))));
  movr(a, 5, 7);
  a.emit(make_insn(Op::ADD64_IMM, 5, 0, 0, n));
  a.to(make_insn(Op::JGT64_REG, 5, 9), out);
  if (note) *note += "data+" + std::to_string(n) + "<=end ";
  return {7, n, false};
}

inline Result<Program> shape_pkt_call(World& w, ByteReader& in, Case& c) {
  const bool xdp = in.coin(1, 2);
  c.type = xdp ? w.xdp : w.skb;
  const bool stale = in.coin(1, 2);
  // Calls of the program's type: its own, then those both types make. A
  // stale access is mostly after one that moves the packet (the first
  // kMoving of each type's own), where a verifier must refuse it.
  const uint32_t first = xdp ? 0 : kFirstTcCall;
  const uint32_t own = xdp ? kFirstTcCall : kFirstBothCall - kFirstTcCall;
  const uint32_t moving = xdp ? kXdpMoving : kTcMoving;
  uint32_t pick = stale && in.coin(3, 4) ? in.pick(moving) : in.pick(own + (kPktCalls - kFirstBothCall));
  pick = pick < own ? first + pick : kFirstBothCall + (pick - own);
  const auto k = static_cast<PktCall>(pick);
  Asm a;
  const Asm::Label out = a.label();
  movr(a, 6, 1);
  zero_buffer(a);
  const Proven p = stale || in.coin(1, 2) ? data_prologue(a, in, *c.type, out, &c.note)
                                          : packet_prologue(a, in, *c.type, out, &c.note);
  proven_access(a, in, p);
  pkt_call(a, in, k, p, &c.note);
  // Random rows are mostly refused: a stale access and half the others
  // have none, so the call and the accesses around it are what decides.
  const uint32_t rows = stale || in.coin(1, 2) ? 0 : std::min(in.pick(8), in.chunks(96));
  const uint8_t* body = in.take(rows);
  if (stale) {
    // Through the pointers from before the call: the far end of what the
    // check proved, read or written.
    const int32_t off = p.n - 1;
    if (in.coin(1, 2)) a.emit(make_insn(Op::LDXB, 0, p.base, static_cast<int16_t>(off)));
    else a.emit(make_insn(Op::STB, p.base, 0, static_cast<int16_t>(off), 0x5a));
    emit_body(a, body, rows, {7, 8});
    c.note += "stale ";
  } else {
    const Proven q = packet_prologue(a, in, *c.type, out, &c.note);
    proven_access(a, in, q);
    emit_body(a, body, rows, {7, 8, 2, 4});
  }
  a.bind(out);
  ret(a, xdp ? 2 : 0);
  return a.finish();
}

}  // namespace decade::fuzzgen
