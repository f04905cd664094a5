// SPDX-License-Identifier: Apache-2.0
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/sock_map.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

std::vector<uint8_t> ipv4_packet(size_t len) {
  std::vector<uint8_t> p(len, 0);
  if (len >= 14) p[12] = 0x08;  // EtherType IPv4 (0x0800)
  for (size_t i = 14; i < len; ++i) p[i] = uint8_t(i);
  return p;
}

TEST(XdpBuff, ContextHoldsRealLowAddresses) {
  auto pkt = ipv4_packet(64);
  auto b = XdpBuff::create(pkt);
  ASSERT_TRUE(b) << b.error().to_string();
  XdpMd* md = (*b)->ctx();
  auto* data = reinterpret_cast<uint8_t*>(uintptr_t{md->data});
  EXPECT_EQ(md->data_end - md->data, 64u);
  EXPECT_EQ(md->data_meta, md->data);
  EXPECT_EQ(data[20], 20);  // the 32-bit field is a usable pointer
  EXPECT_EQ((*b)->packet().size(), 64u);
  EXPECT_EQ(XdpBuff::from_ctx((*b)->ctx_addr()), b->get());
  EXPECT_EQ(XdpBuff::from_ctx(12345), nullptr);
}

TEST(XdpBuff, AdjustHeadMetaTailFollowTheKernelBounds) {
  auto pkt = ipv4_packet(100);
  auto b = std::move(*XdpBuff::create(pkt));
  uint64_t ctx = b->ctx_addr();
  EXPECT_EQ(call(kHelperXdpAdjustHead, ctx, uint64_t(-14)), 0u);  // push a header
  EXPECT_EQ(b->packet().size(), 114u);
  EXPECT_EQ(call(kHelperXdpAdjustHead, ctx, 14), 0u);
  EXPECT_TRUE(std::equal(pkt.begin(), pkt.end(), b->packet().begin(), b->packet().end()));  // back to the original
  EXPECT_EQ(as_long(call(kHelperXdpAdjustHead, ctx, uint64_t(-300))), -EINVAL);  // past the headroom
  EXPECT_EQ(as_long(call(kHelperXdpAdjustHead, ctx, 90)), -EINVAL);  // leaves less than an Ethernet header
  EXPECT_EQ(call(kHelperXdpAdjustMeta, ctx, uint64_t(-8)), 0u);
  EXPECT_EQ(b->metadata().size(), 8u);
  EXPECT_EQ(as_long(call(kHelperXdpAdjustMeta, ctx, uint64_t(-2))), -EACCES);  // not a multiple of 4
  // Linux 6.18 (checked with bpftool prog run) allows metadata up to 255
  // bytes; only kernels before 6.4 capped it at 32.
  EXPECT_EQ(call(kHelperXdpAdjustMeta, ctx, uint64_t(-28)), 0u);
  EXPECT_EQ(b->metadata().size(), 36u);
  EXPECT_EQ(as_long(call(kHelperXdpAdjustMeta, ctx, uint64_t(-300))), -EINVAL);  // below the frame
  EXPECT_EQ(call(kHelperXdpAdjustHead, ctx, uint64_t(-4)), 0u);  // metadata moves with data
  EXPECT_EQ(b->metadata().size(), 36u);
  EXPECT_EQ(call(kHelperXdpAdjustTail, ctx, uint64_t(-10)), 0u);
  EXPECT_EQ(b->packet().size(), 94u);
  EXPECT_EQ(call(kHelperXdpAdjustTail, ctx, 10), 0u);
  EXPECT_EQ(b->packet().back(), 0);  // grown bytes are zeroed
  EXPECT_EQ(as_long(call(kHelperXdpAdjustTail, ctx, 5000)), -EINVAL);
  EXPECT_EQ(as_long(call(kHelperXdpAdjustTail, ctx, uint64_t(-100))), -EINVAL);
}

TEST(XdpBuff, RejectsOversizedPacketsAndForeignContexts) {
  EXPECT_EQ(XdpBuff::create(ipv4_packet(4000)).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(XdpBuff::create(ipv4_packet(10)).error().code, ErrorCode::InvalidArgument);
  RunContext rc;
  RunScope scope(rc);
  uint64_t fake[4] = {};
  EXPECT_EQ(as_long(call(kHelperXdpAdjustHead, u(fake), 0)), -EINVAL);
  ASSERT_TRUE(rc.fault.has_value());
  EXPECT_EQ(rc.fault->code, ErrorCode::ExecHelperFault);
}

TEST(SkBuff, FieldsAndLoadStoreBytes) {
  auto pkt = ipv4_packet(60);
  SkBuffOptions o;
  o.ifindex = 3;
  o.mark = 9;
  auto b = std::move(*SkBuff::create(pkt, o));
  SkBuffMd* md = b->ctx();
  EXPECT_EQ(md->len, 60u);
  EXPECT_EQ(md->protocol, 0x0008u);  // htons(ETH_P_IP) as the kernel exposes it
  EXPECT_EQ(md->ifindex, 3u);
  EXPECT_EQ(md->mark, 9u);
  EXPECT_EQ(md->data_end - md->data, 60u);
  uint8_t buf[4];
  EXPECT_EQ(call(kHelperSkbLoadBytes, b->ctx_addr(), 20, u(buf), 4), 0u);
  EXPECT_EQ(buf[0], 20);
  EXPECT_EQ(as_long(call(kHelperSkbLoadBytes, b->ctx_addr(), 58, u(buf), 4)), -EFAULT);
  EXPECT_EQ(buf[0], 0);
  uint8_t w[2] = {0xaa, 0xbb};
  EXPECT_EQ(call(kHelperSkbStoreBytes, b->ctx_addr(), 30, u(w), 2, 0), 0u);
  EXPECT_EQ(b->packet()[31], 0xbb);
  EXPECT_EQ(as_long(call(kHelperSkbStoreBytes, b->ctx_addr(), 30, u(w), 2, 8)), -EINVAL);
  EXPECT_EQ(b->regions().size(), 2u);
  // The buffer may lie in the packet itself: the copies overlap (fuzz_verifier
  // under ASan found memcpy there).
  EXPECT_EQ(call(kHelperSkbStoreBytes, b->ctx_addr(), 4, u(b->packet().data()), 16, 0), 0u);
  EXPECT_EQ(b->packet()[4], 0);
  EXPECT_EQ(b->packet()[19], 15);
  EXPECT_EQ(call(kHelperSkbLoadBytes, b->ctx_addr(), 40, u(b->packet().data() + 44), 8), 0u);
  EXPECT_EQ(b->packet()[44], 40);
  EXPECT_EQ(b->packet()[51], 47);
}

// bpf_skb_load_bytes_relative as Linux 6.12's: offsets from the MAC or the
// network header, the range checked against the packet's end only (a
// socket filter's MAC header lies before its data), -EFAULT with the
// buffer zeroed otherwise.
TEST(SkBuff, LoadBytesRelativeFromEitherHeader) {
  auto pkt = ipv4_packet(60);
  for (bool network_start : {false, true}) {
    SCOPED_TRACE(network_start ? "socket filter (data at the network header)" : "tc (data at the MAC header)");
    SkBuffOptions o;
    o.network_start = network_start;
    auto b = std::move(*SkBuff::create(pkt, o));
    const uint64_t ctx = b->ctx_addr();
    uint8_t buf[6];
    EXPECT_EQ(call(kHelperSkbLoadBytesRelative, ctx, 12, u(buf), 2, 0), 0u);  // the EtherType, from the MAC header
    EXPECT_EQ(buf[0], 0x08);
    EXPECT_EQ(buf[1], 0x00);
    EXPECT_EQ(call(kHelperSkbLoadBytesRelative, ctx, 2, u(buf), 4, 1), 0u);  // from the network header
    EXPECT_EQ(buf[0], 16);
    EXPECT_EQ(buf[3], 19);
    EXPECT_EQ(call(kHelperSkbLoadBytesRelative, ctx, 40, u(buf), 6, 1), 0u);  // the last 6 bytes
    EXPECT_EQ(buf[5], 59);
    buf[0] = 0xee;
    EXPECT_EQ(as_long(call(kHelperSkbLoadBytesRelative, ctx, 41, u(buf), 6, 1)), -EFAULT);  // one past the end
    EXPECT_EQ(buf[0], 0);
    buf[0] = 0xee;
    EXPECT_EQ(as_long(call(kHelperSkbLoadBytesRelative, ctx, 0, u(buf), 6, 2)), -EFAULT);  // no such header
    EXPECT_EQ(buf[0], 0);
    EXPECT_EQ(as_long(call(kHelperSkbLoadBytesRelative, ctx, 0x10000, u(buf), 1, 0)), -EFAULT);
  }
}

TEST(SkBuff, ChangeTypeAndSetTstampFollowTheKernel) {
  auto pkt = ipv4_packet(60);
  auto b = std::move(*SkBuff::create(pkt));
  const uint64_t ctx = b->ctx_addr();
  SkBuffMd* md = b->ctx();
  EXPECT_EQ(call(kHelperSkbChangeType, ctx, 3), 0u);  // PACKET_OTHERHOST
  EXPECT_EQ(md->pkt_type, 3u);
  EXPECT_EQ(as_long(call(kHelperSkbChangeType, ctx, 4)), -EINVAL);  // PACKET_OUTGOING may not be set
  EXPECT_EQ(md->pkt_type, 3u);
  md->pkt_type = 4;  // nor changed from
  EXPECT_EQ(as_long(call(kHelperSkbChangeType, ctx, 0)), -EINVAL);
  EXPECT_EQ(md->pkt_type, 4u);

  EXPECT_EQ(call(kHelperSkbSetTstamp, ctx, 123456789, 1), 0u);  // BPF_SKB_CLOCK_MONOTONIC
  EXPECT_EQ(md->tstamp, 123456789u);
  EXPECT_EQ(md->tstamp_type, 1u);
  EXPECT_EQ(as_long(call(kHelperSkbSetTstamp, ctx, 0, 2)), -EINVAL);  // TAI needs a time
  EXPECT_EQ(as_long(call(kHelperSkbSetTstamp, ctx, 5, 3)), -EINVAL);  // no such clock
  EXPECT_EQ(call(kHelperSkbSetTstamp, ctx, 0, 0), 0u);  // REALTIME 0 clears it
  EXPECT_EQ(md->tstamp, 0u);
  EXPECT_EQ(md->tstamp_type, 0u);
  auto arp = ipv4_packet(60);
  arp[13] = 0x06;  // EtherType 0x0806: not IP
  auto a = std::move(*SkBuff::create(arp));
  EXPECT_EQ(as_long(call(kHelperSkbSetTstamp, a->ctx_addr(), 5, 1)), -EOPNOTSUPP);
}

// Packets a host runs carry no socket (__sk_buff.sk is NULL): the kernel's
// answers for a packet without one.
TEST(SkBuff, SocketCookieAndUidWithoutASocket) {
  auto pkt = ipv4_packet(60);
  auto b = std::move(*SkBuff::create(pkt));
  EXPECT_EQ(call(kHelperGetSocketCookie, b->ctx_addr()), 0u);
  EXPECT_EQ(call(kHelperGetSocketUid, b->ctx_addr()), 65534u);  // overflowuid
}

// A packet a host gives a socket (__sk_buff.sk, a host socket's program
// pointer): the socket's own cookie (SO_COOKIE) and owner.
TEST(SkBuff, SocketCookieAndUidOfTheHostSocket) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len), 0);
  HostSocket* s = nullptr;
  ASSERT_EQ(HostSocket::open(fd, &s), 0);
  close(fd);
  auto pkt = ipv4_packet(60);
  auto b = std::move(*SkBuff::create(pkt));
  b->ctx()->sk = s->program_ptr();
  EXPECT_EQ(call(kHelperGetSocketCookie, b->ctx_addr()), cookie);
  EXPECT_NE(cookie, 0u);
  EXPECT_EQ(call(kHelperGetSocketUid, b->ctx_addr()), uint64_t{getuid()});
  b->ctx()->sk = 0;
  s->put();
}

}  // namespace
}  // namespace decade::test
