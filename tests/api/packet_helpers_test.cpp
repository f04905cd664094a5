// SPDX-License-Identifier: Apache-2.0
// The checksum, resizing, VLAN, tunnel, hash, ECN and XDP byte helpers
// (tests/api/progs/packet_helpers.bpf.c) on every engine, table-driven:
// each case is a program, the arguments it reads from the packet and the
// kernel's return value. Where bpf() is allowed, every case also runs in
// the kernel's BPF_PROG_TEST_RUN (bpftool prog run) on the same packet,
// and the return value and output bytes must be the kernel's; the test
// skips that part when bpftool or bpf() is unavailable.
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "api_test_util.hpp"
#include "kernel_pins.hpp"

namespace decade {
namespace {

constexpr uint32_t kEthIp = 0x0800, kEthIpv6 = 0x86dd;
constexpr uint64_t kParamOff = 64, kPacketLen = 96;
constexpr int64_t kENOTSUPP = -524;

uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// Ethernet + IPv4 + TCP (or Ethernet + IPv6) and counting bytes, 96 in
// all, with the four parameters at kParamOff (little-endian words).
std::vector<uint8_t> packet(std::array<uint32_t, 4> p, uint32_t proto = kEthIp, uint8_t tos = 0) {
  std::vector<uint8_t> b(kPacketLen);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i);
  const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, uint8_t(proto >> 8), uint8_t(proto)};
  std::memcpy(b.data(), eth, 14);
  if (proto == kEthIpv6) {
    const uint8_t ip6[8] = {uint8_t(0x60 | tos >> 4), uint8_t(tos << 4), 0, 0, 0, 42, 6, 64};
    std::memcpy(b.data() + 14, ip6, 8);
    for (uint8_t i = 0; i < 32; ++i) b[22 + i] = static_cast<uint8_t>(i + 1);
  } else {
    const uint8_t ip[20] = {0x45, tos, 0, 82, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    std::memcpy(b.data() + 14, ip, 20);
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += uint32_t{ip[i]} << 8 | ip[i + 1];
    const uint16_t c = static_cast<uint16_t>(~fold(s));
    b[24] = static_cast<uint8_t>(c >> 8);
    b[25] = static_cast<uint8_t>(c);
    const uint8_t tcp[20] = {0x03, 0xe8, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 2, 0x03, 0xe8, 0x12, 0x34, 0, 0};
    std::memcpy(b.data() + 34, tcp, 20);
  }
  std::memcpy(b.data() + kParamOff, p.data(), 16);
  return b;
}

struct Case {
  const char* name;
  const char* prog;
  std::array<uint32_t, 4> params;
  int64_t retval;             // the kernel's
  int64_t len = kPacketLen;   // the packet's length after the run
  uint32_t proto = kEthIp;
  uint8_t tos = 0;
  bool kernel = true;         // false: Decade's fixed frame differs from the kernel's reallocation
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

constexpr uint32_t kMac = 1, kNet = 0, kEncapIpv4 = 1u << 1, kEncapGre = 1u << 3, kEncapUdp = 1u << 4;
constexpr uint32_t kHtons8021AD = 0xa888, kHtonsIpv6 = 0xdd86, kHtonsIp = 0x0008;
constexpr uint32_t kPseudo = 1u << 4, kMangled0 = 1u << 5, kEnforce = 1u << 6, kIpv6Flag = 1u << 7;
constexpr uint32_t kIpCsum = 24, kTcpCsum = 50, kNewAddr = 0x0900000a;  // 10.0.0.9

const Case kCases[] = {
    {"room_mac_grow", "tc_adjust_room", {8, kMac, 0, 0}, 0, 104},
    {"room_net_grow", "tc_adjust_room", {8, kNet, 0, 0}, 0, 104},
    {"room_net_shrink", "tc_adjust_room", {uint32_t(-8), kNet, 0, 0}, 0, 88},
    {"room_mac_shrink_ipv6", "tc_adjust_room", {uint32_t(-8), kMac, 0, 0}, 0, 88, kEthIpv6},
    {"room_encap_ipip", "tc_adjust_room", {20, kMac, kEncapIpv4, 0}, 0, 116},
    {"room_encap_gre_and_udp", "tc_adjust_room", {20, kMac, kEncapIpv4 | kEncapGre | kEncapUdp, 0}, -EINVAL},
    {"room_shrink_with_encap_flag", "tc_adjust_room", {uint32_t(-8), kMac, kEncapIpv4, 0}, -EINVAL},
    {"room_bad_mode", "tc_adjust_room", {8, 5, 0, 0}, kENOTSUPP},
    {"room_too_far", "tc_adjust_room", {0x1000, kMac, 0, 0}, -EFAULT},
    {"room_shrink_past_ip", "tc_adjust_room", {uint32_t(-70), kMac, 0, 0}, kENOTSUPP},
    {"room_unknown_flag", "tc_adjust_room", {8, kMac, 1u << 12, 0}, -EINVAL},
    {"room_beyond_headroom", "tc_adjust_room", {0xfff, kMac, 0, 0}, -ENOMEM, kPacketLen, kEthIp, 0, false},
    {"tail_grow", "tc_change_tail", {200, 0, 0, 0}, 0, 200},
    {"tail_trim", "tc_change_tail", {80, 0, 0, 0}, 0, 80},
    {"tail_below_network_header", "tc_change_tail", {10, 0, 0, 0}, -EINVAL},
    {"tail_flags", "tc_change_tail", {100, 1, 0, 0}, -EINVAL},
    {"tail_beyond_tailroom", "tc_change_tail", {4000, 0, 0, 0}, -ENOMEM, kPacketLen, kEthIp, 0, false},
    {"head_grow", "tc_change_head", {14, 0, 0, 0}, 0, 110},
    {"head_flags", "tc_change_head", {14, 1, 0, 0}, -EINVAL},
    {"proto_4to6", "tc_change_proto", {kHtonsIpv6, 0, 0, 0}, 116, 116},
    {"proto_6to4", "tc_change_proto", {kHtonsIp, 0, 0, 0}, 76, 76, kEthIpv6},
    {"proto_same", "tc_change_proto", {kHtonsIp, 0, 0, 0}, kENOTSUPP},
    {"proto_flags", "tc_change_proto", {kHtonsIpv6, 1, 0, 0}, -EINVAL},
    {"pull_all", "tc_pull_data", {0, 0, 0, 0}, 0},
    {"pull_len", "tc_pull_data", {96, 0, 0, 0}, 0},
    {"pull_past_end", "tc_pull_data", {97, 0, 0, 0}, -ENOMEM},
    {"l3_replace4", "tc_l3_csum", {kIpCsum, kNewAddr, 4, 0}, 0},
    {"l3_replace2", "tc_l3_csum", {kIpCsum, kNewAddr, 2, 0}, 0},
    {"l3_by_diff", "tc_l3_csum", {kIpCsum, kNewAddr, 0, 0}, 0},
    {"l3_odd_offset", "tc_l3_csum", {kIpCsum + 1, kNewAddr, 4, 0}, -EFAULT},
    {"l3_past_end", "tc_l3_csum", {200, kNewAddr, 4, 0}, -EFAULT},
    {"l3_bad_size", "tc_l3_csum", {kIpCsum, kNewAddr, 3, 0}, -EINVAL},
    {"l3_l4_flag", "tc_l3_csum", {kIpCsum, kNewAddr, 4 | kPseudo, 0}, -EINVAL},
    {"l4_pseudo_addr", "tc_l4_csum", {kTcpCsum, kNewAddr, 4 | kPseudo, 0}, 0},
    {"l4_port", "tc_l4_csum", {kTcpCsum, 0x5000, 2, 0}, 0},
    {"l4_by_diff", "tc_l4_csum", {kTcpCsum, kNewAddr, kPseudo, 0}, 0},
    {"l4_ipv6_flag", "tc_l4_csum", {kTcpCsum, kNewAddr, 4 | kPseudo | kIpv6Flag, 0}, 0},
    {"l4_mangled0_keeps_zero", "tc_l4_csum", {kTcpCsum, 0x5000, 2 | kMangled0, 1}, 0},
    {"l4_mangled0_enforced", "tc_l4_csum", {kTcpCsum, 0x5000, 2 | kMangled0 | kEnforce, 1}, 0},
    {"l4_unknown_flag", "tc_l4_csum", {kTcpCsum, 0x5000, 2 | (1u << 8), 0}, -EINVAL},
    {"diff_pull", "tc_csum_diff", {20, 0, 0, 0}, 43438},
    {"diff_push", "tc_csum_diff", {0, 8, 0, 0}, 14852},
    {"diff_both_seeded", "tc_csum_diff", {20, 20, 0x1234, 0}, 5453},
    {"diff_seed_only", "tc_csum_diff", {0, 0, 0x12345678, 0}, 26796},
    {"diff_max", "tc_csum_diff", {64, 64, 0, 0}, 49710},
    {"diff_odd_pull", "tc_csum_diff", {3, 0, 0, 0}, 65533},
    {"diff_odd_push", "tc_csum_diff", {0, 3, 0, 0}, 515},
    {"diff_odd_both", "tc_csum_diff", {5, 7, 9, 0}, 14859},
    {"diff_pull_seeded", "tc_csum_diff", {5, 0, 7, 0}, 5},
    {"level_inc_inc_dec", "tc_csum_level", {1, 1, 2, 0}, 0},
    {"level_inc3", "tc_csum_level", {1, 1, 1, 0}, 2},
    {"level_reset", "tc_csum_level", {1, 1, 3, 0}, -EACCES},
    {"level_bad", "tc_csum_level", {7, 1, 1, 0}, -EINVAL},
    {"vlan_two_pushes", "tc_vlan", {kHtons8021AD, 7, 0, 0}, 0, 100},
    {"vlan_push_pop", "tc_vlan", {kHtons8021AD, 7, 1, 0}, 0, 96},
    {"vlan_pop_all", "tc_vlan", {0x3412, 7, 3, 0}, 0, 96},
    {"ecn_not_ect", "tc_ecn", {0, 0, 0, 0}, 0},
    {"ecn_ect1", "tc_ecn", {0, 0, 0, 0}, 1, kPacketLen, kEthIp, 1},
    {"ecn_ect0", "tc_ecn", {0, 0, 0, 0}, 1, kPacketLen, kEthIp, 2},
    {"ecn_ce", "tc_ecn", {0, 0, 0, 0}, 1, kPacketLen, kEthIp, 3},
    {"ecn_ipv6", "tc_ecn", {0, 0, 0, 0}, 1, kPacketLen, kEthIpv6, 2},
    {"ecn_ipv6_not_ect", "tc_ecn", {0, 0, 0, 0}, 0, kPacketLen, kEthIpv6, 0x10},
    {"tunnel_key_and_opts", "tc_tunnel", {42, 0x0a000002, 0x0a000001, 0}, 8},
    {"tunnel_flags", "tc_tunnel", {7, 1, 2, 0xe}, 8},
    {"tunnel_bad_flags", "tc_tunnel", {7, 1, 2, 0x100}, -EINVAL},
    {"set_hash", "tc_set_hash", {0, 0, 0, 0}, 0x1234},
    {"get_tunnel_none", "tc_get_tunnel", {0, 0, 0, 0}, -EINVAL},
    // bytes 14..17 (45 00 00 52) from the MAC header, 16..19 (00 52 00 01) from the network one
    {"relative_mac", "tc_load_relative", {14, 0, 0, 0}, 0x52000045},
    {"relative_net", "tc_load_relative", {2, 1, 0, 0}, 0x01005200},
    {"relative_last_word", "tc_load_relative", {92, 0, 0, 0}, 0x5f5e5d5c},
    {"relative_past_end", "tc_load_relative", {93, 0, 0, 0}, -EFAULT},
    {"relative_net_past_end", "tc_load_relative", {79, 1, 0, 0}, -EFAULT},
    {"relative_bad_header", "tc_load_relative", {0, 2, 0, 0}, -EFAULT},
    {"relative_offset_too_large", "tc_load_relative", {0x10000, 0, 0, 0}, -EFAULT},
    {"change_type_otherhost", "tc_change_type", {3, 0, 0, 0}, 19},
    {"change_type_outgoing", "tc_change_type", {4, 0, 0, 0}, -EINVAL},
    {"tstamp_mono", "tc_set_tstamp", {123456, 1, 0, 0}, 1456},
    {"tstamp_tai_zero", "tc_set_tstamp", {0, 2, 0, 0}, -EINVAL},
    {"tstamp_bad_clock", "tc_set_tstamp", {5, 3, 0, 0}, -EINVAL},
    {"tstamp_realtime_zero", "tc_set_tstamp", {0, 0, 0, 0}, 0},
    {"tstamp_not_ip", "tc_set_tstamp", {5, 1, 0, 0}, -EOPNOTSUPP, kPacketLen, 0x0806},
    {"clone_lo", "tc_clone", {1, 0, 0, 0}, 100},
    {"clone_lo_ingress", "tc_clone", {1, 1, 0, 0}, 100},
    {"clone_no_device", "tc_clone", {999, 0, 0, 0}, -EINVAL},
    {"clone_bad_flags", "tc_clone", {1, 2, 0, 0}, -EINVAL},
    {"xdp_copy", "xdp_bytes", {0, 8, 0, 0}, 96},
    {"xdp_load_past_end", "xdp_bytes", {90, 0, 0, 0}, -EINVAL},
    {"xdp_store_past_end", "xdp_bytes", {0, 89, 0, 0}, -EINVAL},
    {"xdp_offset_too_large", "xdp_bytes", {0x10000, 0, 0, 0}, -EFAULT},
    {"xdp_csum_diff", "xdp_csum_diff", {20, 20, 0x1234, 0}, 5453},
};

std::vector<uint8_t> case_packet(const Case& c) { return packet(c.params, c.proto, c.tos); }

class PacketHelpers : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = test::open_loaded("api/progs/packet_helpers.bpf.o", GetParam(), false);
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
  }
  TestRunResult run(const Case& c) {
    auto p = obj_->program(c.prog);
    EXPECT_TRUE(p) << c;
    if (!p) return {};
    const std::vector<uint8_t> in = case_packet(c);
    auto r = p->test_run({.data = in});
    EXPECT_TRUE(r) << c << ": " << r.error().to_string();
    return r ? *r : TestRunResult{};
  }
  std::optional<BpfObject> obj_;
};

TEST_P(PacketHelpers, KernelReturnValuesAndLengths) {
  for (const Case& c : kCases) {
    const TestRunResult r = run(c);
    if (c.retval != -1) {
      EXPECT_EQ(static_cast<int32_t>(r.retval), c.retval) << c;
    }
    EXPECT_EQ(static_cast<int64_t>(r.data_out.size()), c.len) << c;
  }
}

const Case& find_case(const char* name) {
  for (const Case& c : kCases)
    if (std::string(c.name) == name) return c;
  throw std::runtime_error(name);
}

uint16_t ip_sum(const std::vector<uint8_t>& b, size_t off, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i < n; i += 2) s += uint32_t{b[off + i]} << 8 | b[off + i + 1];
  return fold(s);
}

TEST_P(PacketHelpers, ChecksumReplacementsKeepTheHeaderValid) {
  for (const char* name : {"l3_replace4", "l3_by_diff"}) {
    const TestRunResult r = run(find_case(name));
    EXPECT_EQ(r.data_out[33], 9) << name;  // the new address
    EXPECT_EQ(ip_sum(r.data_out, 14, 20), 0xffff) << name;
  }
  const TestRunResult keep = run(find_case("l4_mangled0_keeps_zero"));
  EXPECT_EQ(keep.data_out[kTcpCsum], 0);
  EXPECT_EQ(keep.data_out[kTcpCsum + 1], 0);
}

TEST_P(PacketHelpers, RoomGoesWhereTheModeSays) {
  const auto in = case_packet(find_case("room_mac_grow"));
  const TestRunResult mac = run(find_case("room_mac_grow"));
  EXPECT_EQ(std::vector<uint8_t>(mac.data_out.begin(), mac.data_out.begin() + 14),
            std::vector<uint8_t>(in.begin(), in.begin() + 14));
  EXPECT_EQ(std::vector<uint8_t>(mac.data_out.begin() + 14, mac.data_out.begin() + 22), std::vector<uint8_t>(8, 0));
  EXPECT_EQ(mac.data_out[22], 0x45);
  const TestRunResult net = run(find_case("room_net_grow"));
  EXPECT_EQ(net.data_out[14], 0x45);
  EXPECT_EQ(std::vector<uint8_t>(net.data_out.begin() + 34, net.data_out.begin() + 42), std::vector<uint8_t>(8, 0));
  EXPECT_EQ(net.data_out[42], 0x03);  // the TCP header follows the room
}

TEST_P(PacketHelpers, TunnelMetadataIsReportedWithThePacket) {
  const TestRunResult r = run(find_case("tunnel_key_and_opts"));
  ASSERT_TRUE(r.tunnel);
  EXPECT_EQ(r.tunnel->id, 42u);
  EXPECT_EQ(r.tunnel->remote[0], 0x0a000002u);
  EXPECT_EQ(r.tunnel->local[0], 0x0a000001u);
  EXPECT_EQ(r.tunnel->ttl, 64);
  EXPECT_EQ(r.tunnel->options, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_FALSE(run(find_case("tunnel_bad_flags")).tunnel);
  EXPECT_FALSE(run(find_case("room_mac_grow")).tunnel);
}

// bpf_clone_redirect: each copy is the packet as it was at its call, in
// call order, with its device and direction; the program goes on with the
// original. A run that fails to clone reports none.
TEST_P(PacketHelpers, ClonesAreReportedAsTheyWereSent) {
  const TestRunResult r = run(find_case("clone_lo_ingress"));
  ASSERT_EQ(r.clones.size(), 2u);
  const std::vector<uint8_t> in = case_packet(find_case("clone_lo_ingress"));
  EXPECT_EQ(r.clones[0].ifindex, 1u);
  EXPECT_TRUE(r.clones[0].ingress);
  EXPECT_EQ(r.clones[0].data, in);
  EXPECT_EQ(r.clones[1].data[0], 0xee);
  EXPECT_EQ(r.clones[1].data.size(), in.size());
  EXPECT_EQ(r.data_out, r.clones[1].data);
  EXPECT_FALSE(run(find_case("clone_lo")).clones[0].ingress);
  EXPECT_TRUE(run(find_case("clone_no_device")).clones.empty());
  // Repeated runs report the last run's copies only.
  auto again = obj_->program("tc_clone")->test_run({.data = in, .repeat = 5});
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(again->clones.size(), 2u);
}

TEST_P(PacketHelpers, ReceivedTunnelMetadataIsReadBack) {
  TunnelKey rx;
  rx.id = 77;
  rx.remote[0] = 0x0a000009;  // the peer that sent it
  rx.local[0] = 0x0a000001;
  rx.ttl = 9;
  rx.options = {9, 8, 7, 6};
  const std::vector<uint8_t> in = packet({0, 0, 0, 0});
  auto r = obj_->program("tc_get_tunnel")->test_run({.data = in, .tunnel = rx});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(static_cast<int32_t>(r->retval), 4);  // the options' length
  uint32_t words[11];
  std::memcpy(words, r->data_out.data() + 16, sizeof words);  // struct bpf_tunnel_key
  EXPECT_EQ(words[0], 77u);
  EXPECT_EQ(words[1], 0x0a000009u);  // remote_ipv4
  EXPECT_EQ(words[7], 0x0a000001u);  // local_ipv4
  EXPECT_EQ(r->data_out[16 + 21], 9);  // tunnel_ttl
  EXPECT_EQ(std::vector<uint8_t>(r->data_out.begin() + 60, r->data_out.begin() + 68),
            (std::vector<uint8_t>{9, 8, 7, 6, 0, 0, 0, 0}));
  EXPECT_FALSE(r->tunnel);  // only metadata the program sets is reported
  rx.ipv6 = true;
  r = obj_->program("tc_get_tunnel")->test_run({.data = in, .tunnel = rx});
  ASSERT_TRUE(r);
  EXPECT_EQ(static_cast<int32_t>(r->retval), -EPROTO);  // an IPv4 read of IPv6 metadata
}

// A packet pointer read after a helper that moved the packet is refused,
// as the kernel refuses it (the pointer is a scalar after the call).
TEST_P(PacketHelpers, PointersFromBeforeAResizeAreRefused) {
  const test::Escape refused[] = {{"api/progs/reject_stale_packet.bpf.o", ErrorCode::VerifierInvalidMemAccess, 9}};
  test::expect_refused(refused, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Api, PacketHelpers, ::testing::ValuesIn(engines()));

// ---- the kernel's BPF_PROG_TEST_RUN on the same cases ----

TEST_P(PacketHelpers, SameResultAndBytesAsTheKernel) {
  if (geteuid() != 0) GTEST_SKIP() << "not root: no bpf()";
  test::KernelPins pins("api/progs/packet_helpers.bpf.o");
  if (!pins.ok()) GTEST_SKIP() << "bpftool prog loadall failed (no bpftool or bpf() refused)";
  for (const Case& c : kCases) {
    if (!c.kernel) continue;
    const auto in = case_packet(c);
    auto k = pins.run(c.prog, in);
    ASSERT_TRUE(k) << c << ": bpftool prog run gave no return value";
    const TestRunResult r = run(c);
    EXPECT_EQ(static_cast<int32_t>(r.retval), static_cast<int32_t>(k->retval)) << c;
    EXPECT_EQ(r.data_out, k->data_out) << c;
  }
}

}  // namespace
}  // namespace decade
