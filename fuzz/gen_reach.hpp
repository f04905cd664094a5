// SPDX-License-Identifier: Apache-2.0
// The shapes that reach what the others do not (gen_shapes.hpp lists them
// all):
//
//   sock    xdp / sched_cls: a socket map lookup (sockmap, sockhash, or a
//           reuseport array, which programs may not look up) holding the
//           host's socket, checked against NULL or not, then an update of
//           another slot with it, a delete, random rows aimed at it, and
//           bpf_sk_release once, twice, never, or before a later use
//   helper  one call of bpf_check_mtu (its fixed 4-byte in/out length on
//           the stack or in a map value, initialised or not, near the
//           value's end), bpf_strtol / bpf_strtoul (a string built on the
//           stack or taken from a map value, the result into an unwritten
//           stack slot or a map value), bpf_get_ns_current_pid_tgid (the
//           process's own namespace or another) or bpf_trace_vprintk (a
//           format built on the stack from conversions, with arguments that
//           fit it or not), or tc's bpf_skb_load_bytes_relative followed by
//           another packet or cgroup helper (bpf_clone_redirect among
//           them); what the call wrote goes into the array value
//   stack   a stack size above 512 and, half the time, divided frames
//           (divstack): a chain of up to three functions each touching its
//           own deep frame and one passed down from its caller
//   wronly  the plain program with r7 in a BPF_F_WRONLY_PROG map's value:
//           stores are allowed, loads and helpers that read it are not
#pragma once

#include "gen_pkt_calls.hpp"

namespace decade::fuzzgen {

// Helper ids (the kernel's numbers).
enum : int32_t {
  kCallLookup = 1, kCallUpdate = 2, kCallDelete = 3, kCallComm = 16, kCallSkRelease = 86, kCallStrtol = 105,
  kCallStrtoul = 106, kCallNsPid = 120, kCallCheckMtu = 163, kCallVprintk = 177
};

inline void stw(Asm& a, int16_t off, int32_t v) { a.emit(make_insn(Op::STW, 10, 0, off, v)); }

inline Result<Program> shape_sock(World& w, ByteReader& in, Case& c) {
  const bool xdp = in.coin(1, 2);
  c.type = xdp ? w.xdp : w.skb;
  const uint32_t map = in.coin(1, 8) ? kMapReuseport : in.coin(1, 2) ? kMapSockmap : kMapSockhash;
  const uint32_t other = in.coin(1, 2) ? kMapSockmap : kMapSockhash;
  const auto key = static_cast<int32_t>(in.coin(3, 4) ? 0 : in.pick(5));
  const bool null_check = in.coin(7, 8);
  const uint32_t act = in.pick(4);      // 0 nothing, 1 update another slot with it, 2 delete, 3 random rows
  const uint32_t release = in.pick(8);  // 0-4 once, 5 never, 6 twice, 7 once then used
  const uint32_t rows = act == 3 ? std::min(in.pick(6), in.chunks(16)) : 0;
  const uint8_t* body = in.take(rows);
  Asm a;
  const Asm::Label out = a.label();
  movr(a, 6, 1);
  stw(a, -8, key);
  stw(a, -16, static_cast<int32_t>(in.pick(4)));
  map_ptr(a, 1, map);
  fp_arg(a, 2, -8);
  call(a, kCallLookup);
  movr(a, 7, 0);
  if (null_check) a.to(make_insn(Op::JEQ64_IMM, 7, 0, 0, 0), out);
  auto update_with_it = [&] {
    map_ptr(a, 1, other);
    fp_arg(a, 2, -16);
    movr(a, 3, 7);
    mov(a, 4, static_cast<int32_t>(in.pick(3)));
    call(a, kCallUpdate);
  };
  if (act == 1) update_with_it();
  if (act == 2) {
    map_ptr(a, 1, in.coin(1, 2) ? map : other);
    fp_arg(a, 2, -8);
    call(a, kCallDelete);
  }
  emit_body(a, body, rows, {7});
  if (release != 5) {
    movr(a, 1, 7);
    call(a, kCallSkRelease);
  }
  if (release == 6) {
    movr(a, 1, 7);
    call(a, kCallSkRelease);
  }
  if (release == 7) update_with_it();
  a.bind(out);
  ret(a, xdp ? 2 : 0);
  c.note = std::string(w.defs[map].name) + "[" + std::to_string(key) + "]" + (null_check ? "" : " unchecked") +
           (act == 1 ? " update" : act == 2 ? " delete" : act == 3 ? " rows" : "") +
           (release == 5 ? " leaked" : release == 6 ? " released twice" : release == 7 ? " used after release" : "");
  return a.finish();
}

// r = the array value (kMapArray) + off.
inline void array_value(Asm& a, uint8_t r, int32_t off) {
  a.emit(make_insn(Op::LDDW_MAP_IDX_VALUE, r, 0, 0, static_cast<int32_t>(kMapArray), 0));
  if (off) a.emit(make_insn(Op::ADD64_IMM, r, 0, 0, off));
}

// bpf_check_mtu(ctx, ifindex, &len, len_diff, flags); len and r0 end up in
// the array value.
inline void helper_check_mtu(Asm& a, ByteReader& in, Case& c) {
  static const int32_t lens[] = {0, 20, 1500, 65536, 70000};
  static const int32_t diffs[] = {0, -100, 100, 70000, -70000};
  static const int32_t where_off[] = {0, 0, 0, 12, 14};
  const uint32_t where = in.pick(5);  // 0 stack, 1 stack unwritten, 2-4 the array value at 0, 12, 14
  movr(a, 6, 1);
  array_value(a, 7, 0);
  if (where < 2) fp_arg(a, 8, -8);
  else array_value(a, 8, where_off[where]);
  if (where != 1) a.emit(make_insn(Op::STW, 8, 0, 0, lens[in.pick(std::size(lens))]));
  movr(a, 1, 6);
  mov(a, 2, std::array<int32_t, 4>{0, 1, 2, 7}[in.pick(4)]);
  movr(a, 3, 8);
  mov(a, 4, diffs[in.pick(std::size(diffs))]);
  mov(a, 5, static_cast<int32_t>(in.pick(3)));
  call(a, kCallCheckMtu);
  a.emit(make_insn(Op::STXW, 7, 0, 4));
  a.emit(make_insn(Op::LDXW, 1, 8, 0));
  a.emit(make_insn(Op::STXW, 7, 1, 8));
  c.note += " mtu@" + std::to_string(where);
}

// bpf_strtol / _strtoul(buf, len, flags, &res): the string is 16 bytes
// built on the stack at fp-48 from characters a number may hold, or the
// array value's (random) bytes; res an unwritten stack slot (fp-64), the
// array value at 8, or at 12 (4 bytes short).
inline void helper_strtol(Asm& a, ByteReader& in, Case& c, bool unsig) {
  static const char chars[] = " \t-+0123456789xXabcfg\0";
  static const int32_t lens[] = {1, 2, 4, 8, 16, 17, 0};
  static const int32_t flags[] = {0, 8, 10, 16, 3, 0x20, 0x1000};
  const bool stack_buf = in.coin(3, 4);
  if (stack_buf)
    for (int16_t k = 0; k < 16; ++k)
      a.emit(make_insn(Op::STB, 10, 0, static_cast<int16_t>(-48 + k), chars[in.pick(sizeof chars - 1)]));
  const uint32_t res = in.pick(3);
  const int32_t len = lens[in.pick(std::size(lens))];
  if (stack_buf) fp_arg(a, 1, -48);
  else movr(a, 1, 7);
  mov(a, 2, len);
  mov(a, 3, flags[in.pick(std::size(flags))]);
  if (res == 0) fp_arg(a, 4, -64);
  else array_value(a, 4, res == 1 ? 8 : 12);
  movr(a, 9, 4);
  call(a, unsig ? kCallStrtoul : kCallStrtol);
  a.emit(make_insn(Op::STXDW, 7, 0, 0));
  a.emit(make_insn(Op::LDXDW, 1, 9, 0));
  a.emit(make_insn(Op::STXDW, 7, 1, 8));
  c.note += std::string(unsig ? " strtoul" : " strtol") + " len " + std::to_string(len) + " res@" + std::to_string(res);
}

// bpf_get_ns_current_pid_tgid(dev, ino, &nsdata, size) of the process's own
// namespace or another, nsdata an unwritten stack slot or the array value.
inline void helper_ns_pid(World& w, Asm& a, ByteReader& in, Case& c) {
  static const int32_t sizes[] = {8, 4, 16, 0};
  const bool own = in.coin(3, 4);
  const bool stack = in.coin(1, 2);
  const int32_t size = sizes[in.pick(std::size(sizes))];
  a.emit(make_insn(Op::LDDW, 1, 0, 0, 0, own ? w.ns_dev : w.ns_dev + 1));
  a.emit(make_insn(Op::LDDW, 2, 0, 0, 0, own || in.coin(1, 2) ? w.ns_ino : 0));
  if (stack) fp_arg(a, 3, -64);
  else movr(a, 3, 7);
  movr(a, 9, 3);
  mov(a, 4, size);
  call(a, kCallNsPid);
  a.emit(make_insn(size >= 8 ? Op::LDXDW : Op::LDXW, 1, 9, 0));
  a.emit(make_insn(Op::ADD64_REG, 0, 1));
  c.note += std::string(" ns_pid") + (own ? " own" : " other") + (stack ? " stack" : " value") + " size " +
            std::to_string(size);
}

// bpf_trace_vprintk(fmt, size, data, data_len): a format of up to four
// conversions built at fp-96 (32 bytes, NUL-padded), its arguments at
// fp-128: numbers for the numeric ones, for %s the array value, the
// .rodata value, the format itself, the platform's readable range or the
// canary (read as "(efault)": no grant reaches it); data_len fitting the
// conversions or not.
inline void helper_vprintk(World& w, Asm& a, ByteReader& in, Case& c) {
  static const char* convs[] = {"%d ", "%llx", "%s|", "%c", "%%", "ab", "%u.", "%5d"};
  std::string fmt;
  int nargs = 0;
  for (uint32_t k = 0, n = 1 + in.pick(4); k < n; ++k) {
    const char* p = convs[in.pick(std::size(convs))];
    fmt += p;
    if (std::strcmp(p, "%%") != 0 && std::strcmp(p, "ab") != 0) {
      const int16_t slot = static_cast<int16_t>(-128 + 8 * nargs);
      if (std::strcmp(p, "%s|") != 0) {
        a.emit(make_insn(Op::STDW, 10, 0, slot, static_cast<int8_t>(in.u8())));
      } else {
        const uint32_t s = in.pick(5);
        const uint64_t host = s == 3 ? reinterpret_cast<uint64_t>(w.readable) : reinterpret_cast<uint64_t>(&w.canary);
        if (s == 0) movr(a, 1, 7);
        else if (s == 1) a.emit(make_insn(Op::LDDW_MAP_IDX_VALUE, 1, 0, 0, static_cast<int32_t>(kMapRodata), 0));
        else if (s == 2) fp_arg(a, 1, -96);
        else a.emit(make_insn(Op::LDDW, 1, 0, 0, 0, host));
        a.emit(make_insn(Op::STXDW, 10, 1, slot));
      }
      ++nargs;
    }
  }
  fmt.resize(32, '\0');
  for (int16_t k = 0; k < 32; k += 4) {
    int32_t v;
    std::memcpy(&v, fmt.data() + k, 4);
    stw(a, static_cast<int16_t>(-96 + k), v);
  }
  const uint32_t len_pick = in.pick(5);  // 0 fits, 1 none, 2 one short, 3 twelve (odd), 4 too many
  const int32_t data_len = len_pick == 0 ? 8 * nargs : len_pick == 1 ? 0 : len_pick == 2 ? 8 * std::max(nargs - 1, 0)
                           : len_pick == 3                            ? 12
                                                                      : 8 * 13;
  fp_arg(a, 1, -96);
  mov(a, 2, in.coin(3, 4) ? 32 : static_cast<int32_t>(std::strlen(fmt.c_str())));
  if (data_len) fp_arg(a, 3, -128);
  else mov(a, 3, 0);
  mov(a, 4, data_len);
  call(a, kCallVprintk);
  c.note += " vprintk \"" + std::string(fmt.c_str()) + "\" data_len " + std::to_string(data_len);
}

// A tc program's packet helpers: bpf_skb_load_bytes_relative into the
// stack (unwritten) or the 16-byte array value (whole, or 4 bytes before
// its end), with a length that fits or not (0 is refused), a header of 0,
// 1 or 2 and an offset inside, past or far past the packet; then one of
// bpf_skb_change_type, bpf_skb_set_tstamp, bpf_get_socket_cookie,
// bpf_get_socket_uid, bpf_skb_cgroup_id, bpf_get_current_cgroup_id,
// bpf_clone_redirect (devices 0-5, flags 0-3), bpf_skb_ancestor_cgroup_id
// or bpf_get_current_ancestor_cgroup_id.
// r0 and the first word read end up in the array value.
inline void helper_skb(Asm& a, ByteReader& in, Case& c) {
  static const int32_t lens[] = {4, 8, 16, 1, 32, 0, 20};
  static const int32_t offs[] = {0, 14, 40, 2, 1500, 0x10000, -1};
  enum : int32_t {
    kRelative = 68, kChangeType = 32, kSetTstamp = 192, kCookie = 46, kUid = 47, kSkbCgroup = 79, kCgroup = 80,
    kClone = 13, kSkbAncestor = 83, kAncestor = 123
  };
  const uint32_t where = in.pick(3);  // 0 stack fp-40, 1 the array value, 2 the array value at 12
  const int32_t len = lens[in.pick(std::size(lens))];
  movr(a, 6, 1);
  array_value(a, 7, 0);
  if (where == 0) fp_arg(a, 8, -40);
  else array_value(a, 8, where == 1 ? 0 : 12);
  movr(a, 1, 6);
  mov(a, 2, offs[in.pick(std::size(offs))]);
  movr(a, 3, 8);
  mov(a, 4, len);
  mov(a, 5, static_cast<int32_t>(in.pick(3)));
  call(a, kRelative);
  a.emit(make_insn(Op::STXW, 7, 0, 4));
  a.emit(make_insn(Op::LDXW, 1, 8, 0));
  a.emit(make_insn(Op::STXW, 7, 1, 8));
  static const int32_t ids[] = {kChangeType, kSetTstamp, kCookie, kUid, kSkbCgroup, kCgroup, kClone, kSkbAncestor, kAncestor};
  const uint32_t next = in.pick(std::size(ids));
  movr(a, 1, 6);
  mov(a, 2, static_cast<int32_t>(in.pick(6)));
  mov(a, 3, static_cast<int32_t>(in.pick(4)));
  if (ids[next] == kCgroup) mov(a, 1, 0);
  if (ids[next] == kAncestor) mov(a, 1, static_cast<int32_t>(in.pick(4)));
  call(a, ids[next]);
  a.emit(make_insn(Op::STXW, 7, 0, 12));
  c.note += " relative " + std::to_string(len) + "@" + std::to_string(where) + " then " + std::to_string(ids[next]);
}

inline Result<Program> shape_helper(World& w, ByteReader& in, Case& c) {
  const uint32_t which = in.pick(6);
  Asm a;
  if (which == 5) {
    c.type = w.skb;
    helper_skb(a, in, c);
    ret(a, 0);
    return a.finish();
  }
  if (which == 0) {
    const bool xdp = in.coin(1, 2);
    c.type = xdp ? w.xdp : w.skb;
    helper_check_mtu(a, in, c);
    ret(a, xdp ? 2 : 0);
    return a.finish();
  }
  c.type = w.type;
  plain_prologue(a, kMapArray);
  if (which == 1 || which == 2) helper_strtol(a, in, c, which == 2);
  else if (which == 3) helper_ns_pid(w, a, in, c);
  else helper_vprintk(w, a, in, c);
  a.emit(make_insn(Op::EXIT));
  return a.finish();
}

// A chain of one to three functions; function k's frame is `depth[k]`
// bytes deep (stores at its far end and at fp-8), it adds what it reads
// there to r0, writes through the pointer into its caller's frame it was
// given in r1 (the caller's deepest slot), runs random rows aimed at both,
// and calls the next. The stack size is 1 KiB to 64 KiB; with divstack
// each frame is bounded alone, without it their sum is.
inline Result<Program> shape_stack(World& w, ByteReader& in, Case& c) {
  static const uint32_t sizes[] = {1024, 2048, 4096, 8192, 65536, 600};
  c.type = w.type;
  c.max_stack = sizes[in.pick(std::size(sizes))];
  c.divided_stack = in.coin(1, 2);
  const uint32_t fns = 1 + in.pick(3);
  uint32_t depth[3];
  for (uint32_t k = 0; k < fns; ++k) {
    // Near the limit most of the time: a third, a half, all of it, or 8 past it.
    const uint32_t pick = in.pick(4);
    const uint32_t d = pick == 0 ? c.max_stack / 3 : pick == 1 ? c.max_stack / 2 : pick == 2 ? c.max_stack : c.max_stack + 8;
    depth[k] = std::max<uint32_t>(16, d & ~7u);
  }
  Bodies bodies(in, std::min<uint32_t>(fns, 3));
  Asm a;
  Asm::Label fn[3] = {a.label(), a.label(), a.label()};
  for (uint32_t k = 0; k < fns; ++k) {
    if (k) a.bind(fn[k]);
    movr(a, 6, 1);  // the caller's pointer (the context in main)
    a.emit(make_insn(Op::STDW, 10, 0, -8, 0));
    movr(a, 8, 10);
    a.emit(make_insn(Op::ADD64_IMM, 8, 0, 0, -static_cast<int32_t>(depth[k])));
    a.emit(make_insn(Op::STDW, 8, 0, 0, static_cast<int32_t>(k + 1)));
    if (k) a.emit(make_insn(Op::STDW, 6, 0, 0, 0x33));
    else a.emit(make_insn(Op::LDDW_MAP_IDX_VALUE, 7, 0, 0, static_cast<int32_t>(kMapArray), 0));
    mov(a, 0, 0);
    emit_body(a, bodies.b[k], bodies.n[k], {8, 6});
    a.emit(make_insn(Op::LDXDW, 9, 8, 0));
    if (k + 1 < fns) {
      movr(a, 1, 8);
      a.to(make_insn(Op::CALL_LOCAL), fn[k + 1]);
      a.emit(make_insn(Op::ADD64_REG, 9, 0));
    }
    if (k == 0) a.emit(make_insn(Op::STXDW, 7, 9, 0));
    movr(a, 0, 9);
    a.emit(make_insn(Op::EXIT));
  }
  c.note = "stack " + std::to_string(c.max_stack) + (c.divided_stack ? " divstack" : "") + " frames";
  for (uint32_t k = 0; k < fns; ++k) c.note += " " + std::to_string(depth[k]);
  return a.finish();
}

// The plain program with r7 in the write-only map's value, then a store
// through it, half the time a helper writing it (bpf_get_current_comm) or
// reading it (bpf_map_update_elem of the hash with it as the value).
inline Result<Program> shape_wronly(World& w, ByteReader& in, Case& c) {
  c.type = w.type;
  const uint32_t call_kind = in.pick(4);  // 0, 1 none, 2 a helper writes it, 3 one reads it
  Bodies bodies(in, 1);
  Asm a;
  plain_prologue(a, kMapWronly);
  a.emit(make_insn(Op::STXDW, 7, 5, 0));
  emit_body(a, bodies.b[0], bodies.n[0], {7, 8});
  if (call_kind == 2) {
    movr(a, 1, 7);
    mov(a, 2, 16);
    call(a, kCallComm);
  } else if (call_kind == 3) {
    a.emit(make_insn(Op::STDW, 10, 0, -24, 0x1000));
    map_ptr(a, 1, kMapHash);
    fp_arg(a, 2, -24);
    movr(a, 3, 7);
    mov(a, 4, 0);
    call(a, kCallUpdate);
  }
  ret(a, 0);
  c.note = call_kind == 2 ? "helper writes" : call_kind == 3 ? "helper reads" : "";
  return a.finish();
}

}  // namespace decade::fuzzgen
