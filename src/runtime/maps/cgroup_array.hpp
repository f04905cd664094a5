// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_CGROUP_ARRAY: slots holding cgroups (v2) the host puts in,
// as the kernel takes them: the value of an update is a file descriptor of
// the cgroup's directory (or, through set_path, the directory's path).
// Programs never read the slots; bpf_current_task_under_cgroup and
// bpf_skb_under_cgroup ask whether the calling thread's cgroup (from
// /proc/thread-self/cgroup) is the slot's cgroup or one below it.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/map.hpp"

namespace decade {

class CgroupArray : public Map {
 public:
  using Map::Map;
  // The helpers' answer for slot `index`: 1 when the calling thread's
  // cgroup is the slot's or a descendant of it, 0 when not (or the thread's
  // cgroup cannot be read: no cgroup v2 hierarchy), -E2BIG past
  // max_entries, -EAGAIN for an empty slot.
  virtual long thread_under(uint32_t index) = 0;
  // The host's other way in: the cgroup directory at `path` into slot
  // `index`. 0, -E2BIG, or -EBADF when path is not a cgroup v2 directory.
  virtual long set_path(uint32_t index, const std::string& path) = 0;
};

CgroupArray* as_cgroup_array(Map* map);  // nullptr for other maps

}  // namespace decade
