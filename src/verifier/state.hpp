// SPDX-License-Identifier: Apache-2.0
// Abstract machine state: registers (scalars and typed pointers), the stack
// of each call frame tracked per byte with spilled registers per 8-byte slot,
// acquired references and the held spin locks.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/map.hpp"
#include "verifier/scalar.hpp"

namespace decade::verifier {

enum class RegType : uint8_t {
  NotInit,
  Scalar,
  Ctx,         // the program's context
  Stack,       // frame pointer plus offset (frame says which call frame)
  MapPtr,      // struct bpf_map * from ld_imm64
  MapValue,    // pointer into a map value
  PacketMeta,  // packet metadata start (+ offset)
  Packet,      // packet data (+ offset); range = bytes proven readable
  PacketEnd,   // one past the packet
  Mem,         // sized memory: ring-buffer records, iterator ints (read-only), global function arguments
  Arena,       // arena address
  BtfPtr,      // pointer to a host type
  FuncPtr,     // address of a subprogram (callbacks)
  MapKey,      // a key bpf_for_each_map_elem hands its callback: read-only, map's key_size bytes
};

const char* reg_type_name(RegType t);
bool is_pointer(RegType t);

// How a linked scalar relates to its link's base (RegState::add_const).
enum class AddConst : uint8_t { None, Add64, Add32 };

// Field order keeps the struct small (104 bytes, the flags share the tail):
// states are copied at every fork and stored at every prune point.
struct RegState {
  Scalar val = Scalar::unknown();  // the value (scalars) or the variable part of a pointer's offset
  const MapDef* map = nullptr;     // MapPtr, MapValue, MapKey
  int32_t off = 0;                 // constant part of a pointer's offset; a linked scalar's delta (add_const)
  uint32_t id = 0;        // null-check identity; packet: identity of the variable offset part
  uint32_t ref_id = 0;    // acquired reference this pointer carries (0: none)
  uint32_t range = 0;     // packet pointers: bytes [0, range) past (base + variable part) are readable;
                          // raw context: bytes [0, range) from its start (r2, the length, is at least range);
                          // Stack from alloca: the area starts `range` bytes below r10 (0: no area, alloca.hpp)
  uint32_t mem_size = 0;  // Mem: region size; BtfPtr: kBtfSocket for a socket (PtrToSocket arguments);
                          // Stack from alloca: the area's bytes
  int32_t func_pc = -1;   // FuncPtr: subprogram start
  uint16_t frame = 0;     // Stack: the call frame (at most max_call_depth + 1 of them)
  RegType type = RegType::NotInit;
  bool maybe_null = false;
  // The memory this pointer reaches must not be written by the program:
  // stores, atomics and helper or function arguments the callee writes are
  // refused (check_mem). Set where such a pointer is made: values of
  // read-only maps (.rodata, BPF_F_RDONLY_PROG) and iterator elements, which
  // are the iterator's own state in the runtime.
  bool read_only = false;
  // Only constant offsets may be added (the kernel's PTR_TO_FLOW_KEYS): a
  // variable one is VerifierBadPointerArith. Set on pointers loaded from a
  // CtxFieldKind::Mem context field.
  bool fixed_offset = false;
  // A scalar linked (id) to others by a constant delta (the kernel's
  // BPF_ADD_CONST64/32, root only): Add64 after a 64-bit `+=`/`-=` of a
  // constant, the link's base plus `off`; Add32 after a 32-bit one on a
  // number that fits 32 bits, the base plus `off` in 32 bits, zero-extended.
  // A bound learnt on any register of the link moves to the others.
  AddConst add_const = AddConst::None;

  static RegState scalar(const Scalar& s) {
    RegState r;
    r.type = RegType::Scalar;
    r.val = s;
    return r;
  }
  static RegState unknown() { return scalar(Scalar::unknown()); }
  static RegState pointer(RegType t, int32_t off = 0) {
    RegState r;
    r.type = t;
    r.val = Scalar::constant(0);
    r.off = off;
    return r;
  }
  bool is_scalar() const { return type == RegType::Scalar; }
  bool is_ptr() const { return is_pointer(type); }
  bool is_const() const { return type == RegType::Scalar && val.is_const(); }
  bool operator==(const RegState&) const = default;
  std::string to_string() const;
};
static_assert(sizeof(RegState) == 104, "keep RegState small: it is copied at every fork");

// RegState::mem_size of a BtfPtr that is one of the kernel's socket
// pointers, whose fields the program reads as uapi structs
// (verifier/sock_access.cpp). kBtfSocket (PTR_TO_SOCKET: a context's
// bpf_sock field, a socket map lookup, bpf_sk_lookup_*) is the only one
// PtrToSocket arguments and socket map updates take; kBtfSockCommon
// (PTR_TO_SOCK_COMMON: __sk_buff.sk, bpf_skc_lookup_tcp) lacks the fields
// of full sockets; kBtfTcpSock is PTR_TO_TCP_SOCK (bpf_tcp_sock). Other
// BtfPtrs (0) are host types the program may pass on but not read.
inline constexpr uint32_t kBtfSocket = 1;
inline constexpr uint32_t kBtfSockCommon = 2;
inline constexpr uint32_t kBtfTcpSock = 3;
inline bool is_sock_kind(const RegState& r) {
  return r.type == RegType::BtfPtr && (r.mem_size == kBtfSocket || r.mem_size == kBtfSockCommon || r.mem_size == kBtfTcpSock);
}
// The socket kind a registered type name stands for (0: none).
inline uint32_t sock_kind_of(const std::string& btf_type) {
  if (btf_type == "bpf_sock") return kBtfSocket;
  if (btf_type == "sock_common") return kBtfSockCommon;
  if (btf_type == "bpf_tcp_sock") return kBtfTcpSock;
  return 0;
}

// Identity of the raw program type's length argument (r2 on entry) and its
// copies: a branch that bounds it from below proves that much of the memory
// at r1 (RegState::range of context pointers).
inline constexpr uint32_t kRawLengthId = 0xffffffffu;

// What each stack byte holds.
enum class SlotByte : uint8_t { Invalid, Misc, Zero, Spill, Iter };

// The stack bytes whose 8-byte slots the precision analysis tracks one by
// one (Precision::Need::slots); slots past it, which only a host-raised
// VerifyOptions::max_stack allows, are always compared exactly.
inline constexpr int kMaskedStack = 512;

// An iterator of iter_size / 8 slots has one IterSlot per slot, all alike.
struct IterSlot {
  uint32_t id = 0;        // identity (for the state comparison)
  uint8_t state = 0;      // 1 active, 2 drained
  uint32_t new_pc = 0;    // the bpf_iter_*_new call (named when it leaks)
  uint32_t type = 0;      // hash of the iterator's type name (bpf_iter_num, ...)
  bool operator==(const IterSlot&) const = default;
};

inline constexpr uint32_t kUnboundedRuns = UINT32_MAX;

struct Frame {
  std::array<RegState, 11> regs{};
  // Byte i is fp-1-i. Grows in 8-byte steps as the program touches it.
  std::vector<SlotByte> bytes;
  std::vector<RegState> spills;  // per 8-byte slot (slot k covers fp-8k-8 .. fp-8k-1)
  std::vector<IterSlot> iters;   // per 8-byte slot
  int32_t callsite = -1;         // the call instruction that created the frame
  uint32_t subprog = 0;
  bool callback = false;         // a callback frame (bpf_loop, for_each_map_elem)
  // A callback frame: how many more times the helper may run the callback
  // after this run (bpf_loop's nr_loops less the runs so far, as the
  // kernel's callback_depth counts them); kUnboundedRuns when not bounded.
  uint32_t cb_runs_left = kUnboundedRuns;
  // A callback's r1-r5 on entry (to enter it again). Shared and immutable:
  // only callback frames have them, and every copy of a state keeps them.
  std::shared_ptr<const std::array<RegState, 5>> cb_args;
  // stackargs (stack_args.hpp): the arguments past r5 the function received
  // (slot k is argument 6+k; empty for the main program and callbacks), and
  // the ones it stored for its next call (NotInit where not written).
  std::vector<RegState> in_args, out_args;
  // alloca (alloca.hpp): bytes of the frame's allocation area taken so far,
  // upwards from the frame's bottom (r10 - max_stack).
  uint32_t alloc_top = 0;

  void grow(size_t nbytes);
  // Slot k holds a spilled register (8 bytes, or a narrower scalar in its
  // lowest-addressed bytes; byte 8k+7 is the slot's lowest address).
  bool spilled(size_t k) const { return k * 8 + 7 < bytes.size() && bytes[k * 8 + 7] == SlotByte::Spill; }
  // Bytes of slot k the spill covers (0 when none).
  unsigned spill_width(size_t k) const {
    unsigned w = 0;
    while (w < 8 && bytes[k * 8 + 7 - w] == SlotByte::Spill) ++w;
    return spilled(k) ? w : 0;
  }
  // Forget slot k's spilled register: its bytes become plain initialised data.
  void break_spill(size_t k) {
    if (!spilled(k)) return;
    for (size_t i = k * 8; i < k * 8 + 8; ++i)
      if (bytes[i] == SlotByte::Spill) bytes[i] = SlotByte::Misc;
    spills[k] = RegState{};
  }
};

struct RefState {
  uint32_t id = 0;
  uint32_t acquire_pc = 0;
  bool operator==(const RefState&) const = default;
};

struct LockState {
  bool held = false;
  const MapDef* map = nullptr;
  uint32_t ptr_id = 0;  // identity of the map value the lock lives in
  uint32_t pc = 0;
  bool operator==(const LockState&) const = default;
};

// A bpf_res_spin_lock a path holds. Several may be held; they are
// released newest first, and an irqsave lock only by irqrestore with the
// same flag slot.
struct ResLockState {
  const MapDef* map = nullptr;
  uint32_t ptr_id = 0;      // identity of the map value the lock lives in
  uint32_t pc = 0;          // the lock call
  int32_t flag_frame = -1;  // irqsave: the frame of the flag slot; -1 for the plain form
  int32_t flag_off = 0;     // irqsave: the slot's offset from that frame's r10
  bool operator==(const ResLockState&) const = default;
};

struct State {
  std::vector<Frame> frames;
  std::vector<RefState> refs;
  LockState lock;
  // Held bpf_res_spin_locks, oldest first. All were taken after `lock`
  // (no call but the res lock kfuncs is allowed under a lock), so a
  // bpf_spin_unlock while any is held is out of order.
  std::vector<ResLockState> res_locks;
  uint32_t pc = 0;
  // Iterations of runtime-bounded loops (may_goto, iterator next, callback
  // re-entry) on this path: compared only when looking for endless loops, so
  // such loops are never mistaken for one.
  uint32_t loop_depth = 0;

  Frame& cur() { return frames.back(); }
  const Frame& cur() const { return frames.back(); }
  RegState& reg(uint8_t r) { return frames.back().regs[r]; }
  const RegState& reg(uint8_t r) const { return frames.back().regs[r]; }
  // Apply fn to every register and spilled register of every frame.
  template <typename Fn>
  void for_each_reg(Fn&& fn) {
    for (Frame& f : frames) {
      for (RegState& r : f.regs) fn(r);
      for (RegState& r : f.in_args) fn(r);
      for (RegState& r : f.out_args) fn(r);
      for (size_t k = 0; k < f.spills.size(); ++k)
        if (f.spilled(k)) fn(f.spills[k]);
    }
  }
  bool holds_lock() const { return lock.held || !res_locks.empty(); }
  bool has_ref(uint32_t id) const;
  void drop_ref(uint32_t id);
};

// Liveness of the innermost frame's registers, as a bit mask (bit r = live).
using RegMask = uint16_t;

// Stored states and the pruning comparison: stored_state.hpp.

std::string dump_state(const State& s);

}  // namespace decade::verifier
