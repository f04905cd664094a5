// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_CGROUP_STORAGE and BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: one
// value per (cgroup, attach type) a program runs for, which the program
// reaches only through bpf_get_local_storage(map, 0) (the verifier refuses
// every other helper on these maps, and the flags must be a known 0).
//
// Keys, as the kernel's: a struct bpf_cgroup_storage_key (u64 cgroup id,
// u32 attach type, 4 bytes of padding: 16 bytes, a value per attach type)
// or a u64 cgroup id (8 bytes: the attach types of a cgroup share it). max_entries must be 0;
// values are made when a program starts running for a cgroup, never by an
// update (the kernel makes them when it attaches the program).
//
// Which value a run gets (docs/helpers.md, "Cgroup storage"):
//  - A test run (BpfProgram::test_run) without a cgroup: fresh zeroed
//    storage for the whole call, shared by its `repeat` runs and dropped
//    after it, as the kernel's BPF_PROG_TEST_RUN allocates it; the map
//    itself is left as it was.
//  - A test run that names a cgroup (TestRunOptions::cgroup_storage), as a
//    program attached there: the map's value for that key, made zeroed on
//    first use and kept in the map, so later runs and the host (lookup,
//    update, get_next_key, as bpftool's map dump) see it.
// Per-CPU maps hold round_up(value_size, 8) bytes per possible CPU; a run
// gets the copy of the CPU slot it holds (runtime/cpu.hpp), the host every
// copy. Host updates replace existing values only (-ENOENT otherwise;
// flags BPF_ANY or BPF_EXIST, and BPF_F_LOCK for shared values with a
// bpf_spin_lock); deletes fail with -EINVAL; keys are walked in key order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "runtime/map.hpp"

namespace decade {

// The owner of a value in a cgroup storage map: the cgroup's id (the inode
// number of its cgroup v2 directory, as bpf_get_current_cgroup_id gives
// it) and the attach type (uapi enum bpf_attach_type; ignored by maps with
// 8-byte keys).
struct CgroupStorageOwner {
  uint64_t cgroup_id = 0;
  uint32_t attach_type = 0;
};

inline bool is_cgroup_storage(MapType t) {
  return t == MapType::CgroupStorage || t == MapType::PercpuCgroupStorage;
}

// The storage the runs on this thread get while it lives (nested scopes
// stack): what BpfProgram::test_run installs around its runs. With an
// owner, each map's value for that owner (made on first use); without,
// fresh zeroed storage per map, freed with the scope.
class CgroupStorageScope {
 public:
  explicit CgroupStorageScope(std::optional<CgroupStorageOwner> owner);
  ~CgroupStorageScope();
  CgroupStorageScope(const CgroupStorageScope&) = delete;
  CgroupStorageScope& operator=(const CgroupStorageScope&) = delete;
  // The storage of map m (every CPU's copy for a per-CPU map) for the runs
  // of this scope; nullptr when memory ran out.
  uint8_t* storage_of(Map& m);

 private:
  struct Held {
    const Map* map;
    uint8_t* value;
    std::unique_ptr<uint64_t[]> owned;  // fresh storage (no owner)
  };
  std::optional<CgroupStorageOwner> owner_;
  std::vector<Held> held_;
  CgroupStorageScope* saved_;
};

// bpf_get_local_storage's answer: the running program's value in map m,
// this CPU slot's copy for a per-CPU map; nullptr outside a scope or when
// memory ran out.
void* cgroup_storage_value(Map& m);

Status check_cgroup_storage(const MapDef& def);
MapFootprint cgroup_storage_footprint(const MapDef& def);
Result<std::unique_ptr<Map>> make_cgroup_storage(const MapDef& def);

}  // namespace decade
