// SPDX-License-Identifier: Apache-2.0
// Structured shapes for the verifier soundness generator: the first input
// byte picks a template that a plain prologue-and-rows program almost never
// forms by chance, the next bytes its parameters, and the rest fills its
// random bodies (body_insn rows, jumps kept inside each body). Every shape
// is a way an accepted program could reach memory it was not given:
//
//   packet    xdp / sched_cls: data, data_end, data_meta, a bounds check
//             (also the `meta + N <= data + N` kind), packet-resizing helpers
//   loop      bpf_loop with a callback subprogram writing its caller's stack, jumping back
//             to its first instruction (forever, or while the index is small)
//   for_each  bpf_for_each_map_elem over a hash or an array: the callback
//             writes through the key, spills it to the caller's stack, the
//             caller dereferences it after the walk
//   iter      bpf_iter_num loop writing through the element pointer
//   tail_call from the main program or a static subprogram, into arrays of
//             programs of the caller's type, of other types, or itself
//   ringbuf   reserve, writes through the record, submit or discard
//   rodata    the plain program with r7 pointing into a frozen map
//   probe     bpf_probe_read_* of a host address (the world's canary)
//   huge_map  a map with max_entries near the limits, then a lookup in it
//   throw     bpf_throw from the main program, a static subprogram or a
//             bpf_loop callback, optionally with an iterator alive or a
//             ring buffer record reserved (the unwinding must release them)
//   lock      bpf_res_spin_lock on one or two map values (checked or not,
//             released in or out of order, a throw while held) or a plain
//             bpf_spin_lock, random rows while held
//   pkt_call  a helper call with packet pointers live across it, used after
//             it (stale) or re-derived (gen_pkt_calls.hpp)
//   ctx       loads and stores on the contexts of the other built-in types
//             (kprobe, tracepoint, raw_tracepoint, perf_event, lwt, sk_skb,
//             socket filter, cgroup skb, sock and sock_addr): on fields, at
//             narrow widths, nudged off them, past the end
//   sock, helper, stack, wronly: gen_reach.hpp
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gen_world.hpp"
#include "guarded_memory.hpp"
#include "runtime/packet_context.hpp"

namespace decade::fuzzgen {

enum class Kind : uint8_t {
  Plain, Packet, Loop, ForEach, Iter, TailCall, Ringbuf, Rodata, Probe, HugeMap, Throw, Lock, PktCall, Ctx,
  Sock, Helper, Stack, Wronly, Count
};

inline const char* kind_name(Kind k) {
  static const char* names[] = {"plain", "packet",  "loop",  "for_each", "iter",  "tail_call",
                                "ringbuf", "rodata", "probe", "huge_map", "throw", "lock", "pkt_call", "ctx",
                                "sock", "helper", "stack", "wronly"};
  return names[static_cast<size_t>(k)];
}

// One generated program and what it runs with.
struct Case {
  Kind kind = Kind::Plain;
  Program prog;
  const ProgramType* type = nullptr;
  uint32_t packet_len = 0;                // packet types: bytes of packet
  uint32_t self_slot_type = 0;            // tail_call into itself: 1 when the self array is used
  MapDef huge_def;                        // huge_map: the map's definition
  std::shared_ptr<Map> huge;              // huge_map: the map (kMapHuge), else the world's
  // The stack the program is verified and run with: VerifyOptions::max_stack
  // (the checked run's frame size) and divided_stack (the divstack extension).
  uint32_t max_stack = kDefaultStackSize;
  bool divided_stack = false;
  std::string note;                       // parameters, for reports
  // Escapes of issue 11 whose pattern the case reproduces (bit n = point n:
  // 1 meta range, 2 tail call across types, 3 for_each key, 4 iterator
  // element write, 5 tail call in a function, 6 host reads, 7 huge map,
  // 9 self tail call). tests/verifier/soundness_test.cpp requires every one
  // of them to keep being generated.
  uint32_t issue_points = 0;
};

inline constexpr uint32_t point(int n) { return 1u << n; }

inline Insn body_insn(const uint8_t* b, uint32_t i, uint32_t n, uint32_t base);

// Random rows at the current position; their jumps land inside the rows or
// on the instruction after them. Loads and stores are steered half the time
// onto `ptrs` (registers holding the shape's pointers) with small offsets.
inline void emit_body(Asm& a, const uint8_t* b, uint32_t n, std::initializer_list<uint8_t> ptrs = {}) {
  const uint32_t start = a.here();
  for (uint32_t k = 0; k < n; ++k) {
    const uint8_t* c = b + 8 * k;
    Insn in = body_insn(c, k, n, 0);
    const Shape s = in.info().shape;
    const bool mem = s == Shape::Load || s == Shape::StoreReg || s == Shape::StoreImm;
    if (mem && ptrs.size() && (c[6] & 1)) {
      const uint8_t r = *(ptrs.begin() + (c[6] >> 1) % ptrs.size());
      (s == Shape::Load ? in.src : in.dst) = r;
      in.off = static_cast<int16_t>((c[6] & 2) ? (c[7] % 64) & ~7 : c[7] % 72);
    }
    if (has_target(in.op)) {
      const int32_t rel = target_in_imm(in.op) ? in.imm : in.off;
      const int64_t t = std::clamp<int64_t>(int64_t{k} + 1 + rel, 0, n);
      a.to_abs(in, start + static_cast<uint32_t>(t));
    } else {
      a.emit(in);
    }
  }
}

// The random rows of a shape's bodies (up to three places).
struct Bodies {
  const uint8_t* b[3];
  uint32_t n[3];
  // Each part gets at most a few rows (a byte's choice, up to 15): a long
  // random body is nearly always rejected, and the templates are the point.
  Bodies(ByteReader& in, uint32_t parts) {
    const uint32_t cap = in.coin(1, 4) ? 16 : 6;
    const uint32_t want = in.pick(cap);
    const uint32_t total = in.chunks(96);
    for (uint32_t k = 0; k < 3; ++k) {
      n[k] = k < parts ? std::min(total / parts, want) : 0;
      b[k] = in.take(n[k]);
    }
  }
};

inline void mov(Asm& a, uint8_t d, int32_t imm) { a.emit(make_insn(Op::MOV64_IMM, d, 0, 0, imm)); }
inline void movr(Asm& a, uint8_t d, uint8_t s) { a.emit(make_insn(Op::MOV64_REG, d, s)); }
inline void call(Asm& a, int32_t helper) { a.emit(make_insn(Op::CALL_HELPER, 0, 0, 0, helper)); }
// Kfuncs by their index in World::kfuncs.
inline void call_kfunc(Asm& a, int32_t index) { a.emit(make_insn(Op::CALL_KFUNC, 0, 0, 0, index)); }
enum : int32_t { kKfIterNew = 0, kKfIterNext, kKfIterDestroy, kKfThrow, kKfResLock, kKfResUnlock, kKfBitsNew, kKfBitsNext, kKfBitsDestroy };
inline void map_ptr(Asm& a, uint8_t d, uint32_t map) { a.emit(make_insn(Op::LDDW_MAP_IDX, d, 0, 0, static_cast<int32_t>(map))); }
inline void ret(Asm& a, int32_t v) {
  mov(a, 0, v);
  a.emit(make_insn(Op::EXIT));
}

// The plain prologue: r6 = ctx, r7 = a value of `value_map`, r8 = fp-16
// (zeroed), small constants elsewhere.
inline void plain_prologue(Asm& a, uint32_t value_map) {
  movr(a, 6, 1);
  a.emit(make_insn(Op::LDDW_MAP_IDX_VALUE, 7, 0, 0, static_cast<int32_t>(value_map), 0));
  movr(a, 8, 10);
  a.emit(make_insn(Op::ADD64_IMM, 8, 0, 0, -16));
  mov(a, 2, 0);
  a.emit(make_insn(Op::STXDW, 10, 2, -8));
  a.emit(make_insn(Op::STXDW, 10, 2, -16));
  mov(a, 3, 1);
  mov(a, 4, 8);
  mov(a, 5, -1);
  mov(a, 9, 4);
  mov(a, 0, 0);
}

inline uint32_t packet_offset(const ProgramType& t, CtxFieldKind k) {
  for (const CtxField& f : t.fields)
    if (f.kind == k) return f.offset;
  return 0;
}

// r7 = data, r8 = data_meta, r9 = data_end (and copies in r2, r4, r3), then
// `if base + n1 > bound + n2 goto out` with base data or meta and bound
// data_end or data; against data, n2 == n1 half the time (a check that
// proves nothing).
struct Proven {
  uint8_t base = 7;      // register the check was about
  int32_t n = 0;         // bytes it proved readable from there
  bool vacuous = false;  // `x + n <= data + n`: always true, proves nothing
};

inline Proven packet_prologue(Asm& a, ByteReader& in, const ProgramType& t, Asm::Label out, std::string* note) {
  static const int32_t sizes[] = {1, 2, 4, 8, 14, 16, 20, 32, 64, 255, 256, 1500, 4000};
  const auto d = static_cast<int16_t>(packet_offset(t, CtxFieldKind::PacketData));
  const auto e = static_cast<int16_t>(packet_offset(t, CtxFieldKind::PacketEnd));
  const auto m = static_cast<int16_t>(packet_offset(t, CtxFieldKind::PacketMeta));
  a.emit(make_insn(Op::LDXW, 7, 6, d));
  a.emit(make_insn(Op::LDXW, 9, 6, e));
  a.emit(make_insn(Op::LDXW, 8, 6, m));
  movr(a, 2, 7);
  movr(a, 3, 9);
  movr(a, 4, 8);
  const uint8_t base = in.coin(1, 2) ? 7 : 8, bound = in.coin(2, 3) ? 9 : 7;
  const int32_t n1 = sizes[in.pick(std::size(sizes))];
  const int32_t n2 = bound == 7 && in.coin(1, 2) ? n1 : 0;  // no arithmetic on data_end
  movr(a, 5, base);
  a.emit(make_insn(Op::ADD64_IMM, 5, 0, 0, n1));
  movr(a, 0, bound);
  if (n2) a.emit(make_insn(Op::ADD64_IMM, 0, 0, 0, n2));
  a.to(make_insn(Op::JGT64_REG, 5, 0), out);
  if (note)
    *note += std::string(base == 7 ? "data" : "meta") + "+" + std::to_string(n1) + "<=" +
             (bound == 9 ? "end" : "data") + "+" + std::to_string(n2) + " ";
  return {base, n1, n2 != 0};
}

// A one-byte load from the far end of (or inside) the range the check
// proved, half the time: what a program does right after such a check.
inline void proven_access(Asm& a, ByteReader& in, const Proven& p) {
  if (!in.coin(1, 2)) return;
  const int32_t off = in.coin(1, 2) ? p.n - 1 : static_cast<int32_t>(in.pick(static_cast<uint32_t>(p.n)));
  a.emit(make_insn(Op::LDXB, 0, p.base, static_cast<int16_t>(off)));
}

// bpf_xdp_adjust_head / _meta / _tail with a small delta (the tail only
// shrinks, so every byte past the first data_end stays outside the packet).
inline void packet_adjust(Asm& a, ByteReader& in, std::string* note) {
  static const int32_t ids[] = {44, 54, 65};
  static const int32_t deltas[] = {-16, -8, -4, 4, 8, 16};
  const int32_t id = ids[in.pick(3)];
  int32_t delta = deltas[in.pick(std::size(deltas))];
  if (id == 65 && delta > 0) delta = -delta;
  movr(a, 1, 6);
  mov(a, 2, delta);
  call(a, id);
  if (note) *note += "adjust(" + std::to_string(id) + "," + std::to_string(delta) + ") ";
}

// Half the time, `r5 = 0; loop: r5 += 1; if r5 < n goto loop` (n from 1 to
// 8): a back-edge, where a run stopped from outside ends, placed where the
// shape holds something the unwinding must give back.
inline void counted_loop(Asm& a, ByteReader& in, std::string* note) {
  if (!in.coin(1, 2)) return;
  const auto n = static_cast<int32_t>(1 + in.pick(8));
  const Asm::Label top = a.label();
  mov(a, 5, 0);
  a.bind(top);
  a.emit(make_insn(Op::ADD64_IMM, 5, 0, 0, 1));
  a.to(make_insn(Op::JLT64_IMM, 5, 0, 0, n), top);
  if (note) *note += " loop" + std::to_string(n);
}

// bpf_tail_call(r6, map, slot).
inline void tail_call(Asm& a, uint32_t map, int32_t slot) {
  movr(a, 1, 6);
  map_ptr(a, 2, map);
  mov(a, 3, slot);
  call(a, 12);
}

}  // namespace decade::fuzzgen
