// SPDX-License-Identifier: Apache-2.0
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "runtime/cpu.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

TEST(HashMap, FlagsAndErrno) {
  auto m = make(MapType::Hash, 4, 8, 2);
  uint32_t k = 1;
  uint64_t v = 10;
  EXPECT_EQ(m->update(&k, &v, kBpfExist), -ENOENT);
  EXPECT_EQ(m->update(&k, &v, kBpfNoExist), 0);
  EXPECT_EQ(m->update(&k, &v, kBpfNoExist), -EEXIST);
  v = 11;
  EXPECT_EQ(m->update(&k, &v, kBpfExist), 0);
  EXPECT_EQ(*static_cast<uint64_t*>(m->lookup(&k)), 11u);
  EXPECT_EQ(m->update(&k, &v, 5), -EINVAL);
  k = 2;
  EXPECT_EQ(m->update(&k, &v, kBpfAny), 0);
  k = 3;
  EXPECT_EQ(m->update(&k, &v, kBpfAny), -E2BIG);  // full
  k = 1;
  EXPECT_EQ(m->update(&k, &v, kBpfAny), 0);  // replacing works when full
  EXPECT_EQ(m->erase(&k), 0);
  EXPECT_EQ(m->erase(&k), -ENOENT);
  EXPECT_EQ(m->lookup(&k), nullptr);
  k = 3;
  EXPECT_EQ(m->update(&k, &v, kBpfAny), 0);  // room again
}

TEST(HashMap, NoPreallocGrowsToMaxEntries) {
  auto m = make(MapType::Hash, 4, 4, 1000, kMapFNoPrealloc);
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(m->update(&i, &i, 0), 0) << i;
  uint32_t k = 5000;
  EXPECT_EQ(m->update(&k, &k, 0), -E2BIG);
}

TEST(HashMap, GetNextKeyVisitsAllOnceAndRestartsOnMissing) {
  auto m = make(MapType::Hash, 4, 4, 64);
  for (uint32_t i = 0; i < 50; ++i) ASSERT_EQ(m->update(&i, &i, 0), 0);
  std::set<uint32_t> seen;
  uint32_t cur, next;
  bool first = true;
  while (m->get_next_key(first ? nullptr : &cur, &next)) {
    EXPECT_TRUE(seen.insert(next).second);
    cur = next;
    first = false;
  }
  EXPECT_EQ(seen.size(), 50u);
  uint32_t missing = 777, a, b;
  ASSERT_TRUE(m->get_next_key(&missing, &a));
  ASSERT_TRUE(m->get_next_key(nullptr, &b));
  EXPECT_EQ(a, b);
}

TEST(HashMap, BatchLookupAndDelete) {
  auto m = make(MapType::Hash, 4, 4, 64);
  for (uint32_t i = 0; i < 40; ++i) ASSERT_EQ(m->update(&i, &i, 0), 0);
  std::vector<uint32_t> keys(16), vals(16);
  uint32_t token = 0, count = 16, total = 0;
  long rc = m->lookup_batch(nullptr, &token, keys.data(), vals.data(), &count);
  std::set<uint32_t> seen;
  for (;;) {
    for (uint32_t i = 0; i < count; ++i) {
      EXPECT_EQ(keys[i], vals[i]);
      seen.insert(keys[i]);
    }
    total += count;
    if (rc == -ENOENT) break;
    ASSERT_EQ(rc, 0);
    count = 16;
    uint32_t in = token;
    rc = m->lookup_batch(&in, &token, keys.data(), vals.data(), &count);
  }
  EXPECT_EQ(total, 40u);
  EXPECT_EQ(seen.size(), 40u);
  count = 64;
  std::vector<uint32_t> k2(64), v2(64);
  EXPECT_EQ(m->lookup_and_delete_batch(nullptr, &token, k2.data(), v2.data(), &count), -ENOENT);
  EXPECT_EQ(count, 40u);
  uint32_t any;
  EXPECT_FALSE(m->get_next_key(nullptr, &any));
  std::vector<uint32_t> del = {1, 2};
  count = 2;
  ASSERT_EQ(m->update(&del[0], &del[0], 0), 0);
  EXPECT_EQ(m->delete_batch(del.data(), &count), -ENOENT);
  EXPECT_EQ(count, 1u);
}

TEST(HashMap, LookupAndDeleteAndForEach) {
  auto m = make(MapType::Hash, 8, 8, 8);
  for (uint64_t i = 0; i < 5; ++i) ASSERT_EQ(m->update(&i, &i, 0), 0);
  uint64_t k = 3, v = 0;
  EXPECT_EQ(m->host_lookup_and_delete(&k, &v), 0);
  EXPECT_EQ(v, 3u);
  EXPECT_EQ(m->host_lookup_and_delete(&k, &v), -ENOENT);
  uint64_t sum = 0;
  long n = m->for_each([&](const void* key, void* val) {
    sum += *static_cast<const uint64_t*>(key) + *static_cast<uint64_t*>(val);
    return true;
  });
  EXPECT_EQ(n, 4);
  EXPECT_EQ(sum, 2u * (0 + 1 + 2 + 4));
  n = m->for_each([&](const void*, void*) { return false; });
  EXPECT_EQ(n, 1);
}

TEST(HashMap, PercpuValuesPerThreadAndHostView) {
  auto m = make(MapType::PercpuHash, 4, 4, 4);
  const uint32_t n = possible_cpus();
  uint32_t k = 1, v = 9;
  EXPECT_EQ(m->update(&k, &v, 0), 0);
  std::vector<uint64_t> all(n, 77);
  ASSERT_EQ(m->host_lookup(&k, all.data(), 0), 0);
  for (uint32_t c = 0; c < n; ++c) EXPECT_EQ(all[c], c == current_cpu() ? 9u : 0u);
  for (uint32_t c = 0; c < n; ++c) all[c] = c + 1;
  ASSERT_EQ(m->host_update(&k, all.data(), kBpfExist), 0);
  for (uint32_t c = 0; c < n; ++c) EXPECT_EQ(*static_cast<uint32_t*>(m->lookup_percpu(&k, c)), c + 1);
  EXPECT_EQ(*static_cast<uint32_t*>(m->lookup(&k)), current_cpu() + 1);
}

TEST(LruHash, EvictsLeastRecentlyUsed) {
  auto m = make(MapType::LruHash, 4, 4, 8);
  for (uint32_t i = 0; i < 8; ++i) ASSERT_EQ(m->update(&i, &i, 0), 0);
  // Touch keys 0..3: they get their reference bit and survive.
  for (uint32_t i = 0; i < 4; ++i) ASSERT_NE(m->lookup(&i), nullptr);
  for (uint32_t i = 100; i < 104; ++i) ASSERT_EQ(m->update(&i, &i, 0), 0);  // never -E2BIG
  for (uint32_t i = 0; i < 4; ++i) EXPECT_NE(m->lookup(&i), nullptr) << i;
  for (uint32_t i = 4; i < 8; ++i) EXPECT_EQ(m->lookup(&i), nullptr) << i;
  for (uint32_t i = 100; i < 104; ++i) EXPECT_NE(m->lookup(&i), nullptr) << i;
  uint32_t k = 100;
  EXPECT_EQ(m->update(&k, &k, kBpfNoExist), -EEXIST);
  k = 555;
  EXPECT_EQ(m->update(&k, &k, kBpfExist), -ENOENT);
}

TEST(LruHash, PercpuUpdateInPlace) {
  auto m = make(MapType::LruPercpuHash, 4, 8, 4);
  uint32_t k = 1;
  uint64_t v = 3;
  ASSERT_EQ(m->update(&k, &v, 0), 0);
  v = 4;
  ASSERT_EQ(m->update(&k, &v, kBpfExist), 0);
  EXPECT_EQ(*static_cast<uint64_t*>(m->lookup(&k)), 4u);
}

// Several threads insert, replace, look up and delete overlapping keys.
void hammer(MapType type, uint32_t max_entries) {
  auto m = make(type, 8, 16, max_entries);
  std::atomic<bool> bad{false};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (uint64_t i = 0; i < 30000; ++i) {
        uint64_t k = (i * 7 + uint64_t(t)) % 256;
        uint64_t v[2] = {k, k};
        long rc = m->update(&k, v, 0);
        if (rc != 0 && rc != -E2BIG && rc != -ENOMEM) bad = true;
        if (auto* p = static_cast<uint64_t*>(m->lookup(&k)); p && (p[0] % 256) != p[0]) bad = true;
        if (i % 3 == 0) {
          rc = m->erase(&k);
          if (rc != 0 && rc != -ENOENT) bad = true;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_FALSE(bad.load());
  // Everything left is consistent: each key maps to itself.
  uint64_t cur, next;
  bool first = true;
  size_t n = 0;
  const bool percpu = type == MapType::PercpuHash;
  std::vector<uint64_t> v(m->host_value_size() / 8);
  while (m->get_next_key(first ? nullptr : &cur, &next)) {
    ASSERT_EQ(m->host_lookup(&next, v.data(), 0), 0);
    EXPECT_TRUE(v[0] == next || (percpu && v[0] == 0)) << v[0] << " for key " << next;
    cur = next;
    first = false;
    ++n;
  }
  EXPECT_LE(n, max_entries);
}

TEST(HashMap, ConcurrentHammer) { hammer(MapType::Hash, 128); }
TEST(LruHash, ConcurrentHammer) { hammer(MapType::LruHash, 64); }
TEST(HashMap, PercpuConcurrentHammer) { hammer(MapType::PercpuHash, 128); }

}  // namespace
}  // namespace decade::test
