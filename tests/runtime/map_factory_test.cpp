// SPDX-License-Identifier: Apache-2.0
// create_map rejects what the kernel's map_create rejects, with the right code.
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

ErrorCode create_error(const MapDef& d) {
  auto m = create_map(d);
  return m ? ErrorCode::Ok : m.error().code;
}

TEST(MapFactory, ArrayRules) {
  EXPECT_EQ(create_error(def(MapType::Array, 4, 8, 1)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::Array, 8, 8, 1)), ErrorCode::MapBadKeySize);
  EXPECT_EQ(create_error(def(MapType::Array, 4, 0, 1)), ErrorCode::MapBadValueSize);
  EXPECT_EQ(create_error(def(MapType::Array, 4, 8, 0)), ErrorCode::MapBadMaxEntries);
  EXPECT_EQ(create_error(def(MapType::Array, 4, 8, 1, kMapFNoPrealloc)), ErrorCode::MapBadFlags);
  EXPECT_EQ(create_error(def(MapType::Array, 4, 8, 1, kMapFRdonly | kMapFWronly)), ErrorCode::MapBadFlags);
  EXPECT_EQ(create_error(def(MapType::PercpuArray, 4, 8, 1, kMapFMmapable)), ErrorCode::MapBadFlags);
  EXPECT_EQ(create_error(def(MapType::PercpuArray, 4, 40000, 1)), ErrorCode::MapBadValueSize);
}

TEST(MapFactory, HashRules) {
  EXPECT_EQ(create_error(def(MapType::Hash, 4, 8, 16)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::Hash, 0, 8, 16)), ErrorCode::MapBadKeySize);
  EXPECT_EQ(create_error(def(MapType::Hash, 513, 8, 16)), ErrorCode::MapBadKeySize);
  EXPECT_EQ(create_error(def(MapType::Hash, 4, 0, 16)), ErrorCode::MapBadValueSize);
  EXPECT_EQ(create_error(def(MapType::Hash, 4, 8, 0)), ErrorCode::MapBadMaxEntries);
  EXPECT_EQ(create_error(def(MapType::Hash, 4, 8, 16, kMapFNoCommonLru)), ErrorCode::MapBadFlags);
  EXPECT_EQ(create_error(def(MapType::LruHash, 4, 8, 16, kMapFNoPrealloc)), ErrorCode::MapBadFlags);
  EXPECT_EQ(create_error(def(MapType::LruHash, 4, 8, 16, kMapFNoCommonLru)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::Hash, 4, 8, 16, kMapFMmapable)), ErrorCode::MapBadFlags);
}

// The kernel's map_check_btf: no lock in a per-CPU value (each CPU's is its
// own; the host copies them word by word, without a lock word to skip).
TEST(MapFactory, PerCpuValuesHoldNoLock) {
  for (const MapType t : {MapType::PercpuArray, MapType::PercpuHash, MapType::LruPercpuHash}) {
    MapDef d = def(t, 4, 16, 4);
    d.spin_lock_off = 0;
    EXPECT_EQ(create_error(d), ErrorCode::MapBadType) << static_cast<int>(t);
    d.spin_lock_off = -1;
    d.res_lock_off = 8;
    EXPECT_EQ(create_error(d), ErrorCode::MapBadType) << static_cast<int>(t);
  }
  MapDef d = def(MapType::Array, 4, 16, 4);
  d.spin_lock_off = 0;
  EXPECT_EQ(create_error(d), ErrorCode::Ok);
}

// Host copies of per-CPU values of a size that is no multiple of 8: every
// CPU's bytes round-trip and the slot's padding reads back as zeros.
TEST(MapFactory, PerCpuHostCopiesKeepOddSizes) {
  auto m = create_map(def(MapType::PercpuArray, 4, 12, 2));
  ASSERT_TRUE(m.has_value());
  const uint32_t n = (*m)->host_value_size();
  std::vector<uint8_t> in(n, 0xee), out(n, 0x11);
  for (uint32_t cpu = 0; cpu * 16 < n; ++cpu)
    for (uint32_t b = 0; b < 12; ++b) in[cpu * 16 + b] = static_cast<uint8_t>(cpu * 16 + b);
  const uint32_t key = 1;
  ASSERT_EQ((*m)->host_update(&key, in.data(), 0), 0);
  ASSERT_EQ((*m)->host_lookup(&key, out.data(), 0), 0);
  for (uint32_t i = 0; i < n; ++i) EXPECT_EQ(out[i], i % 16 < 12 ? in[i] : 0) << i;
}

TEST(MapFactory, KeylessAndSpecialRules) {
  EXPECT_EQ(create_error(def(MapType::Queue, 4, 8, 16)), ErrorCode::MapBadKeySize);
  EXPECT_EQ(create_error(def(MapType::Stack, 0, 8, 16)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::BloomFilter, 0, 8, 16)), ErrorCode::Ok);
  MapDef bloom = def(MapType::BloomFilter, 0, 8, 16);
  bloom.map_extra = 16;
  EXPECT_EQ(create_error(bloom), ErrorCode::InvalidArgument);
  EXPECT_EQ(create_error(def(MapType::Ringbuf, 0, 0, 4096)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::Ringbuf, 0, 0, 4096 * 3)), ErrorCode::MapBadMaxEntries);
  EXPECT_EQ(create_error(def(MapType::Ringbuf, 0, 0, 1024)), ErrorCode::MapBadMaxEntries);
  EXPECT_EQ(create_error(def(MapType::Ringbuf, 4, 0, 4096)), ErrorCode::MapBadKeySize);
  EXPECT_EQ(create_error(def(MapType::LpmTrie, 8, 8, 16)), ErrorCode::MapBadFlags);  // needs NO_PREALLOC
  EXPECT_EQ(create_error(def(MapType::LpmTrie, 4, 8, 16, kMapFNoPrealloc)), ErrorCode::MapBadKeySize);
  EXPECT_EQ(create_error(def(MapType::LpmTrie, 8, 8, 16, kMapFNoPrealloc)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::Arena, 0, 0, 4)), ErrorCode::MapBadFlags);  // needs MMAPABLE
  EXPECT_EQ(create_error(def(MapType::Arena, 0, 0, 4, kMapFMmapable)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::ProgArray, 4, 8, 4)), ErrorCode::MapBadValueSize);
  EXPECT_EQ(create_error(def(MapType::ArrayOfMaps, 4, 4, 4)), ErrorCode::MapBadInner);
  EXPECT_EQ(create_error(def(MapType::PerfEventArray, 4, 4, 4)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(static_cast<MapType>(32), 4, 8, 0)), ErrorCode::MapBadType);  // cgrp_storage
  EXPECT_EQ(create_error(def(static_cast<MapType>(99), 4, 4, 4)), ErrorCode::MapBadType);
}

TEST(MapFactory, SpinLockOffsetChecked) {
  MapDef d = def(MapType::Hash, 4, 16, 4);
  d.spin_lock_off = 14;  // past the value
  EXPECT_EQ(create_error(d), ErrorCode::MapBadValueSize);
  d.spin_lock_off = 2;  // misaligned
  EXPECT_EQ(create_error(d), ErrorCode::MapBadValueSize);
  d.spin_lock_off = 12;
  EXPECT_EQ(create_error(d), ErrorCode::Ok);
}

}  // namespace
}  // namespace decade::test
