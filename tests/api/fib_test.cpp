// SPDX-License-Identifier: Apache-2.0
// bpf_fib_lookup answered from the host's FibTable, from xdp and tc, on every
// engine: the kernel's return codes (BPF_FIB_LKUP_RET_*, -ENODEV, -EINVAL,
// -EAFNOSUPPORT) and outputs (ifindex, gateway into the destination, MACs,
// mtu_result, rt_metric, source address) for IPv4 and IPv6; the text format
// of `decade run --fib`; the verifier forgetting what params held.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <string>

#include "api_test_util.hpp"

namespace decade {
namespace {

// uapi struct bpf_fib_lookup.
struct FibParams {
  uint8_t family, l4_protocol;
  uint16_t sport, dport, tot_len;
  uint32_t ifindex, metric;
  uint8_t src[16], dst[16];
  uint32_t vlan_or_tbid;
  uint8_t smac[6], dmac[6];
};
static_assert(sizeof(FibParams) == 64);

constexpr uint32_t kDirect = 1, kOutput = 2, kSkipNeigh = 4, kTbid = 8, kSrc = 16;
enum : int32_t { kOk, kBlackhole, kUnreachable, kProhibit, kNotFwded, kFwdDisabled, kLwt, kNoNeigh, kFragNeeded };

constexpr const char* kTable = R"(# interfaces, routes and neighbours of the test network
dev 1 mac 02:00:00:00:00:01
dev 2 mac 02:00:00:00:00:02 mtu 1500 addr 10.0.0.1 addr6 fd00::1
dev 3 mac 02:00:00:00:00:03 noforward
route 10.1.0.0/16 via 10.0.0.254 dev 2 metric 10
route 10.1.2.0/24 dev 2 metric 5 mtu 1400
route 10.1.2.0/24 dev 2 metric 7
route 10.9.0.0/16 blackhole
route 10.8.0.0/16 unreachable
route 10.7.0.0/16 prohibit
route 10.6.0.0/16 local
route 192.168.0.0/16 dev 2 table 100
route fd00:1::/64 via fd00::fe dev 2 metric 3
neigh 10.0.0.254 dev 2 lladdr 02:00:00:00:00:fe
neigh fd00::fe dev 2 lladdr 02:00:00:00:00:ef
)";

struct Case {
  const char* name;
  const char* dst;
  uint32_t ifindex;
  uint32_t flags;
  int32_t rc;
  uint32_t out_ifindex = 0;  // checked when non-zero
  const char* out_dst = nullptr;
  uint16_t tot_len = 0;
  uint16_t mtu_result = 0;   // checked when non-zero
  uint32_t tbid = 0;
  uint8_t dmac_last = 0;     // checked when non-zero (smac is then dev 2's)
};

const Case kXdpCases[] = {
    {"gateway", "10.1.5.5", 1, 0, kOk, 2, "10.0.0.254", 0, 1500, 0, 0xfe},
    {"direct_no_neighbour", "10.1.2.3", 1, 0, kNoNeigh, 2, "10.1.2.3"},
    {"skip_neigh_lowest_metric", "10.1.2.3", 1, kSkipNeigh, kOk, 2, "10.1.2.3", 0, 1400},
    {"frag_needed", "10.1.2.3", 1, kSkipNeigh, kFragNeeded, 1, nullptr, 1401, 1400},
    {"blackhole", "10.9.1.1", 1, 0, kBlackhole},
    {"unreachable", "10.8.1.1", 1, 0, kUnreachable},
    {"prohibit", "10.7.1.1", 1, 0, kProhibit},
    {"local", "10.6.1.1", 1, 0, kNotFwded},
    {"no_route", "172.16.0.1", 1, 0, kNotFwded},
    {"forwarding_off", "10.1.5.5", 3, 0, kFwdDisabled},
    {"no_device", "10.1.5.5", 9, 0, -ENODEV},
    {"bad_flags", "10.1.5.5", 1, 64, -EINVAL},
    {"table_needs_direct", "192.168.1.1", 1, kSkipNeigh, kNotFwded},
    {"table_by_id", "192.168.1.1", 1, kDirect | kTbid | kSkipNeigh, kOk, 2, "192.168.1.1", 0, 0, 100},
    {"output_other_interface", "10.1.5.5", 1, kOutput, kNotFwded},
    {"output_interface", "10.1.5.5", 2, kOutput, kOk, 2, "10.0.0.254"},
    {"ipv6_gateway", "fd00:1::5", 1, 0, kOk, 2, "fd00::fe", 0, 1500, 0, 0xef},
    {"ipv6_link_local", "fe80::1", 1, 0, kNotFwded},
    {"ipv6_no_route", "fd00:2::1", 1, 0, kNotFwded},
};

std::array<uint8_t, 72> packet(const Case& c) {
  FibParams p{};
  IpAddr dst = *IpAddr::parse(c.dst);
  p.family = dst.family == 4 ? AF_INET : AF_INET6;
  std::memcpy(p.dst, dst.bytes.data(), 16);
  p.ifindex = c.ifindex;
  p.tot_len = c.tot_len;
  p.vlan_or_tbid = c.tbid;
  std::array<uint8_t, 72> pkt{};
  std::memcpy(pkt.data(), &p, sizeof p);
  std::memcpy(pkt.data() + 64, &c.flags, 4);
  return pkt;
}

class Fib : public ::testing::TestWithParam<std::string> {
 protected:
  void load(bool with_table) {
    auto o = BpfObject::open(test::obj("api/progs/fib.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    FibTable fib;
    ASSERT_TRUE(fib.parse(kTable));
    if (with_table) {
      ASSERT_TRUE(obj_->set_fib(fib));
    }
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
  }
  // Runs `prog` on the case's packet; returns the params after and the code.
  std::pair<FibParams, int32_t> run(const char* prog, const Case& c) {
    auto pkt = packet(c);
    auto r = obj_->program(prog)->test_run({.data = pkt});
    EXPECT_TRUE(r) << c.name << ": " << r.error().to_string();
    FibParams p{};
    int32_t rc = INT32_MIN;
    if (r && r->data_out.size() == pkt.size()) {
      std::memcpy(&p, r->data_out.data(), sizeof p);
      std::memcpy(&rc, r->data_out.data() + 68, 4);
    }
    return {p, rc};
  }
  std::optional<BpfObject> obj_;
};

TEST_P(Fib, XdpLookupsFollowTheKernel) {
  load(true);
  for (const Case& c : kXdpCases) {
    auto [p, rc] = run("fib_xdp", c);
    EXPECT_EQ(rc, c.rc) << c.name;
    if (c.out_ifindex) {
      EXPECT_EQ(p.ifindex, c.out_ifindex) << c.name;
    }
    if (c.out_dst) {
      IpAddr want = *IpAddr::parse(c.out_dst);
      EXPECT_EQ(std::memcmp(p.dst, want.bytes.data(), want.family == 4 ? 4 : 16), 0) << c.name;
    }
    if (c.mtu_result) {
      EXPECT_EQ(p.tot_len, c.mtu_result) << c.name;
    }
    if (c.tbid) {
      EXPECT_EQ(p.vlan_or_tbid, 0u) << c.name;  // zeroed for the VLAN output
    }
    if (c.dmac_last) {
      EXPECT_EQ(p.dmac[5], c.dmac_last) << c.name;
      EXPECT_EQ(p.smac[5], 2) << c.name;
    }
  }
}

TEST_P(Fib, MetricAndSourceAddress) {
  load(true);
  auto [p, rc] = run("fib_xdp", {"src", "10.1.5.5", 1, kSrc | kSkipNeigh, kOk});
  EXPECT_EQ(rc, kOk);
  EXPECT_EQ(p.metric, 10u);
  EXPECT_EQ(std::memcmp(p.src, IpAddr::parse("10.0.0.1")->bytes.data(), 4), 0);
  auto [p6, rc6] = run("fib_xdp", {"src6", "fd00:1::5", 1, kSrc | kSkipNeigh, kOk});
  EXPECT_EQ(rc6, kOk);
  EXPECT_EQ(p6.metric, 3u);
  EXPECT_EQ(std::memcmp(p6.src, IpAddr::parse("fd00::1")->bytes.data(), 16), 0);
}

// tc checks the MTU only when tot_len is set; otherwise mtu_result is the
// output interface's MTU and the packet must fit it.
TEST_P(Fib, TcReportsTheInterfaceMtu) {
  load(true);
  auto [p, rc] = run("fib_tc", {"tc", "10.1.2.3", 1, kSkipNeigh, kOk});
  EXPECT_EQ(rc, kOk);
  EXPECT_EQ(p.tot_len, 1500);
  auto [q, rc2] = run("fib_tc", {"tc_tot_len", "10.1.2.3", 1, kSkipNeigh, kFragNeeded, 0, nullptr, 1401});
  EXPECT_EQ(rc2, kFragNeeded);
  EXPECT_EQ(q.tot_len, 1400);
}

TEST_P(Fib, WithoutATableEveryDeviceIsMissing) {
  load(false);
  EXPECT_EQ(run("fib_xdp", kXdpCases[0]).second, -ENODEV);
}

// A table the host changes after load is what the next lookup sees.
TEST_P(Fib, HostChangesAreSeen) {
  auto o = BpfObject::open(test::obj("api/progs/fib.bpf.o"));
  ASSERT_TRUE(o);
  obj_.emplace(std::move(*o));
  FibTable fib;
  ASSERT_TRUE(obj_->set_fib(fib));
  ASSERT_TRUE(obj_->load({.engine = GetParam()}));
  EXPECT_EQ(run("fib_xdp", kXdpCases[0]).second, -ENODEV);
  ASSERT_TRUE(fib.parse(kTable));
  EXPECT_EQ(run("fib_xdp", kXdpCases[0]).second, kOk);
}

TEST_P(Fib, VerifierForgetsParamsAcrossTheCall) {
  const test::Escape refused[] = {{"api/progs/reject_fib_stale.bpf.o", ErrorCode::VerifierOutOfBounds, 22}};
  test::expect_refused(refused, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Api, Fib, ::testing::ValuesIn(engines()));

TEST(FibTable, ParseErrorsNameTheLine) {
  for (const char* text : {"dev 0 mac 02:00:00:00:00:01", "route 10.0.0.0/8 dev 4", "route 10.0.0.0/33 blackhole",
                           "neigh 10.0.0.1 dev 2", "dev 2 mac 02:00:00:00:00", "bogus 1", "route 10.0.0.0/8 via fd00::1"}) {
    FibTable t;
    auto s = t.parse(text);
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().code, ErrorCode::FibBadEntry) << text;
  }
}

}  // namespace
}  // namespace decade
