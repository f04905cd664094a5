// SPDX-License-Identifier: Apache-2.0
// Maps used by several threads at once: lock-free hash lookups racing with
// deletes and reuse, LRU eviction at capacity, batch operations, and a ring
// buffer consumer blocked on its epoll fd until a producer thread submits.
#include <poll.h>

#include <atomic>
#include <thread>
#include <vector>

#include "runtime/maps/ringbuf.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

// Keys 0..15 stay in the map while other threads insert and delete keys of
// the same buckets (elements are reused across buckets): a lookup of a
// stable key must never miss and must see the key's own value.
void stable_keys_survive_churn(MapType type) {
  auto m = make(type, 8, 8, 256);
  ASSERT_NE(m, nullptr);
  for (uint64_t k = 0; k < 16; ++k) ASSERT_EQ(m->update(&k, &k, 0), 0);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> misses{0}, wrong{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t) {
    ts.emplace_back([&, t] {
      for (uint64_t i = 0; i < 40000; ++i) {
        uint64_t k = 1000 + (i * 2 + uint64_t(t)) % 96;
        (void)m->update(&k, &k, 0);
        (void)m->erase(&k);
      }
      stop = true;
    });
  }
  ts.emplace_back([&] {
    for (uint64_t i = 0; !stop; ++i) {
      uint64_t k = i % 16;
      auto* v = static_cast<uint64_t*>(m->lookup(&k));
      if (!v) ++misses;
      else if (type != MapType::PercpuHash && *v != k) ++wrong;
    }
  });
  for (auto& t : ts) t.join();
  EXPECT_EQ(misses.load(), 0u);
  EXPECT_EQ(wrong.load(), 0u);
}

TEST(HashConcurrency, LockFreeLookupsNeverMissStableKeys) { stable_keys_survive_churn(MapType::Hash); }
TEST(HashConcurrency, LruLookupsNeverMissStableKeys) { stable_keys_survive_churn(MapType::LruHash); }
TEST(HashConcurrency, PercpuLookupsNeverMissStableKeys) { stable_keys_survive_churn(MapType::PercpuHash); }

size_t count_keys(Map& m) {
  uint32_t cur = 0, next = 0;
  size_t n = 0;
  for (bool first = true; m.get_next_key(first ? nullptr : &cur, &next); first = false) {
    cur = next;
    ++n;
  }
  return n;
}

TEST(LruHash, FullMapEvictsAtCapacityAndKeepsTheHotKey) {
  auto m = make(MapType::LruHash, 4, 4, 32);
  uint32_t hot = 7;
  ASSERT_EQ(m->update(&hot, &hot, 0), 0);
  for (uint32_t k = 100; k < 400; ++k) {
    ASSERT_EQ(m->update(&k, &k, 0), 0) << k;  // never -E2BIG: the oldest key makes room
    ASSERT_NE(m->lookup(&hot), nullptr) << k;  // referenced on every round: never the victim
  }
  EXPECT_EQ(count_keys(*m), 32u);
  uint32_t old = 100;
  EXPECT_EQ(m->lookup(&old), nullptr);
  uint32_t newest = 399;
  EXPECT_NE(m->lookup(&newest), nullptr);
  EXPECT_EQ(m->update(&hot, &hot, kBpfNoExist), -EEXIST);
}

TEST(Batch, ArrayUpdateLookupAndDelete) {
  auto m = make(MapType::Array, 4, 8, 10);
  std::vector<uint32_t> keys = {0, 3, 9, 10};
  std::vector<uint64_t> vals = {5, 6, 7, 8};
  uint32_t count = 4;
  EXPECT_EQ(m->update_batch(keys.data(), vals.data(), &count, 0), -E2BIG);  // key 10 is out of range
  EXPECT_EQ(count, 3u);
  std::vector<uint32_t> ko(16);
  std::vector<uint64_t> vo(16);
  uint32_t token = 0;
  count = 16;
  EXPECT_EQ(m->lookup_batch(nullptr, &token, ko.data(), vo.data(), &count), -ENOENT);  // walked to the end
  ASSERT_EQ(count, 10u);
  EXPECT_EQ(vo[0], 5u);
  EXPECT_EQ(vo[3], 6u);
  EXPECT_EQ(vo[9], 7u);
  EXPECT_EQ(vo[1], 0u);
  count = 1;
  EXPECT_EQ(m->delete_batch(keys.data(), &count), -EINVAL);  // array elements cannot be deleted
  EXPECT_EQ(count, 0u);
}

TEST(Ringbuf, ConsumerBlockedOnEpollIsWokenByAProducerThread) {
  auto m = make(MapType::Ringbuf, 0, 0, 4096);
  RingBufMap* rb = as_ringbuf(m.get());
  RingBufferConsumer c;
  uint64_t got = 0;
  ASSERT_TRUE(c.add(m.get(), [&](std::span<const uint8_t> s) {
    std::memcpy(&got, s.data(), 8);
    return 0;
  }));
  pollfd p{c.epoll_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);  // nothing yet
  std::thread producer([&] {
    uint64_t v = 42;
    EXPECT_EQ(rb->output(&v, 8, 0), 0);
  });
  // Bounded wait (the producer runs at once); 0 records would mean a lost wakeup.
  long n = c.poll(10000);
  producer.join();
  EXPECT_EQ(n, 1);
  EXPECT_EQ(got, 42u);
  EXPECT_EQ(c.consume(), 0);
}

}  // namespace
}  // namespace decade::test
