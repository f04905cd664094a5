// SPDX-License-Identifier: Apache-2.0
// Guard pages (runtime/guarded_memory.hpp, runtime/packet_context.hpp): the
// byte past a guarded allocation and past a packet frame faults.
#include <gtest/gtest.h>

#include <cstring>

#include "runtime/guarded_memory.hpp"
#include "runtime/map.hpp"
#include "runtime/packet_context.hpp"

namespace decade::test {
namespace {

TEST(GuardedMemory, AllocationEndsAtAGuardPage) {
  auto* p = static_cast<volatile uint8_t*>(guarded_alloc(4096 + 24));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
  p[0] = 1;
  p[4096 + 23] = 2;  // the last byte is usable
  EXPECT_DEATH(p[4096 + 24] = 3, "");
  guarded_free(const_cast<uint8_t*>(p), 4096 + 24);
}

TEST(GuardedMemory, OptionDefaultsOff) {
  EXPECT_FALSE(guard_pages());
  set_guard_pages(true);
  EXPECT_TRUE(guard_pages());
  set_guard_pages(false);
}

TEST(GuardedMemory, PacketFrameIsBetweenGuardPages) {
  const uint8_t pkt[64] = {};
  auto buf = XdpBuff::create(pkt);
  ASSERT_TRUE(buf.has_value());
  auto* data = (*buf)->packet().data();
  volatile uint8_t* frame = data - 256;  // XDP headroom: the frame starts one page below the guard above it
  frame[4095] = 1;
  EXPECT_DEATH(frame[4096] = 1, "");
  EXPECT_DEATH(frame[-1] = 1, "");
}

TEST(GuardedMemory, ArrayValuesEndAtAGuardPageWhenAsked) {
  MapDef d;
  d.name = "guarded";
  d.type = MapType::Array;
  d.key_size = 4;
  d.value_size = 12;  // stride 16
  d.max_entries = 3;
  set_guard_pages(true);
  auto m = create_map(d);
  set_guard_pages(false);
  ASSERT_TRUE(m) << m.error().to_string();
  uint32_t k = 2;
  auto* last = static_cast<volatile uint8_t*>((*m)->lookup(&k));
  ASSERT_NE(last, nullptr);
  last[15] = 1;  // the stride's padding is still the map's
  EXPECT_DEATH(last[16] = 1, "");
  k = 0;
  EXPECT_EQ(static_cast<uint8_t*>((*m)->lookup(&k))[0], 0);  // zeroed like the unguarded block
}

}  // namespace
}  // namespace decade::test
