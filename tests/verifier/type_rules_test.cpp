// SPDX-License-Identifier: Apache-2.0
// The packet and helper rules of a program type come from its descriptor
// (ProgramType), never from its name: a host type that copies a built-in
// type under another name gets the same verdicts, and one that changes a
// rule gets the other verdict.
#include "verifier_test_util.hpp"

namespace decade::test {
namespace {

// data, data_end of an __sk_buff; one checked byte stored to.
constexpr const char* kSkbStore =
    "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
    "r5 = 0\n*(u8 *)(r2 + 0) = r5\nout: r0 = 0\nexit\n";
constexpr const char* kLdAbs = "r6 = r1\nr0 = *(u8 *)skb[12]\nexit\n";
constexpr const char* kCoarseClock = "call 160\nr0 = 0\nexit\n";  // bpf_ktime_get_coarse_ns

Result<VerifyResult> verify_as(const Platform& platform, const ProgramType& type, const std::string& text) {
  VerifierEnv env;
  auto p = env.assemble_program(text);
  if (!p) return std::unexpected(p.error());
  VerifyInput in;
  in.program = &*p;
  in.platform = &platform;
  in.type = &type;
  return verify(in, {});
}

ProgramType renamed(const Platform& p, const char* from, const char* to) {
  ProgramType t = *p.program_type(from);
  t.name = to;
  t.sec_prefixes.clear();
  return t;
}

TEST(TypeRules, PacketStoresFollowTheDescriptor) {
  const Platform p = Platform::standard();
  ProgramType tc = renamed(p, "sched_cls", "host_tc");
  EXPECT_TRUE(verify_as(p, tc, kSkbStore).has_value());
  tc.packet_writable = false;  // as cgroup_skb and lwt_in
  auto r = verify_as(p, tc, kSkbStore);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierInvalidMemAccess);
  EXPECT_EQ(r.error().insn, 6);
  ProgramType cg = renamed(p, "cgroup_skb", "host_cg");
  EXPECT_FALSE(verify_as(p, cg, kSkbStore).has_value());
}

TEST(TypeRules, LegacyPacketLoadsFollowTheDescriptor) {
  const Platform p = Platform::standard();
  ProgramType sock = renamed(p, "socket_filter", "host_sock");
  EXPECT_TRUE(verify_as(p, sock, kLdAbs).has_value());
  sock.legacy_packet_loads = false;
  auto r = verify_as(p, sock, kLdAbs);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::VerifierInvalidMemAccess);
  EXPECT_EQ(r.error().insn, 1);
}

TEST(TypeRules, CoarseClockFollowsTheDescriptor) {
  Platform p = Platform::standard();
  ProgramType up = renamed(p, "uprobe", "host_probe");
  EXPECT_TRUE(verify_as(p, up, kCoarseClock).has_value());
  // Also for a host type whose empty allow list means every helper.
  up.helpers.clear();
  up.coarse_clock = false;
  auto r = verify_as(p, up, kCoarseClock);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().insn, 0);
}

TEST(TypeRules, BuiltInDescriptors) {
  const Platform p = Platform::standard();
  EXPECT_EQ(p.program_type("socket_filter")->helper_list, HelperList::SocketFilter);
  EXPECT_EQ(p.program_type("sched_cls")->helper_list, HelperList::Tc);
  EXPECT_EQ(p.program_type("lwt_xmit")->helper_list, HelperList::LwtXmit);
  EXPECT_EQ(p.program_type("lwt_in")->helper_list, HelperList::Lwt);
  EXPECT_EQ(p.program_type("xdp_cpumap")->helper_list, HelperList::Xdp);
  EXPECT_EQ(p.program_type("socket_filter")->run, RunCtx::SkbL3);
  EXPECT_EQ(p.program_type("lwt_out")->run, RunCtx::SkbL3);
  EXPECT_EQ(p.program_type("sched_cls")->run, RunCtx::Skb);
  EXPECT_EQ(p.program_type("xdp_devmap")->run, RunCtx::Xdp);
  EXPECT_TRUE(p.program_type("lwt_xmit")->packet_writable);
  EXPECT_FALSE(p.program_type("lwt_seg6local")->packet_writable);
}

}  // namespace
}  // namespace decade::test
