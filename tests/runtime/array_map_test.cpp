// SPDX-License-Identifier: Apache-2.0
#include <thread>
#include <vector>

#include "runtime/cpu.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

TEST(ArrayMap, FlagsAndErrno) {
  auto m = make(MapType::Array, 4, 8, 4);
  uint32_t k = 1;
  uint64_t v = 42, out = 0;
  EXPECT_EQ(m->update(&k, &v, kBpfAny), 0);
  EXPECT_EQ(m->update(&k, &v, kBpfExist), 0);
  EXPECT_EQ(m->update(&k, &v, kBpfNoExist), -EEXIST);
  EXPECT_EQ(m->update(&k, &v, 3), -EINVAL);
  EXPECT_EQ(m->update(&k, &v, kBpfFLock), -EINVAL);  // no spin lock in the value
  k = 4;
  EXPECT_EQ(m->update(&k, &v, kBpfAny), -E2BIG);
  EXPECT_EQ(m->lookup(&k), nullptr);
  EXPECT_EQ(m->erase(&k), -EINVAL);
  k = 1;
  EXPECT_EQ(m->host_lookup(&k, &out, 0), 0);
  EXPECT_EQ(out, 42u);
  EXPECT_EQ(*static_cast<uint64_t*>(m->lookup(&k)), 42u);
  EXPECT_EQ(m->direct_value_base() + 8, m->lookup(&k));
}

TEST(ArrayMap, GetNextKeyOrder) {
  auto m = make(MapType::Array, 4, 4, 3);
  uint32_t next = 99, k = 7;
  ASSERT_TRUE(m->get_next_key(nullptr, &next));
  EXPECT_EQ(next, 0u);
  ASSERT_TRUE(m->get_next_key(&k, &next));  // out of range restarts
  EXPECT_EQ(next, 0u);
  k = 1;
  ASSERT_TRUE(m->get_next_key(&k, &next));
  EXPECT_EQ(next, 2u);
  k = 2;
  auto end = m->get_next_key(&k, &next);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, ErrorCode::MapKeyNotFound);
}

TEST(ArrayMap, GlobalDataInitialValueAndFrozen) {
  MapDef d = def(MapType::Array, 4, 16, 1);
  d.initial_value = {1, 2, 3, 4};
  d.frozen = true;
  auto m = create_map(d);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)->direct_value_base()[2], 3);
  uint32_t k = 0;
  uint8_t v[16] = {};
  EXPECT_EQ((*m)->host_update(&k, v, 0), -EPERM);
  ASSERT_FALSE((*m)->storage().empty());
}

TEST(ArrayMap, PercpuSlotsAndHostView) {
  auto m = make(MapType::PercpuArray, 4, 4, 2);
  const uint32_t n = possible_cpus();
  EXPECT_EQ(m->host_value_size(), 8 * n);
  uint32_t k = 1, v = 5;
  EXPECT_EQ(m->update(&k, &v, 0), 0);  // this thread's CPU only
  std::vector<uint64_t> all(n);
  ASSERT_EQ(m->host_lookup(&k, all.data(), 0), 0);
  uint32_t cpu = current_cpu();
  for (uint32_t c = 0; c < n; ++c) EXPECT_EQ(all[c], c == cpu ? 5u : 0u);
  for (uint32_t c = 0; c < n; ++c) all[c] = 100 + c;
  ASSERT_EQ(m->host_update(&k, all.data(), 0), 0);
  for (uint32_t c = 0; c < n; ++c) EXPECT_EQ(*static_cast<uint32_t*>(m->lookup_percpu(&k, c)), 100 + c);
  EXPECT_EQ(m->lookup_percpu(&k, n), nullptr);
  EXPECT_EQ(m->direct_value_base(), nullptr);
}

TEST(ArrayMap, SpinLockWordPreservedAndFLock) {
  MapDef d = def(MapType::Array, 4, 16, 1);
  d.spin_lock_off = 0;
  auto m = std::move(*create_map(d));
  uint32_t k = 0;
  auto* val = static_cast<uint32_t*>(m->lookup(&k));
  val[0] = 1;  // lock held by "someone": update must not touch the word
  uint32_t in[4] = {7, 8, 9, 10};
  EXPECT_EQ(m->update(&k, in, 0), 0);
  EXPECT_EQ(val[0], 1u);
  EXPECT_EQ(val[1], 8u);
  val[0] = 0;
  EXPECT_EQ(m->update(&k, in, kBpfFLock), 0);
  uint32_t out[4] = {1, 1, 1, 1};
  EXPECT_EQ(m->host_lookup(&k, out, kBpfFLock), 0);
  EXPECT_EQ(out[0], 0u);  // lock word zeroed in copies
  EXPECT_EQ(out[3], 10u);
}

TEST(ArrayMap, ConcurrentUpdatesKeepValuesWhole) {
  auto m = make(MapType::Array, 4, 16, 8);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (uint32_t i = 0; i < 20000; ++i) {
        uint32_t k = i % 8;
        uint64_t v[2] = {uint64_t(t), uint64_t(t)};
        ASSERT_EQ(m->update(&k, v, 0), 0);
        ASSERT_NE(m->lookup(&k), nullptr);
      }
    });
  }
  for (auto& t : ts) t.join();
}

}  // namespace
}  // namespace decade::test
