// SPDX-License-Identifier: Apache-2.0
// Atomic read-modify-write instructions: results, fetched values, the
// 32-bit forms' effect on the low half only, cmpxchg, and alignment.
#include <thread>

#include "interp_test_util.hpp"

namespace decade::test {
namespace {

// 16 bytes: [0] = 0x0000000100000003, [8] = 0x10.
std::vector<uint8_t> words() {
  std::vector<uint8_t> m(16, 0);
  const uint64_t a = 0x0000000100000003ULL, b = 0x10;
  std::memcpy(m.data(), &a, 8);
  std::memcpy(m.data() + 8, &b, 8);
  return m;
}

uint64_t word(const std::vector<uint8_t>& m, size_t off) {
  uint64_t v;
  std::memcpy(&v, m.data() + off, 8);
  return v;
}

TEST(InterpAtomic, Add64AndFetch) {
  auto m = words();
  EXPECT_EQ(value("mov %r2, 5\nlock add [%r1+8], %r2\nmov %r0, %r2\nexit", &m), 5u);
  EXPECT_EQ(word(m, 8), 0x15u);
  EXPECT_EQ(value("mov %r2, 1\nlock fetch add [%r1+8], %r2\nmov %r0, %r2\nexit", &m), 0x15u);
  EXPECT_EQ(word(m, 8), 0x16u);
}

TEST(InterpAtomic, Bitwise) {
  auto m = words();
  EXPECT_EQ(value("mov %r2, 0x0c\nlock fetch or [%r1+8], %r2\nmov %r0, %r2\nexit", &m), 0x10u);
  EXPECT_EQ(word(m, 8), 0x1cu);
  EXPECT_EQ(value("mov %r2, 0x18\nlock fetch and [%r1+8], %r2\nmov %r0, %r2\nexit", &m), 0x1cu);
  EXPECT_EQ(word(m, 8), 0x18u);
  EXPECT_EQ(value("mov %r2, 0xff\nlock fetch xor [%r1+8], %r2\nmov %r0, %r2\nexit", &m), 0x18u);
  EXPECT_EQ(word(m, 8), 0xe7u);
  value("mov %r2, 0x7\nlock and [%r1+8], %r2\nmov %r2, 0x100\nlock or [%r1+8], %r2\nmov %r2, 1\nlock xor [%r1+8], %r2\nexit",
        &m);
  EXPECT_EQ(word(m, 8), 0x106u);
}

TEST(InterpAtomic, ThirtyTwoBitFormsTouchTheLowHalf) {
  auto m = words();
  EXPECT_EQ(value("mov32 %r2, 0xffffffff\nlock fetch add32 [%r1+0], %r2\nmov %r0, %r2\nexit", &m), 3u);
  EXPECT_EQ(word(m, 0), 0x0000000100000002ULL);  // no carry into the upper half
  // Fetched values are zero-extended.
  EXPECT_EQ(value("lddw %r2, 0xffffffff00000009\nlock xchg32 [%r1+0], %r2\nmov %r0, %r2\nexit", &m), 2u);
  EXPECT_EQ(word(m, 0), 0x0000000100000009ULL);
}

TEST(InterpAtomic, Xchg64) {
  auto m = words();
  EXPECT_EQ(value("lddw %r2, 0x123456789\nlock xchg [%r1+8], %r2\nmov %r0, %r2\nexit", &m), 0x10u);
  EXPECT_EQ(word(m, 8), 0x123456789ULL);
}

TEST(InterpAtomic, Cmpxchg) {
  auto m = words();
  // Match: stores src, r0 = old value.
  EXPECT_EQ(value("mov %r0, 0x10\nmov %r2, 0x42\nlock cmpxchg [%r1+8], %r2\nexit", &m), 0x10u);
  EXPECT_EQ(word(m, 8), 0x42u);
  // Mismatch: memory unchanged, r0 = current value.
  EXPECT_EQ(value("mov %r0, 0x10\nmov %r2, 0x99\nlock cmpxchg [%r1+8], %r2\nexit", &m), 0x42u);
  EXPECT_EQ(word(m, 8), 0x42u);
  // 32-bit: compares the low half of r0 only.
  EXPECT_EQ(value("lddw %r0, 0xabcdef0000000003\nmov %r2, 7\nlock cmpxchg32 [%r1+0], %r2\nexit", &m), 3u);
  EXPECT_EQ(word(m, 0), 0x0000000100000007ULL);
}

TEST(InterpAtomic, MisalignedIsAnError) {
  auto m = words();
  expect_error(run("mov %r2, 1\nlock add [%r1+4], %r2\nexit", &m), ErrorCode::ExecMisaligned, 1);
  expect_error(run("mov %r2, 1\nlock add32 [%r1+2], %r2\nexit", &m), ErrorCode::ExecMisaligned, 1);
  expect_error(run("mov %r2, 1\nlock add [%r1+16], %r2\nexit", &m), ErrorCode::ExecOutOfBounds, 1);
}

TEST(InterpAtomic, AddsAreAtomicAcrossThreads) {
  std::vector<uint8_t> m(8, 0);
  auto e = checked(
      "mov %r3, 0\n"
      "loop:\n"
      "mov %r2, 1\n"
      "lock add [%r1+0], %r2\n"
      "add %r3, 1\n"
      "jlt %r3, 20000, loop\n"
      "mov %r0, 0\n"
      "exit");
  ASSERT_TRUE(e);
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(m.data());
  req.regions.push_back({reinterpret_cast<uintptr_t>(m.data()), m.size(), true});
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i) ts.emplace_back([&] { EXPECT_TRUE(e->run(req).has_value()); });
  for (auto& t : ts) t.join();
  EXPECT_EQ(word(m, 0), 80000u);
}

}  // namespace
}  // namespace decade::test
