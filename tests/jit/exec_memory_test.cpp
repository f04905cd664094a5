// SPDX-License-Identifier: Apache-2.0
// Executable memory (src/jit/x86_64/exec_memory.cpp): W^X as the kernel
// reports it in /proc/self/maps, int3 after the code, pooled pages reused
// only after their program is gone and made writable again, large
// reservations outside the pool, and concurrent use.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include "jit/x86_64/exec_memory.hpp"

namespace decade::jit::x64 {
namespace {

// The permissions ("r-xp", "rw-p", ...) of the mapping holding `p`.
std::string perms_of(const void* p) {
  const auto a = reinterpret_cast<uintptr_t>(p);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    uintptr_t lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) == 3 && a >= lo && a < hi) return perms;
  }
  return "";
}

TEST(ExecMemory, SealedPagesAreExecutableNotWritable) {
  auto m = ExecMemory::reserve(100);
  ASSERT_TRUE(m.has_value());
  auto w = m->writable();
  ASSERT_GE(w.size(), 100u);
  EXPECT_EQ(perms_of(w.data()).substr(0, 3), "rw-");
  w[0] = 0xc3;  // ret
  ASSERT_TRUE(m->seal(1).has_value());
  EXPECT_TRUE(m->writable().empty());
  EXPECT_EQ(m->size(), 1u);
  EXPECT_EQ(perms_of(m->data()).substr(0, 3), "r-x");
  for (size_t i = 1; i < w.size(); ++i) ASSERT_EQ(m->data()[i], 0xcc) << i;  // int3 after the code
  EXPECT_FALSE(m->seal(1).has_value());  // once only
}

TEST(ExecMemory, PooledPagesComeBackWritable) {
  uint8_t* first = nullptr;
  {
    auto m = ExecMemory::reserve(5000);  // two pages
    ASSERT_TRUE(m.has_value());
    first = m->writable().data();
    std::memset(first, 0x90, 5000);
    ASSERT_TRUE(m->seal(5000).has_value());
  }
  auto again = ExecMemory::reserve(6000);  // two pages: the freed range
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->writable().data(), first);
  EXPECT_EQ(perms_of(first).substr(0, 3), "rw-");
  again->writable()[0] = 0xc3;  // writable again, no fault
  ASSERT_TRUE(again->seal(1).has_value());
  EXPECT_EQ(again->data()[1], 0xcc);  // the previous program's bytes are gone
}

TEST(ExecMemory, LargeReservationsHaveTheirOwnMapping) {
  auto m = ExecMemory::reserve(1 << 20);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->writable().size(), size_t{1} << 20);
  m->writable()[(1 << 20) - 1] = 0xc3;
  ASSERT_TRUE(m->seal(1 << 20).has_value());
  EXPECT_EQ(perms_of(m->data() + (1 << 19)).substr(0, 3), "r-x");
}

TEST(ExecMemory, ConcurrentReserveSealRelease) {
  constexpr int kThreads = 4, kRounds = 500;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &failures] {
      std::vector<ExecMemory> held;
      for (int r = 0; r < kRounds; ++r) {
        auto m = ExecMemory::reserve(static_cast<size_t>(1 + (r * 7 + t) % 3) * 4096);
        if (!m) {
          ++failures[t];
          continue;
        }
        auto w = m->writable();
        w[0] = static_cast<uint8_t>(t);
        if (!m->seal(1) || m->data()[0] != t) ++failures[t];
        held.push_back(std::move(*m));
        if (held.size() > 8) held.erase(held.begin());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
}

}  // namespace
}  // namespace decade::jit::x64
#endif
