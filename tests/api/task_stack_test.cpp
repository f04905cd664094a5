// SPDX-License-Identifier: Apache-2.0
// Stack trace maps, cgroup arrays, the calling task and bpf_redirect_neigh
// on every engine (tests/api/progs/task_stack.bpf.c). Return values are the
// kernel's where it runs the same program (Linux 6.18's BPF_PROG_TEST_RUN
// gives the tc programs 7, 2 and, for an empty cgroup slot, -EAGAIN);
// stacks are user stacks walked through frame pointers from the run's
// pt_regs, over frames the test builds in host memory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "api_test_util.hpp"

namespace decade {
namespace {

constexpr uint64_t kTcActShot = 2, kTcActRedirect = 7;
constexpr uint64_t kRedirectNeigh = 1u << 1, kRedirectNexthop = 1u << 2;
constexpr size_t kPtRegsIp = 16, kPtRegsBp = 4, kPtRegsSp = 19;  // u64 indices in struct pt_regs

// Two frames of a frame-pointer chain: {saved rbp, return address} each,
// the outer one ending the chain.
alignas(16) uint64_t g_frames[4];

class TaskStack : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(test::obj("api/progs/task_stack.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    ASSERT_TRUE(obj_->grant(Grant::ReadHostMemory));
    ASSERT_TRUE(obj_->add_readable_range(g_frames, sizeof g_frames));
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
  }
  TestRunResult run(const char* prog, std::span<const uint8_t> ctx = {}, std::span<const uint8_t> data = {}) {
    auto p = obj_->program(prog);
    EXPECT_TRUE(p) << prog;
    if (!p) return {};
    auto r = p->test_run({.data = data, .ctx = ctx});
    EXPECT_TRUE(r) << prog << ": " << r.error().to_string();
    return r ? *r : TestRunResult{};
  }
  std::array<int64_t, 4> out() {
    std::array<int64_t, 4> v{};
    auto bss = obj_->global_view(".bss");
    EXPECT_TRUE(bss);
    if (bss) std::memcpy(v.data(), bss->data(), sizeof v);
    return v;
  }
  std::array<uint64_t, 4> stack(int64_t id) {
    auto v = obj_->map("stacks")->lookup<uint32_t, std::array<uint64_t, 4>>(static_cast<uint32_t>(id));
    EXPECT_TRUE(v) << v.error().to_string();
    return v ? *v : std::array<uint64_t, 4>{};
  }
  std::optional<BpfObject> obj_;
};

TEST_P(TaskStack, StackIdsNameTheWalkedUserStack) {
  g_frames[0] = reinterpret_cast<uint64_t>(&g_frames[2]);
  g_frames[1] = 0xaaaa;
  g_frames[2] = 0;
  g_frames[3] = 0xbbbb;
  std::array<uint64_t, 21> regs{};
  regs[kPtRegsIp] = 0x1111;
  regs[kPtRegsBp] = reinterpret_cast<uint64_t>(&g_frames[0]);
  regs[kPtRegsSp] = reinterpret_cast<uint64_t>(&g_frames[0]);
  run("stack_ids", test::as_bytes(regs));
  const auto o = out();
  ASSERT_GE(o[0], 0);
  EXPECT_EQ(o[1], o[0]);
  EXPECT_EQ(stack(o[0]), (std::array<uint64_t, 4>{0x1111, 0xaaaa, 0xbbbb, 0}));
  if (o[2] >= 0) {
    EXPECT_NE(o[2], o[0]);
    EXPECT_EQ(stack(o[2]), (std::array<uint64_t, 4>{0xaaaa, 0xbbbb, 0, 0}));
  } else {
    EXPECT_EQ(o[2], -EEXIST);  // its bucket is the first stack's
  }
  EXPECT_EQ(o[3], -EFAULT);
  EXPECT_EQ(static_cast<int64_t>(run("stack_bad_flags", test::as_bytes(regs)).retval), -EINVAL);
}

// The calling thread's cgroup v2 directory, or "" without one.
std::string own_cgroup_dir() {
  std::string mount;
  std::ifstream mi("/proc/self/mountinfo");
  for (std::string line; std::getline(mi, line) && mount.empty();) {
    if (line.find(" - cgroup2 ") == std::string::npos) continue;
    size_t p = 0;
    for (int i = 0; i < 4; ++i) p = line.find(' ', p) + 1;
    mount = line.substr(p, line.find(' ', p) - p);
  }
  std::ifstream cg("/proc/thread-self/cgroup");
  for (std::string line; std::getline(cg, line);)
    if (!mount.empty() && line.rfind("0::", 0) == 0) return mount + line.substr(3);
  return {};
}

TEST_P(TaskStack, CurrentTaskIsOpaqueAndCgroupsAreTheThreads) {
  std::array<uint64_t, 21> regs{};
  std::array<uint8_t, 64> packet{};
  EXPECT_EQ(static_cast<int32_t>(run("skb_cgroup", {}, packet).retval), -EAGAIN);  // an empty slot
  EXPECT_EQ(static_cast<int64_t>(run("task_past_end", test::as_bytes(regs)).retval), -E2BIG);
  const std::string own = own_cgroup_dir();
  if (own.empty()) GTEST_SKIP() << "no cgroup v2 hierarchy";
  const int fd = open(own.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0) << own;
  ASSERT_TRUE(obj_->map("cgroups")->update(uint32_t{0}, int32_t{fd}));
  close(fd);
  run("task", test::as_bytes(regs));
  const auto o = out();
  EXPECT_EQ(o[0], 1);        // a task value, not NULL
  EXPECT_EQ(o[1], -EFAULT);  // that no read goes through
  EXPECT_EQ(o[2], 1);        // the thread is in its own cgroup
  EXPECT_EQ(o[3], -EAGAIN);  // slot 1 is empty
  EXPECT_EQ(run("skb_cgroup", {}, packet).retval, 1u);
}

TEST_P(TaskStack, RedirectNeighIsReportedAsARedirect) {
  std::array<uint8_t, 64> packet{};
  TestRunResult r = run("neigh_nexthop", {}, packet);
  EXPECT_EQ(r.retval, kTcActRedirect);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->kind, Redirect::Kind::Ifindex);
  EXPECT_EQ(r.redirect->targets, std::vector<uint32_t>{5});
  EXPECT_EQ(r.redirect->flags, kRedirectNeigh | kRedirectNexthop);
  r = run("neigh_plain", {}, packet);
  EXPECT_EQ(r.retval, kTcActRedirect);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->targets, std::vector<uint32_t>{6});
  EXPECT_EQ(r.redirect->flags, kRedirectNeigh);
  r = run("neigh_bad_flags", {}, packet);
  EXPECT_EQ(r.retval, kTcActShot);
  EXPECT_FALSE(r.redirect);
}

INSTANTIATE_TEST_SUITE_P(Engines, TaskStack, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
