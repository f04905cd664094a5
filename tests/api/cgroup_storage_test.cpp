// SPDX-License-Identifier: Apache-2.0
// Cgroup storage through the API, on every engine: a test run without a
// cgroup gets fresh zeroed storage shared by its repeats (the kernel's
// BPF_PROG_TEST_RUN); a test run for a cgroup uses and keeps the map's
// value for it, which the host reads and writes by (cgroup id, attach type).
#include <linux/bpf.h>

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <numeric>
#include <vector>

#include "api_test_util.hpp"

namespace decade {
namespace {

class CgroupStorage : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = test::open_loaded("api/progs/cgroup_storage.bpf.o", GetParam(), false);
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
  }
  // cb[i] of the context after the run.
  static uint32_t cb(const TestRunResult& r, int i) {
    uint32_t v = 0;
    std::memcpy(&v, r.ctx_out.data() + offsetof(__sk_buff, cb) + 4 * i, 4);
    return v;
  }
  TestRunResult run(const char* prog, uint32_t repeat, std::optional<CgroupAttachment> at = std::nullopt) {
    TestRunOptions o;
    o.data = packet_;
    o.ctx = ctx_;
    o.repeat = repeat;
    o.cgroup_storage = at;
    auto r = obj_->program(prog)->test_run(o);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : TestRunResult{};
  }
  static std::array<uint8_t, 16> key(uint64_t cgroup, uint32_t type) {
    std::array<uint8_t, 16> k{};
    std::memcpy(k.data(), &cgroup, 8);
    std::memcpy(k.data() + 8, &type, 4);
    return k;
  }

  std::optional<BpfObject> obj_;
  std::array<uint8_t, 64> packet_{};
  std::vector<uint8_t> ctx_ = std::vector<uint8_t>(sizeof(__sk_buff));
};

TEST_P(CgroupStorage, TestRunGetsFreshStorageSharedByItsRepeats) {
  const TestRunResult once = run("count", 1);
  EXPECT_EQ(cb(once, 0), 1u);
  const uint32_t len = cb(once, 1);
  EXPECT_GT(len, 0u);
  const TestRunResult three = run("count", 3);
  EXPECT_EQ(cb(three, 0), 3u);  // one storage for the call's repeats
  EXPECT_EQ(cb(three, 1), 3 * len);
  EXPECT_EQ(cb(run("count", 1), 0), 1u);  // and a fresh one for the next call
  // The map holds only what attached runs made: nothing here.
  std::array<uint8_t, 16> next{};
  auto more = obj_->map("counts")->next_key({}, next);
  ASSERT_TRUE(more) << more.error().to_string();
  EXPECT_FALSE(*more);
}

TEST_P(CgroupStorage, AttachedRunsKeepTheirValueInTheMap) {
  const CgroupAttachment ingress{.cgroup_id = 1234, .attach_type = BPF_CGROUP_INET_INGRESS};
  EXPECT_EQ(cb(run("count", 2, ingress), 0), 2u);
  EXPECT_EQ(cb(run("count", 1, ingress), 0), 3u);
  auto m = obj_->map("counts");
  ASSERT_TRUE(m);
  std::array<uint64_t, 2> v{};
  const auto k = key(1234, BPF_CGROUP_INET_INGRESS);
  auto bytes = std::as_writable_bytes(std::span(v));
  ASSERT_TRUE(m->lookup(k, {reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()}));
  EXPECT_EQ(v[0], 3u);
  // The host's update is what the next run finds.
  v = {100, 0};
  const auto in = std::as_bytes(std::span(v));
  ASSERT_TRUE(m->update(k, {reinterpret_cast<const uint8_t*>(in.data()), in.size()}, UpdateFlag::Exist));
  EXPECT_EQ(cb(run("count", 1, ingress), 0), 101u);
  // Another attach type of the same cgroup has its own value (16-byte keys).
  EXPECT_EQ(cb(run("count", 1, CgroupAttachment{.cgroup_id = 1234, .attach_type = BPF_CGROUP_INET_EGRESS}), 0), 1u);
  std::array<uint8_t, 16> cur{}, next{};
  int keys = 0;
  for (auto more = m->next_key({}, next); more && *more; more = m->next_key(cur, next)) {
    cur = next;
    ++keys;
  }
  EXPECT_EQ(keys, 2);
  // Values come only from runs; they go with their cgroup, not by delete.
  EXPECT_FALSE(m->update(key(99, 0), {reinterpret_cast<const uint8_t*>(in.data()), in.size()}));
  EXPECT_FALSE(m->update(k, {reinterpret_cast<const uint8_t*>(in.data()), in.size()}, UpdateFlag::NoExist));
  EXPECT_FALSE(m->erase(k));
}

TEST_P(CgroupStorage, PerCpuStorageIsTheRunsSlot) {
  EXPECT_EQ(cb(run("count_percpu", 3), 0), 3u);  // one CPU slot for the whole call
  EXPECT_EQ(cb(run("count_percpu", 1), 0), 1u);
  const CgroupAttachment at{.cgroup_id = 7, .attach_type = BPF_CGROUP_INET_EGRESS};
  EXPECT_EQ(cb(run("count_percpu", 2, at), 0), 2u);
  auto m = obj_->map("percpu_counts");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->host_value_size() % 8, 0u);
  std::vector<uint64_t> all(m->host_value_size() / 8);
  const uint64_t id = 7;  // 8-byte keys: the cgroup alone
  const auto k = std::as_bytes(std::span(&id, 1));
  const std::span<const uint8_t> key_bytes(reinterpret_cast<const uint8_t*>(k.data()), 8);
  ASSERT_TRUE(m->lookup(key_bytes, {reinterpret_cast<uint8_t*>(all.data()), all.size() * 8}));
  EXPECT_EQ(std::accumulate(all.begin(), all.end(), uint64_t{0}), 2u);
  std::fill(all.begin(), all.end(), 40);
  ASSERT_TRUE(m->update(key_bytes, {reinterpret_cast<const uint8_t*>(all.data()), all.size() * 8}));
  EXPECT_EQ(cb(run("count_percpu", 1, at), 0), 41u);
}

INSTANTIATE_TEST_SUITE_P(Api, CgroupStorage, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
