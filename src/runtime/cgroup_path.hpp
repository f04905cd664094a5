// SPDX-License-Identifier: Apache-2.0
// The calling thread's cgroup v2 as the kernel's cgroup helpers see it:
// the cgroup2 mount (/proc/self/mountinfo), the thread's path in the
// hierarchy (/proc/thread-self/cgroup, "0::/a/b") and the directories on
// the way up. A cgroup's id is its directory's inode number in the cgroup2
// file system, as the kernel's cgroup_id() (its kernfs node id; the root
// cgroup is 1). Each call reads the /proc files again: a thread may move.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace decade::cgroup {

struct Mount {
  std::string root;   // the hierarchy's path the mount shows at its top ("/", or a container's sub-tree)
  std::string point;  // where it is mounted
};
std::optional<Mount> cgroup2_mount();

// The calling thread's path in the cgroup v2 hierarchy ("/a/b"); empty
// when it has none (no cgroup2, a v1-only system).
std::string thread_path();

// The directories from the calling thread's cgroup up to the root, as
// (path in the hierarchy, file-system path under the mount) pairs, the
// thread's own first; those above a sub-tree mount's top are not visible
// and left out. Empty without a cgroup2 mount or a path.
struct Dir {
  std::string path;  // "/a/b"
  std::string fs;    // "/sys/fs/cgroup/a/b"
};
std::vector<Dir> thread_dirs();

// The path's depth: "/" is 0, "/a" 1, "/a/b" 2 (the kernel's cgroup level).
int level_of(const std::string& path);

// bpf_get_current_cgroup_id: the id of the calling thread's cgroup; 0 when
// it cannot be read.
uint64_t current_id();
// bpf_get_current_ancestor_cgroup_id(level): the id of its ancestor at
// `level` (0 is the root, 1); 0 past the thread's own level or when that
// ancestor lies above what the mount shows.
uint64_t current_ancestor_id(int level);

}  // namespace decade::cgroup
