// SPDX-License-Identifier: Apache-2.0
// The legacy packet loads LD_ABS and LD_IND (runtime/ld_packet.hpp) run on
// every engine as the kernel runs them: big-endian loads from the socket
// buffer's data (for a socket filter, from the network header), and a load
// outside the packet returns 0 from the program. Before, both engines
// failed every such run with ExecUnsupported.
#include <gtest/gtest.h>

#include <vector>

#include "api_test_util.hpp"

namespace decade {
namespace {

// r6 = r1 ; r0 = ldabsh [0] ; exit
const uint8_t kAbsH[] = {0xbf, 0x16, 0, 0, 0, 0, 0, 0, 0x28, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
// r6 = r1 ; r7 = 2 ; r0 = ldindb [r7 + 1] ; exit
const uint8_t kIndB[] = {0xbf, 0x16, 0, 0, 0, 0, 0, 0, 0xb7, 0x07, 0, 0, 2, 0, 0, 0,
                         0x50, 0x70, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
// r6 = r1 ; r0 = ldabsw [1000] ; r0 = 7 ; exit  (the load misses: the program returns 0)
const uint8_t kMiss[] = {0xbf, 0x16, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0xe8, 0x03, 0, 0,
                         0xb7, 0,    0, 0, 7, 0, 0, 0, 0x95, 0,    0, 0, 0,    0,    0, 0};
// r6 = r1 ; r0 = ldabsb [SKF_LL_OFF + 5] ; exit  (the MAC header: frame byte 5)
const uint8_t kLinkLayer[] = {0xbf, 0x16, 0, 0, 0, 0, 0, 0, 0x30, 0, 0, 0, 0x05, 0x00, 0xe0, 0xff,
                              0x95, 0,    0, 0, 0, 0, 0, 0};
// r6 = r1 ; r0 = ldabsb [SKF_NET_OFF + 2] ; exit  (the network header: frame byte 16)
const uint8_t kNetwork[] = {0xbf, 0x16, 0, 0, 0, 0, 0, 0, 0x30, 0, 0, 0, 0x02, 0x00, 0xf0, 0xff,
                            0x95, 0,    0, 0, 0, 0, 0, 0};
// r6 = r1 ; r0 = ldabsw [4] ; exit
const uint8_t kAbsW[] = {0xbf, 0x16, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 4, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};

class LdAbs : public ::testing::TestWithParam<std::string> {
 protected:
  uint64_t run(std::span<const uint8_t> code) const {
    auto o = BpfObject::from_bytecode(code, "prog", "socket_filter");
    EXPECT_TRUE(o) << o.error().to_string();
    if (!o) return ~uint64_t{0};
    LoadOptions lo;
    lo.engine = GetParam();
    auto s = o->load(lo);
    EXPECT_TRUE(s) << s.error().to_string();
    if (!s) return ~uint64_t{0};
    // An Ethernet frame: the socket filter sees it from the network header (byte 14).
    std::vector<uint8_t> frame(64);
    for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<uint8_t>(i);
    auto r = o->program("")->test_run({.data = frame});
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? r->retval : ~uint64_t{0};
  }
};

TEST_P(LdAbs, LoadsBigEndianFromTheNetworkHeader) {
  EXPECT_EQ(run(kAbsH), 0x0e0fu);          // bytes 14, 15 of the frame
  EXPECT_EQ(run(kAbsW), 0x12131415u);      // bytes 18..21
  EXPECT_EQ(run(kIndB), 17u);              // 14 + 2 + 1
}

TEST_P(LdAbs, LoadOutsideThePacketReturnsZero) { EXPECT_EQ(run(kMiss), 0u); }

TEST_P(LdAbs, HeaderOffsetsReachTheMacAndNetworkHeaders) {
  EXPECT_EQ(run(kLinkLayer), 5u);
  EXPECT_EQ(run(kNetwork), 16u);
}

INSTANTIATE_TEST_SUITE_P(Api, LdAbs, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
