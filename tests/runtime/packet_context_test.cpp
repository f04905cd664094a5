// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <vector>

#include "runtime/helpers/helpers.hpp"
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

}  // namespace
}  // namespace decade::test
