// SPDX-License-Identifier: Apache-2.0
// Helper and kfunc arguments in checked (unverified) execution: what the
// verifier would have proven about each argument the prototype declares is
// checked at the call instead. One set of rules for every engine; the engine
// supplies how it tells memory, maps and functions apart.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <span>
#include <vector>

#include "decade/error.hpp"
#include "runtime/engine.hpp"
#include "runtime/map.hpp"
#include "runtime/platform.hpp"
#include "runtime/run_context.hpp"

namespace decade {

// bpf_spin_lock and bpf_spin_unlock, whose lock bookkeeping checked runs do
// themselves (runtime/spin_lock.hpp) instead of calling the helper.
inline bool is_spin_lock_helper(const FuncProto& p) {
  return p.args[0] == ArgKind::PtrToSpinLock && (p.name == "bpf_spin_lock" || p.name == "bpf_spin_unlock");
}

// The maps a checked program reaches: its own and, one level down (inner
// maps cannot hold maps), every inner map one of its map-of-maps holds or has
// held. Those stay alive while the outer map lives, so a pointer a lookup in
// the outer map returned is a valid map argument, as in the kernel. Nothing
// else is: not a map of another object, not a forged pointer.
template <class Fn>
void for_each_reachable_map(const std::vector<Map*>& maps, Fn&& fn) {
  for (Map* m : maps) {
    if (!m) continue;
    fn(m);
    if (m->type() == MapType::ArrayOfMaps || m->type() == MapType::HashOfMaps)
      for (Map* inner : m->inner_maps()) fn(inner);
  }
}

inline bool checked_map_arg(const std::vector<Map*>& maps, uint64_t v) {
  if (v == 0) return false;
  for (Map* m : maps)
    if (reinterpret_cast<uint64_t>(m) == v) return true;
  for (Map* m : maps)  // pointer comparison only: v is not dereferenced until it matches
    if (m && (m->type() == MapType::ArrayOfMaps || m->type() == MapType::HashOfMaps) &&
        m->holds_inner(reinterpret_cast<const Map*>(v)))
      return true;
  return false;
}

// Memory of the reachable maps as checked execution bounds it: only what the
// maps hand out (MapStorage), read-only for frozen and BPF_F_RDONLY_PROG maps.
inline void append_map_memory(const std::vector<Map*>& maps, std::vector<MemRegion>& out) {
  for_each_reachable_map(maps, [&](Map* m) {
    const bool writable = !m->def().frozen && !(m->def().map_flags & kMapFRdonlyProg);
    for (const MapStorage& s : m->storage()) out.push_back(MemRegion::of(s, writable));
  });
}

// Checked execution's view of memory outside the stack: the request's
// regions, the keys the run handed to callbacks (read-only), then the
// reachable maps' storage, cached after the first miss and collected again
// once on a miss (hash maps grow). Shared by the engines.
struct CheckedMapMemory {
  std::vector<MemRegion> regions;
  bool collected = false;

  void reset() {
    regions.clear();
    collected = false;
  }
  bool allows(std::span<const MemRegion> request, const std::vector<Map*>& maps, uint64_t addr, uint64_t size,
              bool write) {
    for (const MemRegion& r : request)
      if (r.allows(addr, size, write)) return true;
    if (const RunContext* rc = current_run_context(); !write && rc && rc->callback_keys.contains(addr, size)) return true;
    if (collected)
      for (const MemRegion& r : regions)
        if (r.allows(addr, size, write)) return true;
    regions.clear();
    append_map_memory(maps, regions);
    collected = true;
    for (const MemRegion& r : regions)
      if (r.allows(addr, size, write)) return true;
    return false;
  }
};

struct ArgFault {
  ErrorCode code = ErrorCode::ExecBadCall;
  size_t arg = 0;            // 0-based argument index (r1 is 0)
  const char* what = "";     // what is wrong with it, for the message
  // For ExecOutOfBounds from a memory range: the access that failed (size 0 otherwise).
  uint64_t addr = 0, size = 0;
  bool write = false;
};

// A NUL-terminated string of at most 64 KiB, every byte readable.
template <class MemOk>
bool checked_const_str(uint64_t p, MemOk&& mem_ok) {
  for (uint64_t i = 0; i < 65536; ++i) {
    if (!mem_ok(p + i, 1, false)) return false;
    if (*reinterpret_cast<const char*>(p + i) == '\0') return true;
  }
  return false;
}

// args = r1..r5; run_ctx is the context the run was given (r1 at entry).
// mem_ok(addr, size, write), is_map(v), is_func(v) are the engine's views of
// the run's memory, the program's maps and its functions.
template <class MemOk, class IsMap, class IsFunc>
std::optional<ArgFault> check_helper_args(const FuncProto& p, const uint64_t* args, uint64_t run_ctx, MemOk&& mem_ok,
                                          IsMap&& is_map, IsFunc&& is_func) {
  const bool nullable = p.flags & kHelperNullable;
  const Map* map = nullptr;
  for (size_t i = 0; i < 5; ++i) {
    const uint64_t v = args[i];
    const uint64_t next = i < 4 ? args[i + 1] : 0;
    auto mem = [&](uint64_t size, bool write) -> std::optional<ArgFault> {
      if (mem_ok(v, size, write)) return std::nullopt;
      return ArgFault{ErrorCode::ExecOutOfBounds, i, "points outside the program's memory", v, size, write};
    };
    std::optional<ArgFault> f;
    switch (p.args[i]) {
      case ArgKind::None: return std::nullopt;
      case ArgKind::Scalar: case ArgKind::ConstSize: case ArgKind::ConstSizeOrZero:
      case ArgKind::AnyPtrOrNull: case ArgKind::PtrToBtfId:
        break;  // scalars; probe sources are validated by the helpers themselves
      case ArgKind::PtrToCtx:
        // The verifier passes only the unmodified context, so helpers may
        // take it as the run's own (a pt_regs, an skb, ...), or NULL where
        // the prototype allows it (bpf_get_netns_cookie).
        if (v != run_ctx && !(nullable && v == 0)) return ArgFault{ErrorCode::ExecBadCall, i, "is not the program's context"};
        break;
      case ArgKind::ConstMapPtr: case ArgKind::PtrToArena:
        if (!is_map(v)) return ArgFault{ErrorCode::ExecBadCall, i, "is not a map"};
        map = reinterpret_cast<const Map*>(v);
        break;
      case ArgKind::PtrToMem: case ArgKind::PtrToUninitMem: case ArgKind::PtrToMemInOut:
        if (v == 0 && nullable) break;
        // A zero size is refused where the verifier refuses it (a ConstSize
        // argument): the helper may take the pointer as memory even then.
        if (next == 0 && i < 4 && p.args[i + 1] == ArgKind::ConstSize)
          return ArgFault{ErrorCode::ExecBadCall, i + 1, "is a zero size where the helper needs memory"};
        if (next == 0) break;
        f = mem(next, p.args[i] != ArgKind::PtrToMem);
        break;
      case ArgKind::PtrToMapKey: case ArgKind::PtrToMapValue: case ArgKind::PtrToUninitMapValue: {
        if (!map) return ArgFault{ErrorCode::ExecBadCall, i, "has no map before it"};
        // A socket map's value argument is a socket (see PtrToSocket).
        if (p.args[i] == ArgKind::PtrToMapValue && (map->type() == MapType::Sockmap || map->type() == MapType::Sockhash))
          return ArgFault{ErrorCode::ExecBadCall, i, "is a socket, which only verified programs may pass"};
        const uint64_t size = p.args[i] == ArgKind::PtrToMapKey ? map->def().key_size : map->def().value_size;
        if (size) f = mem(size, p.args[i] == ArgKind::PtrToUninitMapValue);
        break;
      }
      case ArgKind::PtrToStack:
        if (v == 0 && nullable) break;
        f = mem(1, false);
        break;
      case ArgKind::PtrToFunc:
        if (!is_func(v)) return ArgFault{ErrorCode::ExecBadCall, i, "is not a function"};
        break;
      case ArgKind::PtrToConstStr:
        if (!checked_const_str(v, mem_ok))
          return ArgFault{ErrorCode::ExecOutOfBounds, i, "is not a NUL-terminated string in bounds"};
        break;
      case ArgKind::PtrToRingbufMem:
        if (!mem_ok(v - 8, 8, true))  // the record header in front of the data
          return ArgFault{ErrorCode::ExecOutOfBounds, i, "is not a ring buffer record"};
        break;
      case ArgKind::PtrToSpinLock: case ArgKind::PtrToResSpinLock:
        if (v % 4) return ArgFault{ErrorCode::ExecMisaligned, i, "is not 4-byte aligned"};
        f = mem(4, true);
        break;
      case ArgKind::PtrToIrqFlag:
        if (v % 8) return ArgFault{ErrorCode::ExecMisaligned, i, "is not 8-byte aligned"};
        f = mem(8, true);
        break;
      case ArgKind::PtrToIter:
        // The verifier only accepts iterators in aligned stack slots; the
        // kfuncs read their state as aligned words.
        if (v % 8) return ArgFault{ErrorCode::ExecMisaligned, i, "is not 8-byte aligned"};
        f = mem(std::max<uint64_t>(8, p.iter_size), true);
        break;
      case ArgKind::PtrToWordsOrNull:
        // Read only for a word count the function takes (1 .. fixed_mem_size).
        if (v == 0 || i >= 4 || static_cast<uint32_t>(next) == 0 || static_cast<uint32_t>(next) > p.fixed_mem_size) break;
        f = mem(uint64_t{static_cast<uint32_t>(next)} * 8, false);
        break;
      case ArgKind::PtrToFixedMemInOut: case ArgKind::PtrToFixedUninitMem: case ArgKind::PtrToFixedMem:
        f = mem(p.arg_fixed_size[i], p.args[i] != ArgKind::PtrToFixedMem);
        break;
      case ArgKind::PtrToSocket: case ArgKind::PtrToSocketOrNull: case ArgKind::PtrToSockCommon:
      case ArgKind::PtrToBtfSockCommon:
        // Only the verifier's reference tracking proves a value is a socket
        // the run holds: an unverified program cannot pass one.
        if (v == 0 && p.args[i] == ArgKind::PtrToSocketOrNull) break;
        return ArgFault{ErrorCode::ExecBadCall, i, "is a socket, which only verified programs may pass"};
      case ArgKind::PtrToTimer:
        // Only the verifier proves a pointer is a value's bpf_timer field.
        return ArgFault{ErrorCode::ExecBadCall, i, "is a bpf_timer, which only verified programs may pass"};
    }
    if (f) return f;
  }
  return std::nullopt;
}

}  // namespace decade
