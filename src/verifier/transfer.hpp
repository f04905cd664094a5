// SPDX-License-Identifier: Apache-2.0
// Transfer functions: what each kind of instruction does to the abstract
// state, with the obligations it must meet checked on the way. Each returns
// an Error (code, instruction) when an obligation fails.
#pragma once

#include <vector>

#include "verifier/env.hpp"

namespace decade::verifier {

// ALU and ALU64: arithmetic, moves, sign extension, byte swaps, pointer arithmetic.
Status do_alu(Env& env, State& st, const Insn& insn);

// Loads, stores, atomics, ld_imm64 and the legacy packet loads.
Status do_mem(Env& env, State& st, const Insn& insn);

// Conditional jump: `fall` is the state on entry and becomes the fall-through
// state, `taken` the jump's. Each flag says whether that side is feasible.
struct BranchSides {
  bool fall = true;
  bool taken = true;
};
Result<BranchSides> do_branch(Env& env, State& fall, State& taken, const Insn& insn);

// Helper and kfunc calls. Callback helpers add the states that enter the
// callback to `spawned` (the call itself continues in st).
Status do_call(Env& env, State& st, const Insn& insn, std::vector<State>& spawned);

// Obligations shared by the transfer functions.
Status check_readable(const Env& env, const State& st, uint8_t reg, uint32_t pc);
// Memory access through register `ptr` at constant displacement `off`, `size`
// bytes. Reads fill *loaded (when not null); writes store `value` (or a
// zero/unknown scalar when value is null and imm says so).
enum class Access : uint8_t { Read, Write, ReadWrite };
struct MemOp {
  uint8_t ptr = 0;
  int32_t off = 0;
  uint32_t size = 0;
  Access access = Access::Read;
  bool sign_extend = false;
  const RegState* value = nullptr;  // the stored value (writes)
  bool helper = false;              // a helper reads/writes the memory (stack may hold padding)
};
Status check_mem(Env& env, State& st, const MemOp& op, uint32_t pc, RegState* loaded);
// A load through a socket pointer (is_sock_kind): sock_access.cpp.
Status sock_access(Env& env, const RegState& ptr, const MemOp& op, uint32_t pc, RegState* loaded);
// Memory argument [ptr, ptr + size) for a helper: size may be a range.
Status check_mem_range(Env& env, State& st, uint8_t ptr, const Scalar& size, Access access, uint32_t pc, bool zero_ok);

// The program may not write map `m`: not through its values, nor with the
// helpers that change its elements.
bool read_only_map(const MapDef& m);
// A pointer to a value of map `m` at constant offset `off`, read-only when
// the program may not write the map.
RegState map_value_pointer(const MapDef& m, int32_t off);

// Mark every pointer with null-check identity `id` as non-null (or NULL).
void mark_null_checked(State& st, uint32_t id, bool is_null);
// Helpers that may move or resize the packet, and the invalidation of every
// packet pointer after them (and after global functions, which may call them).
bool changes_packet(const FuncProto* proto);  // kHelperChangesPacket; false for nullptr
void invalidate_packet(State& st);
// Invalidate every register carrying reference `ref_id` (after its release).
void invalidate_ref(State& st, uint32_t ref_id);

}  // namespace decade::verifier
