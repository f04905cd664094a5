// SPDX-License-Identifier: Apache-2.0
// bpf_perf_event_output and PerfBuffer on every engine: samples reach the
// reader of the running CPU padded as perf pads them, with the packet bytes
// BPF_F_CTXLEN_MASK asks for; a full ring reports lost samples; errors are
// the kernel's (-ENOENT without a reader, -E2BIG past the slots, -EFAULT
// past the packet).
#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <string>
#include <vector>

#include "api_test_util.hpp"

namespace decade {
namespace {

class Perf : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(test::obj("api/progs/perf.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
  }
  int32_t run(uint8_t selector, uint32_t repeat = 1) {
    std::array<uint8_t, 16> packet{};
    packet[0] = selector;
    for (size_t i = 1; i < packet.size(); ++i) packet[i] = static_cast<uint8_t>(0xb0 + i);
    auto r = obj_->program("perf_out")->test_run({.data = packet, .repeat = repeat});
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? static_cast<int32_t>(r->retval) : INT32_MIN;
  }
  std::optional<BpfObject> obj_;
};

TEST_P(Perf, SamplesReachTheRunningCpusReader) {
  EXPECT_EQ(run(0), -ENOENT);  // no reader yet
  std::vector<std::vector<uint8_t>> samples;
  auto pb = PerfBuffer::create(*obj_->map("events"), 1, [&](int, std::span<const uint8_t> d) {
    samples.emplace_back(d.begin(), d.end());
  });
  ASSERT_TRUE(pb) << pb.error().to_string();
  EXPECT_EQ(run(0), 0);
  auto n = pb->poll(1000);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  ASSERT_EQ(samples.size(), 1u);
  // 5 bytes, then the packet's first 4, padded to 12 (size + 4 is a multiple of 8).
  const std::vector<uint8_t> want = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0, 0xb1, 0xb2, 0xb3, 0, 0, 0};
  EXPECT_EQ(samples[0], want);
  EXPECT_EQ(run(1), -E2BIG);
  EXPECT_EQ(run(2), -EFAULT);
}

TEST_P(Perf, AFullRingCountsLostSamples) {
  uint64_t samples = 0, lost = 0;
  auto pb = PerfBuffer::create(
      *obj_->map("events"), 1, [&](int, std::span<const uint8_t>) { ++samples; },
      [&](int, uint64_t count) { lost += count; });
  ASSERT_TRUE(pb);
  run(0, 200);  // a 4096-byte ring holds 170 records of 24 bytes
  auto n = pb->consume();
  ASSERT_TRUE(n);
  EXPECT_EQ(samples, 170u);
  EXPECT_EQ(lost, 30u);
}

TEST_P(Perf, ReaderGoneMeansNoReader) {
  {
    auto pb = PerfBuffer::create(*obj_->map("events"), 1, [](int, std::span<const uint8_t>) {});
    ASSERT_TRUE(pb);
    EXPECT_EQ(run(0), 0);
  }
  EXPECT_EQ(run(0), -ENOENT);
}

INSTANTIATE_TEST_SUITE_P(Api, Perf, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
