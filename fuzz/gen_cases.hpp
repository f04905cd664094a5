// SPDX-License-Identifier: Apache-2.0
// The shape builders (see gen_shapes.hpp for what each one is after) and
// build_case(), the structured generator's entry point: input bytes -> one
// Case. Templates take their parameters from the bytes after the first;
// bodies take 8 bytes a row from what is left, split between the places a
// shape has room for them.
#pragma once

#include <bit>

#include "gen_pkt_calls.hpp"
#include "gen_reach.hpp"
#include "gen_shapes.hpp"

namespace decade::fuzzgen {

// r1 = fp-24, where the shapes keep their bpf_iter_num.
inline void iter_arg(Asm& a) {
  movr(a, 1, 10);
  a.emit(make_insn(Op::ADD64_IMM, 1, 0, 0, -24));
}

inline void func_ptr(Asm& a, uint8_t d, Asm::Label f) { a.to(make_insn(Op::LDDW_FUNC, d, 0, 0, 0), f); }

// After a callback returns: reload fp-16 (which the callback may have
// overwritten with a pointer; it is 0 where the callback never ran) and
// read or write through it.
inline void deref_spill(Asm& a, ByteReader& in) {
  const Asm::Label skip = a.label();
  a.emit(make_insn(Op::LDXDW, 1, 10, -16));
  a.to(make_insn(Op::JEQ64_IMM, 1, 0, 0, 0), skip);
  if (in.coin(1, 2)) a.emit(make_insn(Op::LDXB, 0, 1, static_cast<int16_t>(in.pick(8))));
  else a.emit(make_insn(Op::STB, 1, 0, static_cast<int16_t>(in.pick(8)), 0x5a));
  a.bind(skip);
}

inline Result<Program> shape_packet(World& w, ByteReader& in, Case& c) {
  const bool xdp = in.coin(2, 3);
  c.type = xdp ? w.xdp : w.skb;
  Asm a;
  const Asm::Label out = a.label();
  movr(a, 6, 1);
  if (xdp && in.coin(1, 3)) packet_adjust(a, in, &c.note);
  const Proven p = packet_prologue(a, in, *c.type, out, &c.note);
  if (p.vacuous) c.issue_points |= point(1);
  proven_access(a, in, p);
  const bool again = xdp && in.coin(1, 3);
  Bodies bodies(in, again ? 2 : 1);
  emit_body(a, bodies.b[0], bodies.n[0], {7, 8, 2, 4});
  if (again) {
    packet_adjust(a, in, &c.note);
    const Proven q = packet_prologue(a, in, *c.type, out, &c.note);
    if (q.vacuous) c.issue_points |= point(1);
    proven_access(a, in, q);
    emit_body(a, bodies.b[1], bodies.n[1], {7, 8, 2, 4});
  }
  a.bind(out);
  ret(a, xdp ? 2 : 0);
  return a.finish();
}

inline Result<Program> shape_loop(World& w, ByteReader& in, Case& c) {
  c.type = w.type;
  const int32_t nr = static_cast<int32_t>(in.pick(6));
  const uint32_t spill = in.pick(3);  // 1: the callback's frame pointer, 2: its ctx argument
  const bool deref = spill && in.coin(2, 3);
  const int32_t r = static_cast<int32_t>(in.pick(2));
  Bodies bodies(in, 3);
  Asm a;
  const Asm::Label cb = a.label();
  plain_prologue(a, kMapArray);
  emit_body(a, bodies.b[0], bodies.n[0], {7, 8});
  mov(a, 1, nr);
  func_ptr(a, 2, cb);
  movr(a, 3, 8);
  mov(a, 4, 0);
  call(a, 181);
  if (deref) deref_spill(a, in);
  emit_body(a, bodies.b[1], bodies.n[1], {7, 8});
  ret(a, 0);
  a.bind(cb);  // callback(index, ctx = the caller's fp-16)
  movr(a, 6, 1);
  movr(a, 7, 2);
  if (spill) a.emit(make_insn(Op::STXDW, 7, spill == 1 ? 10 : 7, 0));  // left in the caller's fp-16
  emit_body(a, bodies.b[2], bodies.n[2], {7, 10});
  // A jump back to the callback's first instruction is an ordinary loop,
  // not a new run of the callback: always (it never ends), or while the
  // index (reloaded into r6 at the top) is below a bound.
  const uint32_t back = in.pick(3);
  if (back == 1) a.to(make_insn(Op::JA, 0, 0, 0, 0), cb);
  if (back == 2) a.to(make_insn(Op::JLT64_IMM, 6, 0, 0, static_cast<int32_t>(in.pick(4))), cb);
  ret(a, r);
  c.note = "nr=" + std::to_string(nr) + (spill == 1 ? " spill-fp" : spill ? " spill-ctx" : "") + (deref ? " deref" : "") +
           (back == 1 ? " back" : back == 2 ? " back-if-small" : "");
  return a.finish();
}

inline Result<Program> shape_for_each(World& w, ByteReader& in, Case& c) {
  c.type = w.type;
  const bool hash = in.coin(1, 2), spill = in.coin(1, 2), deref = spill && in.coin(2, 3), write = in.coin(1, 3);
  const int32_t r = static_cast<int32_t>(in.pick(2));
  Bodies bodies(in, 3);
  Asm a;
  const Asm::Label cb = a.label();
  plain_prologue(a, kMapArray);
  emit_body(a, bodies.b[0], bodies.n[0], {7, 8});
  map_ptr(a, 1, hash ? kMapHash : kMapArray);
  func_ptr(a, 2, cb);
  movr(a, 3, 8);
  mov(a, 4, 0);
  call(a, 164);
  if (deref) deref_spill(a, in);
  emit_body(a, bodies.b[1], bodies.n[1], {7, 8});
  ret(a, 0);
  a.bind(cb);  // callback(map, key, value, ctx)
  movr(a, 6, 2);
  movr(a, 7, 3);
  movr(a, 8, 4);
  if (spill) a.emit(make_insn(Op::STXDW, 8, 6, 0));  // the key pointer, into the caller's fp-16
  if (write) a.emit(make_insn(Op::STW, 6, 0, 0, 0x77));
  emit_body(a, bodies.b[2], bodies.n[2], {6, 7, 8});
  ret(a, r);
  if (spill || write) c.issue_points |= point(3);
  c.note = std::string(hash ? "hash" : "array") + (spill ? " spill" : "") + (deref ? " deref" : "") +
           (write ? " write-key" : "");
  return a.finish();
}

// A numbers iterator (bpf_iter_num) or, a third of the time, a bits
// iterator (bpf_iter_bits, 16 bytes at fp-24) over the array value's two
// words, one of them, a stack word, NULL or more words than the value has.
inline Result<Program> shape_iter(World& w, ByteReader& in, Case& c) {
  c.type = w.type;
  const int32_t start = static_cast<int32_t>(in.pick(4)), count = static_cast<int32_t>(in.pick(6));
  const uint32_t write = in.pick(3);
  const bool bits = in.coin(1, 3);
  const uint32_t src = in.pick(4);  // 0 the array value, 1 a stack word, 2 NULL, 3 the value past its end
  static const int32_t words[] = {2, 1, 0, 3, 512};
  const int32_t nr_words = src == 3 ? 3 : words[in.pick(std::size(words))];
  Bodies bodies(in, 2);
  Asm a;
  const Asm::Label top = a.label(), done = a.label();
  plain_prologue(a, kMapArray);
  if (bits) {
    a.emit(make_insn(Op::STDW, 10, 0, -32, start * 0x1111 + count));
    iter_arg(a);
    if (src == 1) {
      movr(a, 2, 10);
      a.emit(make_insn(Op::ADD64_IMM, 2, 0, 0, -32));
    } else if (src == 2) {
      mov(a, 2, 0);
    } else {
      movr(a, 2, 7);
    }
    mov(a, 3, nr_words);
    call_kfunc(a, kKfBitsNew);
  } else {
    iter_arg(a);
    mov(a, 2, start);
    mov(a, 3, start + count);
    call_kfunc(a, kKfIterNew);
  }
  a.bind(top);
  iter_arg(a);
  call_kfunc(a, bits ? kKfBitsNext : kKfIterNext);
  a.to(make_insn(Op::JEQ64_IMM, 0, 0, 0, 0), done);
  if (write == 1) a.emit(make_insn(Op::STW, 0, 0, 0, start));  // rewinds the iterator
  if (write == 2) {
    a.emit(make_insn(Op::LDXW, 1, 0, 0));
    a.emit(make_insn(Op::ADD64_IMM, 1, 0, 0, -1));
    a.emit(make_insn(Op::STXW, 0, 1, 0));
  }
  emit_body(a, bodies.b[0], bodies.n[0], {0, 7, 8});
  a.to(make_insn(Op::JA), top);
  a.bind(done);
  iter_arg(a);
  call_kfunc(a, bits ? kKfBitsDestroy : kKfIterDestroy);
  emit_body(a, bodies.b[1], bodies.n[1], {7, 8});
  ret(a, 0);
  if (write) c.issue_points |= point(4);
  c.note = bits ? "bits src " + std::to_string(src) + " words " + std::to_string(nr_words)
                : std::to_string(start) + ".." + std::to_string(start + count);
  if (write) c.note += " write-elem";
  return a.finish();
}

inline Result<Program> shape_tail_call(World& w, ByteReader& in, Case& c) {
  const uint32_t t = in.pick(3);
  c.type = t == 0 ? w.type : t == 1 ? w.xdp : w.skb;
  static const uint32_t arrays[] = {kMapProgFuzz, kMapProgSkb, kMapProgXdp, kMapSelf};
  const uint32_t map = arrays[in.pick(4)];
  const auto slot = static_cast<int32_t>(in.pick(3));
  const bool from_sub = in.coin(1, 2);
  c.self_slot_type = map == kMapSelf;
  const uint32_t owner[] = {0, 2, 1};  // the type (t) of each world prog_array's programs
  if (map == kMapSelf) c.issue_points |= point(9);
  else if (owner[map - kMapProgFuzz] != t) c.issue_points |= point(2);
  if (from_sub && t != 0) c.issue_points |= point(5);
  Bodies bodies(in, 2);
  Asm a;
  const Asm::Label out = a.label(), sub = a.label();
  Proven p;
  if (t == 0) {
    plain_prologue(a, kMapArray);
  } else {
    movr(a, 6, 1);
    p = packet_prologue(a, in, *c.type, out, &c.note);
  }
  if (p.vacuous) c.issue_points |= point(1);
  emit_body(a, bodies.b[0], bodies.n[0], {7, 8});
  if (from_sub) {
    movr(a, 1, 6);
    a.to(make_insn(Op::CALL_LOCAL), sub);
  } else {
    tail_call(a, map, slot);
  }
  if (t != 0) proven_access(a, in, p);  // after a callee that may have resized the packet
  emit_body(a, bodies.b[1], bodies.n[1], {7, 8});
  a.bind(out);
  ret(a, t == 1 ? 2 : 0);
  if (from_sub) {
    a.bind(sub);
    movr(a, 6, 1);
    tail_call(a, map, slot);
    ret(a, 0);
  }
  c.note += std::string(c.type->name) + "->" + w.defs[map].name + "[" + std::to_string(slot) + "]" +
            (from_sub ? " from subprogram" : "");
  return a.finish();
}

inline Result<Program> shape_ringbuf(World& w, ByteReader& in, Case& c) {
  c.type = w.type;
  static const int32_t sizes[] = {1, 3, 8, 16, 24, 64, 200};
  const int32_t size = sizes[in.pick(std::size(sizes))];
  const bool submit = in.coin(1, 2);
  Bodies bodies(in, 2);
  Asm a;
  const Asm::Label skip = a.label();
  plain_prologue(a, kMapArray);
  map_ptr(a, 1, kMapRingbuf);
  mov(a, 2, size);
  mov(a, 3, 0);
  call(a, 131);
  movr(a, 9, 0);
  a.to(make_insn(Op::JEQ64_IMM, 9, 0, 0, 0), skip);
  std::string loop;
  counted_loop(a, in, &loop);
  emit_body(a, bodies.b[0], bodies.n[0], {9});
  movr(a, 1, 9);
  mov(a, 2, 0);
  call(a, submit ? 132 : 133);
  a.bind(skip);
  emit_body(a, bodies.b[1], bodies.n[1], {7, 8});
  ret(a, 0);
  c.note = "size=" + std::to_string(size) + (submit ? " submit" : " discard") + loop;
  return a.finish();
}

inline Result<Program> shape_rodata(World& w, ByteReader& in, Case& c) {
  c.type = w.type;
  Bodies bodies(in, 1);
  Asm a;
  plain_prologue(a, kMapRodata);
  emit_body(a, bodies.b[0], bodies.n[0], {7});
  ret(a, 0);
  return a.finish();
}

// bpf_probe_read_* (or _str) into the stack, then r0 = what was read: from
// the canary (never readable: packet and plain programs may not call these
// helpers, a granted tracing program gets -EFAULT and zeroes), from the
// platform's readable range, or straddling its ends.
inline Result<Program> shape_probe(World& w, ByteReader& in, Case& c) {
  static const int32_t ids[] = {4, 45, 112, 113, 114, 115};
  const uint32_t t = in.pick(4);
  c.type = t == 0 ? w.type : t == 1 ? w.xdp : t == 2 ? w.skb : w.trace;
  const auto base = reinterpret_cast<uint64_t>(w.readable);
  const uint64_t addrs[] = {reinterpret_cast<uint64_t>(&w.canary), base, base + 8, base - 4, base + 12};
  const int32_t id = ids[in.pick(std::size(ids))];
  c.issue_points |= point(6);
  Bodies bodies(in, 1);
  Asm a;
  const Asm::Label out = a.label();
  if (t == 0 || t == 3) {
    plain_prologue(a, kMapArray);
  } else {
    movr(a, 6, 1);
    if (packet_prologue(a, in, *c.type, out, &c.note).vacuous) c.issue_points |= point(1);
  }
  emit_body(a, bodies.b[0], bodies.n[0], {7, 8});
  a.bind(out);
  mov(a, 0, 0);
  a.emit(make_insn(Op::STXDW, 10, 0, -8));
  movr(a, 1, 10);
  a.emit(make_insn(Op::ADD64_IMM, 1, 0, 0, -8));
  mov(a, 2, 8);
  const uint64_t addr = addrs[in.pick(std::size(addrs))];
  a.emit(make_insn(Op::LDDW, 3, 0, 0, 0, addr));
  call(a, id);
  a.emit(make_insn(Op::LDXDW, 0, 10, -8));
  a.emit(make_insn(Op::EXIT));
  c.note += std::string(c.type->name) + " helper " + std::to_string(id);
  return a.finish();
}

// A map definition near the limits; creating it must fail cleanly or fit.
inline Result<Program> shape_huge_map(World& w, ByteReader& in, Case& c) {
  static const MapType types[] = {MapType::Hash,        MapType::LruHash,  MapType::PercpuHash,
                                  MapType::LruPercpuHash, MapType::Array, MapType::PercpuArray,
                                  MapType::ProgArray};
  static const uint32_t entries[] = {1u << 31, 1u << 26, 1u << 24, 1u << 20, UINT32_MAX, 1u << 16};
  static const uint32_t values[] = {4, 8, 64, 4096};
  c.type = w.type;
  c.issue_points |= point(7);
  MapDef& d = c.huge_def;
  d.name = "huge";
  d.type = types[in.pick(std::size(types))];
  d.max_entries = entries[in.pick(std::size(entries))];
  const bool array = d.type == MapType::Array || d.type == MapType::PercpuArray || d.type == MapType::ProgArray;
  d.key_size = array || in.coin(1, 2) ? 4 : 8;
  d.value_size = d.type == MapType::ProgArray ? 4 : values[in.pick(std::size(values))];
  if (!array && in.coin(1, 2)) d.map_flags = kMapFNoPrealloc;
  c.note = "type " + std::to_string(static_cast<uint32_t>(d.type)) + " max_entries " + std::to_string(d.max_entries) +
           " value " + std::to_string(d.value_size) + (d.map_flags ? " no_prealloc" : "");
  // A per-map limit below the default (1 GiB, tests/runtime/map_memory_test.cpp
  // covers it) keeps the fuzzer's and the slices' memory and time small; what
  // is fuzzed is the footprint arithmetic and the refusal before allocating.
  MapLimits limits;
  limits.map_bytes = uint64_t{64} << 20;
  auto m = create_map(d, limits);
  if (!m) return std::unexpected(m.error());
  c.huge = std::shared_ptr<Map>(std::move(*m));
  Bodies bodies(in, 1);
  Asm a;
  const Asm::Label out = a.label();
  plain_prologue(a, kMapArray);
  a.emit(make_insn(Op::STW, 10, 0, -24, static_cast<int32_t>(in.pick(8))));
  a.emit(make_insn(Op::STW, 10, 0, -20, 0));
  if (d.type == MapType::ProgArray) {
    tail_call(a, kMapHuge, 0);
  } else {
    map_ptr(a, 1, kMapHuge);
    movr(a, 2, 10);
    a.emit(make_insn(Op::ADD64_IMM, 2, 0, 0, -24));
    call(a, 1);
    a.to(make_insn(Op::JEQ64_IMM, 0, 0, 0, 0), out);
    emit_body(a, bodies.b[0], bodies.n[0], {0});
  }
  a.bind(out);
  ret(a, 0);
  return a.finish();
}

// bpf_throw(cookie) at a site: unconditional, or skipped unless `reg`
// equals a small constant (a loop index, a value a body computed).
inline void throw_site(Asm& a, ByteReader& in, uint8_t reg) {
  const Asm::Label skip = a.label();
  if (in.coin(2, 3)) a.to(make_insn(Op::JNE64_IMM, reg, 0, 0, static_cast<int32_t>(in.pick(3))), skip);
  mov(a, 1, static_cast<int32_t>(in.pick(4)));
  call_kfunc(a, kKfThrow);
  a.bind(skip);
}

// bpf_throw from the main program, a static subprogram or a bpf_loop
// callback (on one of its iterations), with nothing held, an iterator alive
// or a ring buffer record reserved (the verifier refuses a throw that would
// leak them; were one accepted, unwinding must give them back, which the
// oracle checks). The default exception callback makes the cookie r0.
inline Result<Program> shape_throw(World& w, ByteReader& in, Case& c) {
  c.type = w.type;
  const uint32_t where = in.pick(3), held = in.coin(1, 2) ? 0 : 1 + in.pick(2);
  const int32_t nr = 1 + static_cast<int32_t>(in.pick(5));
  Bodies bodies(in, 2);
  Asm a;
  const Asm::Label fn = a.label(), no_record = a.label();
  plain_prologue(a, kMapArray);
  if (held == 1) {
    iter_arg(a);
    mov(a, 2, 0);
    mov(a, 3, 3);
    call_kfunc(a, kKfIterNew);
  } else if (held == 2) {
    map_ptr(a, 1, kMapRingbuf);
    mov(a, 2, 8);
    mov(a, 3, 0);
    call(a, 131);
    movr(a, 9, 0);
  }
  emit_body(a, bodies.b[0], bodies.n[0], {7, 8});
  if (where == 0) {
    throw_site(a, in, 0);
  } else if (where == 1) {
    movr(a, 1, 6);
    a.to(make_insn(Op::CALL_LOCAL), fn);
  } else {
    mov(a, 1, nr);
    func_ptr(a, 2, fn);
    movr(a, 3, 8);
    mov(a, 4, 0);
    call(a, 181);
  }
  if (held == 1) {
    iter_arg(a);
    call_kfunc(a, kKfIterDestroy);
  } else if (held == 2) {
    a.to(make_insn(Op::JEQ64_IMM, 9, 0, 0, 0), no_record);
    movr(a, 1, 9);
    mov(a, 2, 0);
    call(a, 133);
  }
  a.bind(no_record);
  ret(a, 0);
  a.bind(fn);  // the subprogram (r1 = ctx) or the callback (r1 = index, r2 = the caller's fp-16)
  movr(a, 6, 1);
  emit_body(a, bodies.b[1], bodies.n[1], {10});
  throw_site(a, in, 6);
  ret(a, 0);
  static const char* wheres[] = {"main", "subprogram", "bpf_loop callback"};
  static const char* helds[] = {"", " iterator alive", " record reserved"};
  c.note = std::string("throw from ") + wheres[where] + helds[held];
  return a.finish();
}

// Locks on map values: bpf_res_spin_lock on one value or two (the same
// value twice half the time: AA at run time), its result checked or not,
// released newest first or out of order, a throw while holding them; or a
// plain bpf_spin_lock. Random rows run while the locks are held, steered
// at the locked values (whose first word is the lock).
inline Result<Program> shape_lock(World& w, ByteReader& in, Case& c) {
  c.type = w.type;
  const uint32_t mode = in.pick(3);  // 0: one res lock, 1: two res locks, 2: bpf_spin_lock
  const bool res = mode != 2, two = mode == 1, checked = in.coin(7, 8), in_order = in.coin(3, 4);
  const bool throws = res && in.coin(1, 5);
  const auto k0 = static_cast<int32_t>(in.pick(2)), k1 = static_cast<int32_t>(in.pick(2));
  Bodies bodies(in, 2);
  Asm a;
  const Asm::Label out = a.label(), unlock_a = a.label();
  plain_prologue(a, kMapArray);
  auto lookup = [&](uint8_t dst, int32_t key) {
    a.emit(make_insn(Op::STW, 10, 0, -24, key));
    map_ptr(a, 1, res ? kMapResLock : kMapSpinLock);
    movr(a, 2, 10);
    a.emit(make_insn(Op::ADD64_IMM, 2, 0, 0, -24));
    call(a, 1);
    movr(a, dst, 0);
    a.to(make_insn(Op::JEQ64_IMM, dst, 0, 0, 0), out);
  };
  auto lock = [&](uint8_t r, bool take, Asm::Label on_error) {
    movr(a, 1, r);
    if (!res) return call(a, take ? 93 : 94);
    call_kfunc(a, take ? kKfResLock : kKfResUnlock);
    if (take && checked) a.to(make_insn(Op::JNE64_IMM, 0, 0, 0, 0), on_error);
  };
  lookup(6, k0);
  if (two) lookup(9, k1);
  lock(6, true, out);
  std::string loops;
  counted_loop(a, in, &loops);
  emit_body(a, bodies.b[0], bodies.n[0], {6, 7});
  if (two) lock(9, true, unlock_a);
  if (two) counted_loop(a, in, &loops);
  if (throws) throw_site(a, in, 0);
  emit_body(a, bodies.b[1], bodies.n[1], {6, 9, 7});
  if (two && in_order) lock(9, false, out);
  a.bind(unlock_a);
  lock(6, false, out);
  if (two && !in_order) lock(9, false, out);
  a.bind(out);
  ret(a, 0);
  c.note = std::string(res ? (two ? "res locks [" + std::to_string(k0) + "] [" + std::to_string(k1) + "]" : "res lock")
                           : "spin lock") +
           (checked ? "" : " unchecked") + (two && !in_order ? " out of order" : "") + (throws ? " throw" : "") + loops;
  return a.finish();
}

// One context access of the ctx shape: a load summed into r0, or a store of
// r3 or an immediate. Five times in six it is one the field allows (a load,
// or a store to a writable field, whole or as narrow as the field permits),
// one time in ten of those nudged off by a few bytes; otherwise any width
// anywhere from 8 bytes before the context to 8 past it.
inline void ctx_access(Asm& a, ByteReader& in, const ProgramType& t, std::string* note) {
  static const Op loads[] = {Op::LDXB, Op::LDXH, Op::LDXW, Op::LDXDW};
  static const Op stores[] = {Op::STXB, Op::STXH, Op::STXW, Op::STXDW};
  static const Op imms[] = {Op::STB, Op::STH, Op::STW, Op::STDW};
  static const int32_t nudges[] = {-8, -4, -1, 1, 2, 4, 8};
  std::vector<const CtxField*> scalars;
  for (const CtxField& f : t.fields)
    if (f.kind == CtxFieldKind::Scalar && f.size && f.size <= 8 && !(f.size & (f.size - 1))) scalars.push_back(&f);
  uint32_t wi;
  int32_t off;
  bool store;
  if (!scalars.empty() && in.coin(5, 6)) {
    const CtxField& f = *scalars[in.pick(static_cast<uint32_t>(scalars.size()))];
    store = f.writable && in.coin(1, 2);
    const uint32_t whole = static_cast<uint32_t>(std::countr_zero(f.size));
    wi = (store ? f.narrow_write : f.narrow_read) ? in.pick(whole + 1) : whole;
    off = static_cast<int32_t>(f.offset + in.pick(f.size >> wi) * (1u << wi));
    if (in.coin(1, 10)) off += nudges[in.pick(std::size(nudges))];
  } else {
    wi = in.pick(4);
    store = in.coin(1, 2);
    const uint32_t span = (t.ctx_size ? t.ctx_size : kCtxSize) + 16;
    off = static_cast<int32_t>((in.u8() | uint32_t{in.u8()} << 8) % span) - 8;
  }
  if (!store) {
    a.emit(make_insn(loads[wi], 2, 6, static_cast<int16_t>(off)));
    a.emit(make_insn(Op::ADD64_REG, 0, 2));
  } else if (in.coin(1, 2)) {
    a.emit(make_insn(stores[wi], 6, 3, static_cast<int16_t>(off)));
  } else {
    a.emit(make_insn(imms[wi], 6, 0, static_cast<int16_t>(off), 0x5a));
  }
  *note += std::string(store ? " st" : " ld") + std::to_string(8u << wi) + "@" + std::to_string(off);
}

// The contexts of the built-in types beyond fuzz, xdp and sched_cls
// (World::ctx_types): a few accesses by ctx_access, what was read stored in
// the array value, and a return value inside the type's range. Every rule
// these accesses meet was compared with Linux (KernelAgreement); the run's
// region is the context's exact size against a guard page, so the checked
// engine and the guard page catch what the verifier should have refused.
inline Result<Program> shape_ctx(World& w, ByteReader& in, Case& c) {
  if (w.ctx_types.empty()) return make_error(ErrorCode::InvalidArgument, "no context types");
  c.type = w.ctx_types[in.pick(static_cast<uint32_t>(w.ctx_types.size()))];
  Bodies bodies(in, 1);
  Asm a;
  plain_prologue(a, kMapArray);
  c.note = c.type->name;
  for (uint32_t k = 0, n = 1 + in.pick(4); k < n; ++k) ctx_access(a, in, *c.type, &c.note);
  a.emit(make_insn(Op::STXDW, 7, 0, 0));
  emit_body(a, bodies.b[0], bodies.n[0], {7, 8});
  ret(a, static_cast<int32_t>(std::clamp<int64_t>(0, c.type->ret_min, c.type->ret_max)));
  return a.finish();
}

inline Result<Program> build(const uint8_t* data, size_t size);

// The shape input bytes build (the first byte's choice).
inline Kind kind_of(const uint8_t* data, size_t size) {
  return size ? static_cast<Kind>(data[0] % static_cast<uint8_t>(Kind::Count)) : Kind::Plain;
}

// Input bytes -> one Case: the first byte picks the shape. The plain shape
// is build() of the remaining bytes.
inline Result<Case> build_case(World& w, const uint8_t* data, size_t size) {
  Case c;
  if (size == 0) return make_error(ErrorCode::InvalidArgument, "empty input");
  c.kind = kind_of(data, size);
  ByteReader in{data + 1, size - 1};
  Result<Program> p = make_error(ErrorCode::InvalidArgument, "no shape");
  switch (c.kind) {
    case Kind::Plain: c.type = w.type; p = build(data + 1, size - 1); break;
    case Kind::Packet: p = shape_packet(w, in, c); break;
    case Kind::Loop: p = shape_loop(w, in, c); break;
    case Kind::ForEach: p = shape_for_each(w, in, c); break;
    case Kind::Iter: p = shape_iter(w, in, c); break;
    case Kind::TailCall: p = shape_tail_call(w, in, c); break;
    case Kind::Ringbuf: p = shape_ringbuf(w, in, c); break;
    case Kind::Rodata: p = shape_rodata(w, in, c); break;
    case Kind::Probe: p = shape_probe(w, in, c); break;
    case Kind::HugeMap: p = shape_huge_map(w, in, c); break;
    case Kind::Throw: p = shape_throw(w, in, c); break;
    case Kind::Lock: p = shape_lock(w, in, c); break;
    case Kind::PktCall: p = shape_pkt_call(w, in, c); break;
    case Kind::Ctx: p = shape_ctx(w, in, c); break;
    case Kind::Sock: p = shape_sock(w, in, c); break;
    case Kind::Helper: p = shape_helper(w, in, c); break;
    case Kind::Stack: p = shape_stack(w, in, c); break;
    case Kind::Wronly: p = shape_wronly(w, in, c); break;
    case Kind::Count: break;
  }
  if (!p) return std::unexpected(p.error());
  c.prog = std::move(*p);
  if (c.type && c.type->has_packet) c.packet_len = std::array<uint32_t, 6>{14, 20, 60, 64, 128, 1500}[data[size - 1] % 6];
  return c;
}

}  // namespace decade::fuzzgen
