// SPDX-License-Identifier: Apache-2.0
// LPM trie prefix rules, queue/stack order and overwrite, bloom filter.
#include <vector>

#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

struct V4Key {
  uint32_t prefixlen;
  uint8_t addr[4];
};

V4Key key(uint32_t len, uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {len, {a, b, c, d}}; }

TEST(LpmTrie, LongestPrefixWins) {
  auto m = make(MapType::LpmTrie, 8, 4, 16, kMapFNoPrealloc);
  auto k8 = key(8, 10, 0, 0, 0), k16 = key(16, 10, 1, 0, 0), k24 = key(24, 10, 1, 2, 0), k0 = key(0, 0, 0, 0, 0);
  uint32_t v8 = 8, v16 = 16, v24 = 24, v0 = 100;
  ASSERT_EQ(m->update(&k8, &v8, 0), 0);
  ASSERT_EQ(m->update(&k16, &v16, 0), 0);
  ASSERT_EQ(m->update(&k24, &v24, 0), 0);
  auto probe = [&](uint8_t a, uint8_t b, uint8_t c, uint8_t d) -> uint32_t {
    auto q = key(32, a, b, c, d);
    auto* v = static_cast<uint32_t*>(m->lookup(&q));
    return v ? *v : 0;
  };
  EXPECT_EQ(probe(10, 1, 2, 3), 24u);
  EXPECT_EQ(probe(10, 1, 3, 3), 16u);
  EXPECT_EQ(probe(10, 2, 3, 3), 8u);
  EXPECT_EQ(probe(11, 1, 2, 3), 0u);
  ASSERT_EQ(m->update(&k0, &v0, 0), 0);  // default route
  EXPECT_EQ(probe(11, 1, 2, 3), 100u);
  // A lookup key's own prefix length bounds the match.
  auto q = key(20, 10, 1, 2, 3);
  EXPECT_EQ(*static_cast<uint32_t*>(m->lookup(&q)), 16u);
  // Host bits past the prefix are ignored when matching exact entries.
  auto k16b = key(16, 10, 1, 99, 99);
  EXPECT_EQ(m->update(&k16b, &v16, kBpfNoExist), -EEXIST);
  ASSERT_EQ(m->erase(&k24), 0);
  EXPECT_EQ(m->erase(&k24), -ENOENT);
  EXPECT_EQ(probe(10, 1, 2, 3), 16u);
  auto bad = key(33, 0, 0, 0, 0);
  EXPECT_EQ(m->update(&bad, &v8, 0), -EINVAL);
  EXPECT_EQ(m->update(&k8, &v8, 7), -EINVAL);
}

TEST(LpmTrie, CapacityAndNextKeyOrder) {
  auto m = make(MapType::LpmTrie, 8, 4, 3, kMapFNoPrealloc);
  auto a = key(8, 10, 0, 0, 0), b = key(16, 10, 1, 0, 0), c = key(8, 192, 0, 0, 0), d = key(8, 11, 0, 0, 0);
  uint32_t v = 1;
  ASSERT_EQ(m->update(&a, &v, 0), 0);
  ASSERT_EQ(m->update(&b, &v, 0), 0);
  ASSERT_EQ(m->update(&c, &v, 0), 0);
  EXPECT_EQ(m->update(&d, &v, 0), -ENOSPC);
  // Post-order: the more specific 10.1/16 comes before 10/8; 10/8 before 192/8.
  V4Key k{};
  ASSERT_TRUE(m->get_next_key(nullptr, &k));
  EXPECT_EQ(k.prefixlen, 16u);
  ASSERT_TRUE(m->get_next_key(&k, &k));
  EXPECT_EQ(k.prefixlen, 8u);
  EXPECT_EQ(k.addr[0], 10);
  ASSERT_TRUE(m->get_next_key(&k, &k));
  EXPECT_EQ(k.addr[0], 192);
  EXPECT_FALSE(m->get_next_key(&k, &k));
}

TEST(QueueStack, QueueFifoAndOverwrite) {
  auto q = make(MapType::Queue, 0, 4, 3);
  uint32_t v;
  EXPECT_EQ(q->pop(&v), -ENOENT);
  EXPECT_EQ(q->peek(&v), -ENOENT);
  for (uint32_t i = 1; i <= 3; ++i) ASSERT_EQ(q->push(&i, 0), 0);
  uint32_t four = 4;
  EXPECT_EQ(q->push(&four, 0), -E2BIG);
  EXPECT_EQ(q->push(&four, kBpfExist), 0);  // drops the oldest (1)
  EXPECT_EQ(q->push(&four, kBpfNoExist), -EINVAL);
  ASSERT_EQ(q->peek(&v), 0);
  EXPECT_EQ(v, 2u);
  for (uint32_t want : {2u, 3u, 4u}) {
    ASSERT_EQ(q->pop(&v), 0);
    EXPECT_EQ(v, want);
  }
  EXPECT_EQ(q->host_lookup_and_delete(nullptr, &v), -ENOENT);
  ASSERT_EQ(q->host_update(nullptr, &four, 0), 0);
  ASSERT_EQ(q->host_lookup(nullptr, &v, 0), 0);
  EXPECT_EQ(v, 4u);
  EXPECT_EQ(q->lookup(&v), nullptr);
  EXPECT_EQ(q->update(nullptr, &v, 0), -EINVAL);
}

TEST(QueueStack, StackLifoAndOverwrite) {
  auto s = make(MapType::Stack, 0, 4, 2);
  uint32_t a = 1, b = 2, c = 3, v;
  ASSERT_EQ(s->push(&a, 0), 0);
  ASSERT_EQ(s->push(&b, 0), 0);
  EXPECT_EQ(s->push(&c, 0), -E2BIG);
  ASSERT_EQ(s->push(&c, kBpfExist), 0);  // the oldest (1) is dropped
  ASSERT_EQ(s->pop(&v), 0);
  EXPECT_EQ(v, 3u);
  ASSERT_EQ(s->pop(&v), 0);
  EXPECT_EQ(v, 2u);
  EXPECT_EQ(s->pop(&v), -ENOENT);
}

TEST(BloomFilter, NoFalseNegativesFewFalsePositives) {
  auto m = make(MapType::BloomFilter, 0, 8, 1000);
  for (uint64_t i = 0; i < 1000; ++i) ASSERT_EQ(m->push(&i, 0), 0);
  for (uint64_t i = 0; i < 1000; ++i) EXPECT_EQ(m->peek(&i), 0) << i;
  int fp = 0;
  for (uint64_t i = 1000000; i < 1010000; ++i) fp += m->peek(&i) == 0;
  EXPECT_LT(fp, 500);  // ~1% expected with 5 hashes at this sizing
  uint64_t x = 1;
  EXPECT_EQ(m->push(&x, kBpfExist), -EINVAL);
  EXPECT_EQ(m->pop(&x), -EOPNOTSUPP);
  EXPECT_EQ(m->erase(&x), -EOPNOTSUPP);
}

}  // namespace
}  // namespace decade::test
