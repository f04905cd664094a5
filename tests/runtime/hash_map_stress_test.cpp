// SPDX-License-Identifier: Apache-2.0
// Hash and LRU maps under several threads: per-CPU free lists (an element is
// never lost or handed out twice, a CPU whose list is empty takes another
// CPU's free elements before an LRU map evicts), the CLOCK eviction of LRU
// maps at capacity, and BPF_NOEXIST / BPF_EXIST deciding atomically.
#include <atomic>
#include <functional>
#include <set>
#include <thread>
#include <vector>

#include "runtime/cpu.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

constexpr int kThreads = 4;

// Every key in the map, by get_next_key; each must look up to its own value.
std::set<uint64_t> keys_checked(Map& m) {
  std::set<uint64_t> keys;
  uint64_t cur = 0, next = 0;
  std::vector<uint64_t> v(m.host_value_size() / 8);
  for (bool first = true; m.get_next_key(first ? nullptr : &cur, &next); first = false) {
    EXPECT_TRUE(keys.insert(next).second) << "key " << next << " listed twice";
    EXPECT_EQ(m.host_lookup(&next, v.data(), 0), 0);
    EXPECT_EQ(v[0], next) << "value of key " << next;
    cur = next;
  }
  return keys;
}

void run_threads(int n, const std::function<void(int)>& body) {
  std::vector<std::thread> ts;
  for (int t = 0; t < n; ++t) ts.emplace_back(body, t);
  for (auto& t : ts) t.join();
}

// After any concurrent history that ends with every key deleted, the map
// holds exactly max_entries keys again: no element was lost from the free
// lists or put on two of them (a duplicate would show as two keys sharing
// one value slot).
void refill_exactly(Map& m, uint32_t max_entries, bool lru) {
  for (uint64_t k = 1'000'000; k < 1'000'000 + max_entries; ++k) ASSERT_EQ(m.update(&k, &k, kBpfNoExist), 0) << k;
  uint64_t extra = 5'000'000;
  EXPECT_EQ(m.update(&extra, &extra, kBpfNoExist), lru ? 0 : -E2BIG);
  EXPECT_EQ(keys_checked(m).size(), max_entries);
}

// Threads update, replace, look up and delete the same keys; afterwards
// the map is consistent, within max_entries, and refills exactly.
void churn_then_refill(MapType type) {
  constexpr uint32_t kMax = 64;
  const bool lru = type == MapType::LruHash;
  auto m = make(type, 8, 8, kMax);
  ASSERT_NE(m, nullptr);
  std::atomic<uint64_t> bad{0};
  run_threads(kThreads, [&](int t) {
    for (uint64_t i = 0; i < 20000; ++i) {
      uint64_t k = (i * 13 + uint64_t(t) * 5) % 96;  // more keys than entries: E2BIG or eviction
      long rc = m->update(&k, &k, 0);
      if (rc != 0 && !(rc == -E2BIG && !lru)) ++bad;
      if (auto* v = static_cast<uint64_t*>(m->lookup(&k)); v && *v >= 96) ++bad;
      if (i % 4 == 0 && (rc = m->erase(&k)) != 0 && rc != -ENOENT) ++bad;
    }
  });
  EXPECT_EQ(bad.load(), 0u);
  std::set<uint64_t> left = keys_checked(*m);
  EXPECT_LE(left.size(), kMax);
  for (uint64_t k : left) ASSERT_EQ(m->erase(&k), 0) << k;
  refill_exactly(*m, kMax, lru);
}

TEST(HashMapStress, ChurnKeepsEveryElement) { churn_then_refill(MapType::Hash); }
TEST(LruHashStress, ChurnKeepsEveryElement) { churn_then_refill(MapType::LruHash); }

// Threads race to insert the same keys with BPF_NOEXIST: each key is won
// exactly once, and the stored value is the winner's. With room to spare an
// LRU map evicts nothing, so the same holds there.
void noexist_has_one_winner(MapType type) {
  constexpr uint64_t kKeys = 512;
  auto m = make(type, 8, 8, 2 * kKeys);
  ASSERT_NE(m, nullptr);
  std::vector<std::atomic<uint32_t>> wins(kKeys);
  std::vector<std::atomic<uint64_t>> winner(kKeys);
  std::atomic<uint64_t> bad{0};
  run_threads(kThreads, [&](int t) {
    for (uint64_t i = 0; i < kKeys; ++i) {
      uint64_t k = (i + uint64_t(t) * 37) % kKeys;
      uint64_t v = k + (uint64_t(t) << 32);
      long rc = m->update(&k, &v, kBpfNoExist);
      if (rc == 0) {
        wins[k].fetch_add(1);
        winner[k].store(v);
      } else if (rc != -EEXIST) {
        ++bad;
      }
    }
  });
  EXPECT_EQ(bad.load(), 0u);
  for (uint64_t k = 0; k < kKeys; ++k) {
    ASSERT_EQ(wins[k].load(), 1u) << "key " << k;
    auto* v = static_cast<uint64_t*>(m->lookup(&k));
    ASSERT_NE(v, nullptr) << k;
    EXPECT_EQ(*v, winner[k].load()) << k;
  }
}

TEST(HashMapStress, NoExistHasOneWinnerPerKey) { noexist_has_one_winner(MapType::Hash); }
TEST(LruHashStress, NoExistHasOneWinnerPerKey) { noexist_has_one_winner(MapType::LruHash); }

// BPF_EXIST never creates a key and always finds one that stays present,
// while another thread replaces the present (even) keys and a third inserts
// and deletes the odd ones.
void exist_never_creates(MapType type) {
  auto m = make(type, 8, 8, 256);
  ASSERT_NE(m, nullptr);
  for (uint64_t k = 0; k < 64; k += 2) ASSERT_EQ(m->update(&k, &k, 0), 0);
  std::atomic<uint64_t> bad{0};
  run_threads(kThreads, [&](int t) {
    for (uint64_t i = 0; i < 20000; ++i) {
      uint64_t k = (i * 3 + uint64_t(t)) % 64;
      if (t == 0) {  // the odd keys come and go, on this thread only
        k |= 1;
        if (m->update(&k, &k, kBpfAny) != 0 || m->erase(&k) != 0) ++bad;
      } else if (t == 2) {  // the even keys are replaced
        k &= ~uint64_t{1};
        if (m->update(&k, &k, kBpfAny) != 0) ++bad;
      } else {  // present keys are found, absent ones never created
        uint64_t even = k & ~uint64_t{1}, absent = 64 + k;
        if (m->update(&even, &even, kBpfExist) != 0) ++bad;
        if (m->update(&absent, &absent, kBpfExist) != -ENOENT) ++bad;
      }
    }
  });
  EXPECT_EQ(bad.load(), 0u);
  std::set<uint64_t> left = keys_checked(*m);
  EXPECT_EQ(left.size(), 32u);
  for (uint64_t k : left) EXPECT_EQ(k % 2, 0u) << k;
}

TEST(HashMapStress, ExistNeverCreatesAKey) { exist_never_creates(MapType::Hash); }
TEST(LruHashStress, ExistNeverCreatesAKey) { exist_never_creates(MapType::LruHash); }

// A full LRU map under concurrent inserts of new keys: every insert makes
// room (never an error), the map stays at max_entries, and a key every
// thread keeps looking up is never the victim.
TEST(LruHashStress, ConcurrentInsertsEvictAndKeepTheHotKey) {
  constexpr uint32_t kMax = 64;
  auto m = make(MapType::LruHash, 8, 8, kMax);
  uint64_t hot = 7;
  ASSERT_EQ(m->update(&hot, &hot, 0), 0);
  std::atomic<uint64_t> bad{0}, hot_missing{0};
  run_threads(kThreads, [&](int t) {
    for (uint64_t i = 0; i < 5000; ++i) {
      uint64_t k = 1000 + i * kThreads + uint64_t(t);
      if (m->update(&k, &k, kBpfNoExist) != 0) ++bad;
      if (!m->lookup(&hot)) ++hot_missing;
    }
  });
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_EQ(hot_missing.load(), 0u);
  std::set<uint64_t> left = keys_checked(*m);
  EXPECT_EQ(left.size(), kMax);  // inserts only: nothing sits on a free list
  EXPECT_TRUE(left.count(hot));
}

// Free elements on another CPU's list are taken before an LRU map evicts:
// one thread fills the map and deletes half, another inserts that many new
// keys, and every key of the first half is still there.
TEST(LruHashStress, TakesOtherCpusFreeElementsBeforeEvicting) {
  constexpr uint32_t kMax = 64;
  auto m = make(MapType::LruHash, 8, 8, kMax);
  (void)current_cpu();  // this thread keeps its CPU slot while the other runs
  for (uint64_t k = 0; k < kMax; ++k) ASSERT_EQ(m->update(&k, &k, 0), 0);
  for (uint64_t k = kMax / 2; k < kMax; ++k) ASSERT_EQ(m->erase(&k), 0);
  std::thread other([&] {
    for (uint64_t k = 100; k < 100 + kMax / 2; ++k) EXPECT_EQ(m->update(&k, &k, kBpfNoExist), 0);
  });
  other.join();
  std::set<uint64_t> left = keys_checked(*m);
  EXPECT_EQ(left.size(), kMax);
  for (uint64_t k = 0; k < kMax / 2; ++k) EXPECT_TRUE(left.count(k)) << k;
}

// The same for a plain hash map: its spare elements on another CPU's list
// let a thread fill the map to max_entries after another thread emptied it.
TEST(HashMapStress, AnotherThreadRefillsAfterDeletes) {
  constexpr uint32_t kMax = 100;
  auto m = make(MapType::Hash, 8, 8, kMax);
  (void)current_cpu();
  for (uint64_t k = 0; k < kMax; ++k) ASSERT_EQ(m->update(&k, &k, 0), 0);
  for (uint64_t k = 0; k < kMax; ++k) ASSERT_EQ(m->erase(&k), 0);
  std::thread other([&] { refill_exactly(*m, kMax, false); });
  other.join();
}

}  // namespace
}  // namespace decade::test
