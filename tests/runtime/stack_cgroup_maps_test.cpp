// SPDX-License-Identifier: Apache-2.0
// Stack trace maps (ids, collisions, BPF_F_REUSE_STACKID, BPF_F_FAST_STACK_CMP,
// the host's lookups, deletes and walk) and cgroup arrays (cgroup directory
// descriptors in, the calling thread's cgroup hierarchy asked), with the
// kernel's creation rules for both.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <string>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/cgroup_array.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/maps/stack_trace.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

ErrorCode create_error(const MapDef& d) {
  auto m = create_map(d);
  return m ? ErrorCode::Ok : m.error().code;
}

TEST(StackTraceMap, CreationRules) {
  EXPECT_EQ(create_error(def(MapType::StackTrace, 4, 8, 1)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::StackTrace, 4, 127 * 8, 16)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::StackTrace, 4, 128 * 8, 16)), ErrorCode::MapBadValueSize);
  EXPECT_EQ(create_error(def(MapType::StackTrace, 4, 12, 16)), ErrorCode::MapBadValueSize);
  EXPECT_EQ(create_error(def(MapType::StackTrace, 4, 0, 16)), ErrorCode::MapBadValueSize);
  EXPECT_EQ(create_error(def(MapType::StackTrace, 8, 8, 16)), ErrorCode::MapBadKeySize);
  EXPECT_EQ(create_error(def(MapType::StackTrace, 4, 8, 0)), ErrorCode::MapBadMaxEntries);
  EXPECT_EQ(create_error(def(MapType::StackTrace, 4, 8, 16, kMapFNoPrealloc)), ErrorCode::MapBadFlags);
  EXPECT_EQ(create_error(def(MapType::StackTrace, 4, 32, 16, 1u << 5)), ErrorCode::MapBadFlags);  // build ids
}

StackTraceMap* stacks(const std::unique_ptr<Map>& m) { return as_stack_trace_map(m.get()); }

TEST(StackTraceMap, SameStackSameIdAndHostReadsItZeroFilled) {
  auto m = make(MapType::StackTrace, 4, 4 * 8, 8);
  ASSERT_TRUE(stacks(m));
  const uint64_t a[] = {0x1111, 0x2222, 0x3333};
  const long id = stacks(m)->store(a, 3, 0);
  ASSERT_GE(id, 0);
  EXPECT_LT(id, 8);
  EXPECT_EQ(stacks(m)->store(a, 3, 0), id);
  std::array<uint64_t, 4> v{9, 9, 9, 9};
  const auto key = static_cast<uint32_t>(id);
  ASSERT_EQ(m->host_lookup(&key, v.data(), 0), 0);
  EXPECT_EQ(v, (std::array<uint64_t, 4>{0x1111, 0x2222, 0x3333, 0}));
  uint32_t next = 0;
  ASSERT_TRUE(m->get_next_key(nullptr, &next));
  EXPECT_EQ(next, key);
  EXPECT_FALSE(m->get_next_key(&key, &next));
  EXPECT_EQ(m->host_update(&key, v.data(), 0), -EINVAL);
  EXPECT_EQ(m->erase(&key), 0);
  EXPECT_EQ(m->host_lookup(&key, v.data(), 0), -ENOENT);
  EXPECT_EQ(m->erase(&key), -ENOENT);
  const uint32_t past = 8;
  EXPECT_EQ(m->erase(&past), -EINVAL);
  EXPECT_EQ(m->lookup(&key), nullptr);  // programs never read stacks
}

// One bucket: every stack collides.
TEST(StackTraceMap, CollisionsAndFlags) {
  auto m = make(MapType::StackTrace, 4, 2 * 8, 2);  // 2 buckets, 2 slots
  const uint64_t stacks_in[][2] = {{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}};
  // Find two stacks that share a bucket.
  long first_id = stacks(m)->store(stacks_in[0], 2, 0);
  ASSERT_GE(first_id, 0);
  int other = -1;
  for (int i = 1; i < 5 && other < 0; ++i) {
    const long id = stacks(m)->store(stacks_in[i], 2, 0);
    if (id == -EEXIST) other = i;
    else ASSERT_NE(id, first_id);
  }
  ASSERT_GE(other, 0) << "no two of five stacks share one of two buckets";
  // BPF_F_FAST_STACK_CMP only returns an id for the same hash, never for another stack.
  EXPECT_EQ(stacks(m)->store(stacks_in[other], 2, kStackFastCmp), -EEXIST);
  const auto key = static_cast<uint32_t>(first_id);
  m->erase(&key);  // frees the bucket's slot
  EXPECT_EQ(stacks(m)->store(stacks_in[0], 2, 0), first_id);
  // BPF_F_REUSE_STACKID replaces the bucket's stack.
  EXPECT_EQ(stacks(m)->store(stacks_in[other], 2, kStackReuseId), first_id);
  std::array<uint64_t, 2> v{};
  ASSERT_EQ(m->host_lookup(&key, v.data(), 0), 0);
  EXPECT_EQ(v[0], stacks_in[other][0]);
}

TEST(StackTraceMap, FullMapRefusesNewStacks) {
  auto m = make(MapType::StackTrace, 4, 8, 1);  // one bucket, one slot
  const uint64_t a = 1, b = 2;
  EXPECT_EQ(stacks(m)->store(&a, 1, 0), 0);
  EXPECT_EQ(stacks(m)->store(&b, 1, 0), -EEXIST);
  // The kernel takes a free slot before giving the old one back.
  EXPECT_EQ(stacks(m)->store(&b, 1, kStackReuseId), -ENOMEM);
  EXPECT_EQ(stacks(m)->store(&a, 1, 0), 0);
}

TEST(CgroupArray, CreationRules) {
  EXPECT_EQ(create_error(def(MapType::CgroupArray, 4, 4, 1)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::CgroupArray, 4, 8, 1)), ErrorCode::MapBadValueSize);
  EXPECT_EQ(create_error(def(MapType::CgroupArray, 8, 4, 1)), ErrorCode::MapBadKeySize);
  EXPECT_EQ(create_error(def(MapType::CgroupArray, 4, 4, 0)), ErrorCode::MapBadMaxEntries);
  EXPECT_EQ(create_error(def(MapType::CgroupArray, 4, 4, 1, kMapFRdonlyProg)), ErrorCode::MapBadFlags);
}

// The calling thread's cgroup directory (cgroup v2), or "" without one.
std::string own_cgroup_dir() {
  std::string mount;
  std::ifstream mi("/proc/self/mountinfo");
  for (std::string line; std::getline(mi, line);) {
    if (line.find(" - cgroup2 ") == std::string::npos) continue;
    size_t p = 0;
    for (int i = 0; i < 4; ++i) p = line.find(' ', p) + 1;
    mount = line.substr(p, line.find(' ', p) - p);
    break;
  }
  std::ifstream cg("/proc/thread-self/cgroup");
  for (std::string line; std::getline(cg, line);)
    if (!mount.empty() && line.rfind("0::", 0) == 0) return mount + line.substr(3);
  return {};
}

TEST(CgroupArray, ThreadUnderTheCgroupsItIsIn) {
  auto m = make(MapType::CgroupArray, 4, 4, 3);
  CgroupArray* a = as_cgroup_array(m.get());
  ASSERT_TRUE(a);
  EXPECT_EQ(a->thread_under(0), -EAGAIN);
  EXPECT_EQ(a->thread_under(3), -E2BIG);
  const uint32_t k0 = 0, k2 = 2, k3 = 3;
  const int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(tmp, 0);
  EXPECT_EQ(m->host_update(&k0, &tmp, 0), -EBADF);  // not a cgroup
  close(tmp);
  const std::string own = own_cgroup_dir();
  if (own.empty()) GTEST_SKIP() << "no cgroup v2 hierarchy";
  const int fd = open(own.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0) << own;
  EXPECT_EQ(m->host_update(&k3, &fd, 0), -E2BIG);
  EXPECT_EQ(m->host_update(&k0, &fd, kBpfNoExist), -EINVAL);
  ASSERT_EQ(m->host_update(&k0, &fd, 0), 0);
  close(fd);
  EXPECT_EQ(a->thread_under(0), 1);
  uint32_t v = 0;
  EXPECT_EQ(m->host_lookup(&k0, &v, 0), -EOPNOTSUPP);
  // A cgroup below the thread's: the thread is not under it.
  const std::string child = own + (own.back() == '/' ? "" : "/") + "decade-test-" + std::to_string(getpid());
  if (mkdir(child.c_str(), 0755) == 0) {
    EXPECT_EQ(a->set_path(1, child), 0);
    EXPECT_EQ(a->thread_under(1), 0);
    rmdir(child.c_str());
  }
  EXPECT_EQ(a->set_path(2, "/tmp"), -EBADF);
  EXPECT_EQ(m->erase(&k0), 0);
  EXPECT_EQ(a->thread_under(0), -EAGAIN);
  EXPECT_EQ(m->erase(&k2), -ENOENT);
}

uint64_t inode_of(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
}

// bpf_get_current_cgroup_id and bpf_get_current_ancestor_cgroup_id: the
// thread's cgroup v2 directory's inode (the kernel's cgroup id), and its
// ancestors' by level (the root is level 0, id 1).
TEST(CgroupIds, CurrentAndAncestors) {
  const std::string own = own_cgroup_dir();
  if (own.empty()) GTEST_SKIP() << "no cgroup v2 hierarchy";
  const uint64_t id = call(kHelperGetCurrentCgroupId);
  EXPECT_NE(id, 0u);
  EXPECT_EQ(id, inode_of(own));
  std::string path;
  {
    std::ifstream cg("/proc/thread-self/cgroup");
    for (std::string line; std::getline(cg, line);)
      if (line.rfind("0::", 0) == 0) path = line.substr(3);
  }
  int level = 0;
  for (size_t i = 1; i < path.size(); ++i) level += path[i] == '/';
  if (path.size() > 1) ++level;
  EXPECT_EQ(call(kHelperGetCurrentAncestorCgroupId, uint64_t(level)), id);
  EXPECT_EQ(call(kHelperGetCurrentAncestorCgroupId, uint64_t(level + 1)), 0u);
  EXPECT_EQ(call(kHelperGetCurrentAncestorCgroupId, uint64_t(-1)), 0u);
  // A packet a host runs belongs to the running thread: its socket's cgroup is the thread's.
  {
    std::vector<uint8_t> pkt(60, 0);
    pkt[12] = 0x08;
    auto skb = std::move(*SkBuff::create(pkt));
    EXPECT_EQ(call(kHelperSkbCgroupId, skb->ctx_addr()), id);
    EXPECT_EQ(call(kHelperSkbAncestorCgroupId, skb->ctx_addr(), uint64_t(level)), id);
    EXPECT_EQ(call(kHelperSkbAncestorCgroupId, skb->ctx_addr(), uint64_t(level + 1)), 0u);
  }
  // The root cgroup is id 1 (0 when a container's mount hides it).
  const uint64_t root = call(kHelperGetCurrentAncestorCgroupId, 0);
  EXPECT_TRUE(root == 1 || root == 0) << root;
  if (level == 0) {
    EXPECT_EQ(root, id);
  }

  // A process moved into a new child cgroup sees it as its own, one level
  // down, with the thread's former cgroup as its parent.
  const std::string child = own + (own.back() == '/' ? "" : "/") + "decade-ids-" + std::to_string(getpid());
  if (mkdir(child.c_str(), 0755) != 0) GTEST_SKIP() << "cannot create " << child << " (not root?)";
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    uint64_t out[3] = {0, 0, 0};
    std::ofstream procs(child + "/cgroup.procs");
    procs << getpid() << std::flush;
    if (procs.good()) {
      out[0] = 1;
      out[1] = call(kHelperGetCurrentCgroupId);
      out[2] = call(kHelperGetCurrentAncestorCgroupId, uint64_t(level));
    }
    (void)!write(fds[1], out, sizeof out);
    _exit(0);
  }
  close(fds[1]);
  uint64_t got[3] = {0, 0, 0};
  const ssize_t n = read(fds[0], got, sizeof got);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  const uint64_t child_ino = inode_of(child);
  rmdir(child.c_str());
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof got));
  if (!got[0]) GTEST_SKIP() << "cannot move a process into " << child;
  EXPECT_EQ(got[1], child_ino);
  EXPECT_EQ(got[2], id);
}

}  // namespace
}  // namespace decade::test
