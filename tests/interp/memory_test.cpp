// SPDX-License-Identifier: Apache-2.0
// Loads, stores and checked mode's bounds: request regions, stack frames,
// read-only regions, and the instruction named by the error.
#include "interp_test_util.hpp"

namespace decade::test {
namespace {

std::vector<uint8_t> bytes16() {
  std::vector<uint8_t> m(16);
  for (size_t i = 0; i < m.size(); ++i) m[i] = static_cast<uint8_t>(0x80 + i);
  return m;
}

TEST(InterpMemory, LoadWidths) {
  auto m = bytes16();
  EXPECT_EQ(value("ldxb %r0, [%r1+1]\nexit", &m), 0x81u);
  EXPECT_EQ(value("ldxh %r0, [%r1+2]\nexit", &m), 0x8382u);
  EXPECT_EQ(value("ldxw %r0, [%r1+4]\nexit", &m), 0x87868584u);
  EXPECT_EQ(value("ldxdw %r0, [%r1+8]\nexit", &m), 0x8f8e8d8c8b8a8988ULL);
}

TEST(InterpMemory, SignExtendingLoads) {
  auto m = bytes16();
  EXPECT_EQ(value("ldxsb %r0, [%r1+1]\nexit", &m), 0xffffffffffffff81ULL);
  EXPECT_EQ(value("ldxsh %r0, [%r1+2]\nexit", &m), 0xffffffffffff8382ULL);
  EXPECT_EQ(value("ldxsw %r0, [%r1+4]\nexit", &m), 0xffffffff87868584ULL);
}

TEST(InterpMemory, StoresTruncateImmediates) {
  std::vector<uint8_t> m(16, 0);
  EXPECT_EQ(value("sth [%r1+2], -3\nldxdw %r0, [%r1]\nexit", &m), 0xfffd0000ULL);
  EXPECT_EQ(value("stdw [%r1+8], -3\nldxdw %r0, [%r1+8]\nexit", &m), static_cast<uint64_t>(-3));
  EXPECT_EQ(value("mov %r2, 0x1234\nstxb [%r1+0], %r2\nldxb %r0, [%r1]\nexit", &m), 0x34u);
}

TEST(InterpMemory, UnalignedAccessIsAllowed) {
  auto m = bytes16();
  EXPECT_EQ(value("ldxw %r0, [%r1+1]\nexit", &m), 0x84838281u);
}

TEST(InterpMemory, OutOfBoundsOnEachSideOfARegion) {
  auto m = bytes16();
  expect_error(run("mov %r0, 0\nldxb %r0, [%r1-1]\nexit", &m), ErrorCode::ExecOutOfBounds, 1);
  EXPECT_EQ(value("ldxdw %r0, [%r1+8]\nexit", &m), 0x8f8e8d8c8b8a8988ULL);  // last 8 bytes: in bounds
  expect_error(run("ldxdw %r0, [%r1+9]\nexit", &m), ErrorCode::ExecOutOfBounds, 0);
  expect_error(run("mov %r0, 0\nmov %r0, 0\nstb [%r1+16], 1\nexit", &m), ErrorCode::ExecOutOfBounds, 2);
  expect_error(run("lddw %r2, 0xfffffffffffffff8\nldxdw %r0, [%r2+0]\nexit", &m), ErrorCode::ExecOutOfBounds, 2);
}

TEST(InterpMemory, NullAndWildPointers) {
  expect_error(run("mov %r1, 0\nldxw %r0, [%r1+0]\nexit"), ErrorCode::ExecOutOfBounds, 1);
  // An address that wraps around the top of the address space.
  expect_error(run("mov %r1, -1\nldxdw %r0, [%r1+4]\nexit"), ErrorCode::ExecOutOfBounds, 1);
}

TEST(InterpMemory, ReadOnlyRegion) {
  std::vector<uint8_t> m(8, 7);
  auto e = checked("ldxb %r0, [%r1+0]\nstb [%r1+0], 1\nexit");
  ASSERT_TRUE(e);
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(m.data());
  req.regions.push_back({reinterpret_cast<uintptr_t>(m.data()), m.size(), false});
  expect_error(e->run(req), ErrorCode::ExecOutOfBounds, 1);
  EXPECT_EQ(m[0], 7);
}

TEST(InterpMemory, StackFrameBounds) {
  EXPECT_EQ(value("stdw [%r10-512], 5\nldxdw %r0, [%r10-512]\nexit"), 5u);
  EXPECT_EQ(value("stb [%r10-1], 9\nldxb %r0, [%r10-1]\nexit"), 9u);
  expect_error(run("stdw [%r10-520], 5\nexit"), ErrorCode::ExecOutOfBounds, 0);
  expect_error(run("ldxb %r0, [%r10+0]\nexit"), ErrorCode::ExecOutOfBounds, 0);
}

TEST(InterpMemory, StackStartsZeroedPerRun) {
  auto e = checked("ldxdw %r0, [%r10-8]\nstdw [%r10-8], 77\nexit");
  ASSERT_TRUE(e);
  EXPECT_EQ(*e->run({}), 0u);
  EXPECT_EQ(*e->run({}), 0u);
}

TEST(InterpMemory, LoadAcquireStoreRelease) {
  std::vector<uint64_t> w(2, 0);
  auto* m = reinterpret_cast<uint8_t*>(w.data());
  std::vector<uint8_t> mem(m, m + 16);
  EXPECT_EQ(value("mov %r2, 0x1ff\nstore_release_b [%r1+3], %r2\nload_acquire_w %r0, [%r1+0]\nexit", &mem),
            0xff000000u);
  EXPECT_EQ(value("lddw %r2, 0x1122334455667788\nstore_release_dw [%r1+8], %r2\nload_acquire_dw %r0, [%r1+8]\nexit",
                  &mem),
            0x1122334455667788ULL);
  EXPECT_EQ(value("mov %r2, -1\nstore_release_h [%r1+0], %r2\nload_acquire_h %r0, [%r1+0]\nexit", &mem), 0xffffu);
}

}  // namespace
}  // namespace decade::test
