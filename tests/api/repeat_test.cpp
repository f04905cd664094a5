// SPDX-License-Identifier: Apache-2.0
// Repeated test runs (TestRunOptions::repeat, one engine entry for all the
// runs, as the kernel's test run): the result and every side effect are
// those of as many single test runs (maps, per-CPU values, each run's own
// tail-call count, the redirect of the last run), and a cancel token or a
// deadline still stops them. Every engine.
#include <gtest/gtest.h>

#include <chrono>
#include <numeric>
#include <thread>

#include "api_test_util.hpp"

namespace decade {
namespace {

constexpr uint64_t kXdpPass = 2, kXdpRedirect = 4;

class Repeat : public ::testing::TestWithParam<std::string> {
 protected:
  static BpfObject loaded() {
    auto o = test::open_loaded("api/progs/repeat.bpf.o", GetParam(), false);
    EXPECT_TRUE(o) << o.error().to_string();
    return std::move(*o);
  }
  static uint64_t count(const BpfObject& o, uint32_t k) { return o.map("counts")->lookup<uint32_t, uint64_t>(k).value_or(0); }
  static uint64_t percpu_sum(const BpfObject& o) {
    auto m = o.map("percpu_runs");
    std::vector<uint64_t> v(m->host_value_size() / 8);
    const uint32_t zero = 0;
    EXPECT_TRUE(m->lookup(test::as_bytes(zero), {reinterpret_cast<uint8_t*>(v.data()), v.size() * 8}));
    return std::accumulate(v.begin(), v.end(), uint64_t{0});
  }
};

TEST_P(Repeat, RunsAsManySingleRunsWould) {
  const std::vector<uint8_t> pkt(64, 0);
  for (const uint32_t n : {1u, 6u, 7u}) {
    BpfObject single = loaded(), repeated = loaded();
    TestRunResult last;
    for (uint32_t i = 0; i < n; ++i) {
      auto r = single.program("repeat_main")->test_run({.data = pkt});
      ASSERT_TRUE(r) << r.error().to_string();
      last = *r;
    }
    auto r = repeated.program("repeat_main")->test_run({.data = pkt, .repeat = n});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->retval, last.retval) << n;
    EXPECT_EQ(r->retval, n % 2 ? kXdpRedirect : kXdpPass) << n;
    ASSERT_EQ(r->redirect.has_value(), last.redirect.has_value()) << n;
    if (r->redirect) {
      EXPECT_EQ(r->redirect->targets, last.redirect->targets);
    }
    EXPECT_EQ(r->data_out, last.data_out);
    EXPECT_EQ(count(repeated, 0), n);
    EXPECT_EQ(count(repeated, 1), 33u * n) << "each run makes its own 33 tail calls";
    EXPECT_EQ(count(single, 1), count(repeated, 1));
    EXPECT_EQ(percpu_sum(repeated), n);
  }
}

TEST_P(Repeat, ACancelOrADeadlineStopsTheRuns) {
  BpfObject o = loaded();
  const std::vector<uint8_t> pkt(64, 0);
  CancelToken token;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    token.cancel();
  });
  auto r = o.program("repeat_main")->test_run({.data = pkt, .repeat = 4'000'000'000u, .cancel = &token});
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ExecCancelled) << r.error().to_string();
  auto t = o.program("repeat_main")->test_run({.data = pkt, .repeat = 4'000'000'000u, .timeout_ns = 20'000'000});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::ExecTimeout) << t.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(Api, Repeat, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
