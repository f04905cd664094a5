// SPDX-License-Identifier: Apache-2.0
#include "runtime/cgroup_path.hpp"

#include <sys/stat.h>

#include <fstream>

namespace decade::cgroup {

// /proc/self/mountinfo: the fourth field is the mount's root, the fifth
// its mount point; the type follows the " - " separator.
std::optional<Mount> cgroup2_mount() {
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.find(" - cgroup2 ") == std::string::npos) continue;
    std::string f[5];
    size_t pos = 0;
    for (std::string& field : f) {
      const size_t end = line.find(' ', pos);
      if (end == std::string::npos) break;
      field = line.substr(pos, end - pos);
      pos = end + 1;
    }
    if (!f[4].empty()) return Mount{f[3], f[4]};
  }
  return std::nullopt;
}

std::string thread_path() {
  std::ifstream in("/proc/thread-self/cgroup");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

std::vector<Dir> thread_dirs() {
  std::vector<Dir> out;
  const std::optional<Mount> mount = cgroup2_mount();
  std::string path = thread_path();
  if (!mount || path.empty() || path[0] != '/') return out;
  const std::string& root = mount->root;
  for (;;) {
    // Below a sub-tree mount (a container's), only the paths under its
    // root are directories here.
    if (root == "/") {
      out.push_back({path, mount->point + (path == "/" ? "" : path)});
    } else if (path.compare(0, root.size(), root) == 0 && (path.size() == root.size() || path[root.size()] == '/')) {
      out.push_back({path, mount->point + path.substr(root.size())});
    }
    if (path == "/") break;
    const size_t slash = path.find_last_of('/');
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
  return out;
}

int level_of(const std::string& path) {
  int level = 0;
  for (size_t i = 1; i < path.size(); ++i)
    if (path[i] == '/') ++level;
  return path.size() > 1 ? level + 1 : 0;
}

namespace {
uint64_t id_of(const Dir& d) {
  struct stat st {};
  return stat(d.fs.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
}
}  // namespace

uint64_t current_id() {
  const std::vector<Dir> dirs = thread_dirs();
  return dirs.empty() ? 0 : id_of(dirs.front());
}

uint64_t current_ancestor_id(int level) {
  if (level < 0) return 0;
  for (const Dir& d : thread_dirs())
    if (level_of(d.path) == level) return id_of(d);
  return 0;
}

}  // namespace decade::cgroup
