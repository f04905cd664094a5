// SPDX-License-Identifier: Apache-2.0
// The cgroup array (cgroup_array.hpp). A slot keeps the cgroup directory's
// identity (device and inode), taken from the descriptor or path when the
// host inserts it, as the kernel keeps a reference to the cgroup itself.
// A thread is under a slot's cgroup when its own cgroup directory, or one
// of the directories above it up to the cgroup2 mount, has that identity
// (the kernel's task_under_cgroup_hierarchy).
#include "runtime/maps/cgroup_array.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "runtime/cgroup_path.hpp"
#include "runtime/maps/array_keys.hpp"
#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

constexpr long kCgroup2Magic = 0x63677270;  // CGROUP2_SUPER_MAGIC
constexpr long kEBADF = -EBADF, kEAGAIN = -EAGAIN;

struct DirId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const DirId&) const = default;
};

// The identity of a cgroup v2 directory open at fd, or nullopt.
std::optional<DirId> cgroup_dir(int fd) {
  struct stat st {};
  struct statfs fs {};
  if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || fstatfs(fd, &fs) != 0 || fs.f_type != kCgroup2Magic)
    return std::nullopt;
  return DirId{st.st_dev, st.st_ino};
}

// Is the calling thread's cgroup `want` or below it? From the thread's
// cgroup directory up to the top of the cgroup2 mount; 0 without one.
long thread_in(const DirId& want) {
  for (const cgroup::Dir& d : cgroup::thread_dirs()) {
    struct stat st {};
    if (stat(d.fs.c_str(), &st) == 0 && DirId{st.st_dev, st.st_ino} == want) return 1;
  }
  return 0;
}

class CgroupArrayImpl final : public CgroupArray {
 public:
  explicit CgroupArrayImpl(const MapDef& def) : CgroupArray(def), slots_(def.max_entries) {}

  long thread_under(uint32_t index) override {
    if (index >= def().max_entries) return kE2BIG;
    std::optional<DirId> want;
    {
      std::lock_guard lock(mu_);
      want = slots_[index];
    }
    if (!want) return kEAGAIN;
    // Programs call this: no exception may leave it (nothrow_op).
    return nothrow_op([&]() -> long { return thread_in(*want); });
  }

  long set_path(uint32_t index, const std::string& path) override {
    if (index >= def().max_entries) return kE2BIG;
    const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return kEBADF;
    const std::optional<DirId> id = cgroup_dir(fd);
    close(fd);
    return id ? put(index, *id) : kEBADF;
  }

  // The kernel's fd-array update: BPF_ANY only, the value a cgroup directory's fd.
  long host_update(const void* key, const void* value, uint64_t flags) override {
    const uint32_t index = array_keys::index_of(key);
    if (flags != kBpfAny) return kEINVAL;
    if (index >= def().max_entries) return kE2BIG;
    int32_t fd;
    std::memcpy(&fd, value, 4);
    const std::optional<DirId> id = cgroup_dir(fd);
    return id ? put(index, *id) : kEBADF;
  }

  long erase(const void* key) override {
    const uint32_t index = array_keys::index_of(key);
    if (index >= def().max_entries) return kEINVAL;
    std::lock_guard lock(mu_);
    if (!slots_[index]) return kENOENT;
    slots_[index].reset();
    return 0;
  }

  // Programs never see the slots and the host reads no cgroup back, as in the kernel.
  void* lookup(const void*) override { return nullptr; }
  long update(const void*, const void*, uint64_t) override { return kEOPNOTSUPP; }
  long host_lookup(const void*, void*, uint64_t) override { return kEOPNOTSUPP; }
  Status get_next_key(const void* key, void* next_key) override {
    return array_keys::next_key(key, next_key, def().max_entries);
  }

 private:
  long put(uint32_t index, DirId id) {
    std::lock_guard lock(mu_);
    slots_[index] = id;
    return 0;
  }

  std::mutex mu_;
  std::vector<std::optional<DirId>> slots_;
};

}  // namespace

CgroupArray* as_cgroup_array(Map* map) {
  return map && map->type() == MapType::CgroupArray ? static_cast<CgroupArray*>(map) : nullptr;
}

MapFootprint cgroup_array_footprint(const MapDef& def) {
  const uint64_t bytes = sat_add(sat_mul(def.max_entries, sizeof(std::optional<DirId>)), sizeof(CgroupArrayImpl));
  return {bytes, bytes};
}

Result<std::unique_ptr<Map>> make_cgroup_array(const MapDef& def) {
  return std::unique_ptr<Map>(new CgroupArrayImpl(def));
}

}  // namespace decade
