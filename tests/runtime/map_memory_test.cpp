// SPDX-License-Identifier: Apache-2.0
// Map memory accounting (issue 11, point 7): definitions over the limits fail
// before anything is allocated, lazily allocated maps charge the object's
// budget as they grow, and an allocation failure is an error, never an
// exception.
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <memory>

#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct HugeCase {
  const char* name;
  MapType type;
  uint32_t key, value, max, flags;
};

// The cases: a 2^31-entry hash of every kind (std::bad_alloc and an
// abort before), a 2^31-slot prog_array (16 GiB committed), a preallocated
// 2^26-entry hash (4.2 GB).
const HugeCase kHuge[] = {
    {"hash", MapType::Hash, 4, 8, 1u << 31, 0},
    {"hash_no_prealloc", MapType::Hash, 4, 8, 1u << 31, kMapFNoPrealloc},
    {"lru_hash", MapType::LruHash, 4, 8, 1u << 31, 0},
    {"percpu_hash", MapType::PercpuHash, 4, 8, 1u << 31, 0},
    {"lru_percpu_hash", MapType::LruPercpuHash, 4, 8, 1u << 31, 0},
    {"prog_array", MapType::ProgArray, 4, 4, 1u << 31, 0},
    {"prealloc_hash_2_26", MapType::Hash, 4, 8, 1u << 26, 0},
    {"array", MapType::Array, 4, 64, 1u << 28, 0},
    {"lpm", MapType::LpmTrie, 8, 8, 1u << 31, kMapFNoPrealloc},
    {"arena", MapType::Arena, 0, 0, 1u << 20, kMapFMmapable},
};

TEST(MapMemory, HugeDefinitionsFailQuicklyWithoutAllocating) {
  for (const HugeCase& c : kHuge) {
    SCOPED_TRACE(c.name);
    const long rss = max_rss_kib();
    const auto t0 = std::chrono::steady_clock::now();
    auto m = create_map(def(c.type, c.key, c.value, c.max, c.flags));
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, ErrorCode::MapMemoryLimit);
    EXPECT_LT(ms, 100);
    EXPECT_LT(max_rss_kib() - rss, 16 * 1024);  // under 16 MiB more than before
  }
}

TEST(MapMemory, FootprintSaturatesInsteadOfWrapping) {
  MapDef d = def(MapType::PercpuHash, 512, 32 << 10, 1u << 31);
  const MapFootprint fp = map_footprint(d);
  EXPECT_GE(fp.most, uint64_t{1u << 31} * (32 << 10));
  EXPECT_EQ(fp.upfront, fp.most);
  d.map_flags = kMapFNoPrealloc;
  EXPECT_LT(map_footprint(d).upfront, map_footprint(d).most);
}

TEST(MapMemory, ObjectBudgetBoundsCreationAndIsGivenBack) {
  auto budget = std::make_shared<MemoryBudget>(1 << 20);
  MapLimits limits{kDefaultMapMemoryLimit, budget};
  auto a = create_map(def(MapType::Array, 4, 8, 64 * 1024), limits);  // 512 KiB
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(budget->used(), (*a)->charged_bytes());
  auto b = create_map(def(MapType::Array, 4, 8, 96 * 1024), limits);  // 768 KiB more: over 1 MiB
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::MapMemoryLimit);
  a->reset();
  EXPECT_EQ(budget->used(), 0u);
  EXPECT_TRUE(create_map(def(MapType::Array, 4, 8, 96 * 1024), limits));
}

// BPF_F_NO_PREALLOC: elements are charged as the pool grows; past the budget
// an update is -ENOMEM, and what was charged comes back with the map.
TEST(MapMemory, NoPreallocHashChargesAsItGrows) {
  auto budget = std::make_shared<MemoryBudget>(4 << 20);
  auto m = create_map(def(MapType::Hash, 4, 8, 1u << 16, kMapFNoPrealloc), {kDefaultMapMemoryLimit, budget});
  ASSERT_TRUE(m) << m.error().to_string();
  const uint64_t at_create = budget->used();
  EXPECT_LT(at_create, uint64_t{4} << 20);
  uint64_t v = 1;
  uint32_t k = 0;
  long rc = 0;
  for (; k < (1u << 16) && rc == 0; ++k) rc = (*m)->update(&k, &v, kBpfAny);
  EXPECT_EQ(rc, -ENOMEM);
  EXPECT_GT(k, 1000u);
  EXPECT_LE(budget->used(), uint64_t{4} << 20);
  EXPECT_GT(budget->used(), at_create);
  m->reset();
  EXPECT_EQ(budget->used(), 0u);
}

TEST(MapMemory, LpmTrieChargesAsItGrows) {
  auto budget = std::make_shared<MemoryBudget>(256 << 10);
  auto m = create_map(def(MapType::LpmTrie, 8, 8, 1u << 20, kMapFNoPrealloc), {kDefaultMapMemoryLimit, budget});
  ASSERT_TRUE(m) << m.error().to_string();
  uint8_t key[8] = {32, 0, 0, 0};
  uint64_t v = 1;
  long rc = 0;
  uint32_t i = 0;
  for (; i < (1u << 20) && rc == 0; ++i) {
    std::memcpy(key + 4, &i, 4);
    rc = (*m)->update(key, &v, kBpfAny);
  }
  EXPECT_EQ(rc, -ENOMEM);
  EXPECT_GT(i, 256u);
  EXPECT_LE(budget->used(), uint64_t{256} << 10);
}

// Without limits the host's own allocator decides: under a small address
// space the hash map's buckets cannot be allocated, and creation reports
// OutOfMemory instead of letting std::bad_alloc end the process.
// Exits 0 when creating a large hash map under a 512 MiB address space ends
// in OutOfMemory.
void create_under_small_address_space() {
  rlimit lim{512u << 20, 512u << 20};
  setrlimit(RLIMIT_AS, &lim);
  auto m = create_map(def(MapType::Hash, 4, 8, 1u << 27), {UINT64_MAX, nullptr});
  std::exit(!m && m.error().code == ErrorCode::OutOfMemory ? 0 : 1);
}

TEST(MapMemoryDeathTest, AllocationFailureIsAnError) {
  EXPECT_EXIT(create_under_small_address_space(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace decade::test
