// SPDX-License-Identifier: Apache-2.0
// bpf_redirect and bpf_redirect_map on every engine: the test run reports
// where the packet went (TestRunResult::redirect) with the kernel's return
// values (XDP_REDIRECT, the fallback action of a missing key, XDP_ABORTED
// and TC_ACT_SHOT for bad flags), and the verifier keeps redirect maps to
// the helpers and program types the kernel allows.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "api_test_util.hpp"

namespace decade {
namespace {

constexpr uint64_t kXdpAborted = 0, kXdpDrop = 1, kXdpPass = 2, kXdpRedirect = 4, kTcActShot = 2, kTcActRedirect = 7;

struct DevmapVal {
  uint32_t ifindex;
  int32_t prog_fd;
};

class Redirects : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(test::obj("api/progs/redirect.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
    // Host-side targets: devmap slots 1 and 2, hash key 9, CPU 1, the socket of queue 0.
    ASSERT_TRUE(map("tx_ports").update(uint32_t{1}, DevmapVal{3, 0}));
    ASSERT_TRUE(map("tx_ports").update(uint32_t{2}, DevmapVal{1, 0}));  // the ingress interface
    ASSERT_TRUE(map("tx_hash").update(uint32_t{9}, uint32_t{12}));
    ASSERT_TRUE(map("cpus").update(uint32_t{1}, DevmapVal{192, 0}));
    ASSERT_TRUE(map("xsks").update(uint32_t{0}, uint32_t{77}));
  }
  BpfMap map(const char* name) { return *obj_->map(name); }
  TestRunResult run(const char* prog, uint8_t key = 0, uint8_t fallback = 0) {
    std::array<uint8_t, 64> packet{};
    packet[0] = key;
    packet[1] = fallback;
    auto p = obj_->program(prog);
    EXPECT_TRUE(p) << prog;
    if (!p) return {};
    auto r = p->test_run({.data = packet});
    EXPECT_TRUE(r) << prog << ": " << r.error().to_string();
    return r ? *r : TestRunResult{};
  }
  std::optional<BpfObject> obj_;
};

TEST_P(Redirects, IfindexIsReportedOnlyWhenTheProgramReturnsRedirect) {
  TestRunResult r = run("to_ifindex");
  EXPECT_EQ(r.retval, kXdpRedirect);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->kind, Redirect::Kind::Ifindex);
  EXPECT_EQ(r.redirect->targets, std::vector<uint32_t>{7});
  EXPECT_TRUE(r.redirect->map.empty());

  r = run("bad_flags");  // bpf_xdp_redirect takes no flags
  EXPECT_EQ(r.retval, kXdpAborted);
  EXPECT_FALSE(r.redirect);
  r = run("redirect_then_pass");
  EXPECT_EQ(r.retval, kXdpPass);
  EXPECT_FALSE(r.redirect);
}

TEST_P(Redirects, DevmapEntryOrTheFallbackAction) {
  TestRunResult r = run("to_devmap", 1);
  EXPECT_EQ(r.retval, kXdpRedirect);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->kind, Redirect::Kind::Ifindex);
  EXPECT_EQ(r.redirect->targets, std::vector<uint32_t>{3});
  EXPECT_EQ(r.redirect->map, "tx_ports");
  EXPECT_EQ(r.redirect->key, 1u);
  // An empty slot: the low bits of flags are the action returned.
  for (uint64_t fallback : {kXdpAborted, kXdpDrop, kXdpPass, uint64_t{3}}) {
    r = run("to_devmap", 5, static_cast<uint8_t>(fallback));
    EXPECT_EQ(r.retval, fallback);
    EXPECT_FALSE(r.redirect);
  }
  r = run("to_devmap_hash", 9);
  EXPECT_EQ(r.retval, kXdpRedirect);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->targets, std::vector<uint32_t>{12});
  EXPECT_EQ(run("to_devmap_hash", 8, 1).retval, kXdpDrop);
  EXPECT_EQ(run("devmap_ifindex").retval, 3u);
}

TEST_P(Redirects, BroadcastSkipsTheIngressInterface) {
  TestRunResult r = run("broadcast");  // the test run's ingress ifindex is 1
  EXPECT_EQ(r.retval, kXdpRedirect);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->targets, std::vector<uint32_t>{3});
  EXPECT_EQ(r.redirect->flags, (1u << 3) | (1u << 4));
}

TEST_P(Redirects, CpumapAndXskmap) {
  TestRunResult r = run("to_cpu", 1);
  EXPECT_EQ(r.retval, kXdpRedirect);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->kind, Redirect::Kind::Cpu);
  EXPECT_EQ(r.redirect->targets, std::vector<uint32_t>{1});
  EXPECT_EQ(r.redirect->value, 192u);  // the entry's queue size
  EXPECT_EQ(run("to_cpu", 0, 2).retval, kXdpPass);

  r = run("to_xsk");  // rx_queue_index 0 has socket 77
  EXPECT_EQ(r.retval, kXdpRedirect);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->kind, Redirect::Kind::Xsk);
  EXPECT_EQ(r.redirect->targets, std::vector<uint32_t>{0});
  EXPECT_EQ(r.redirect->value, 77u);
  const uint32_t queue = 0;
  ASSERT_TRUE(map("xsks").erase(test::as_bytes(queue)));
  r = run("to_xsk");
  EXPECT_EQ(r.retval, kXdpPass);
  EXPECT_FALSE(r.redirect);
}

TEST_P(Redirects, TcRedirectTakesOnlyIngress) {
  TestRunResult r = run("tc_redirect");
  EXPECT_EQ(r.retval, kTcActRedirect);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->targets, std::vector<uint32_t>{5});
  EXPECT_EQ(r.redirect->flags, 1u);
  r = run("tc_bad_flags");
  EXPECT_EQ(r.retval, kTcActShot);
  EXPECT_FALSE(r.redirect);
}

// Instruction indexes are those of the call or store the verifier refuses.
const test::Escape kRefused[] = {
    {"api/progs/reject_devmap_write.bpf.o", ErrorCode::VerifierReadOnly, 9},
    {"api/progs/reject_cpumap_lookup.bpf.o", ErrorCode::VerifierBadMap, 6},
    {"api/progs/reject_redirect_array.bpf.o", ErrorCode::VerifierBadMap, 4},
    {"api/progs/reject_redirect_socket.bpf.o", ErrorCode::VerifierUnknownFunc, 2},
};

TEST_P(Redirects, VerifierKeepsRedirectMapsToTheirHelpers) { test::expect_refused(kRefused, GetParam()); }

INSTANTIATE_TEST_SUITE_P(Api, Redirects, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
