// SPDX-License-Identifier: Apache-2.0
// Cgroup storage maps (runtime/maps/cgroup_storage.hpp): the kernel's
// creation checks, the storage a scope hands runs (fresh or the owner's),
// and the host's view of the values runs made.
#include "runtime/maps/cgroup_storage.hpp"

#include <cstring>

#include "runtime/cpu.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

ErrorCode create_error(const MapDef& d) {
  auto m = create_map(d);
  return m ? ErrorCode::Ok : m.error().code;
}

TEST(CgroupStorageMap, CreationChecks) {
  for (const MapType t : {MapType::CgroupStorage, MapType::PercpuCgroupStorage}) {
    EXPECT_EQ(create_error(def(t, 16, 8, 0)), ErrorCode::Ok);  // struct bpf_cgroup_storage_key
    EXPECT_EQ(create_error(def(t, 8, 8, 0)), ErrorCode::Ok);   // a cgroup id
    EXPECT_EQ(create_error(def(t, 12, 8, 0)), ErrorCode::MapBadKeySize);
    EXPECT_EQ(create_error(def(t, 4, 8, 0)), ErrorCode::MapBadKeySize);
    EXPECT_EQ(create_error(def(t, 16, 0, 0)), ErrorCode::MapBadValueSize);
    EXPECT_EQ(create_error(def(t, 16, 8, 1)), ErrorCode::MapBadMaxEntries);
    EXPECT_EQ(create_error(def(t, 16, 8, 0, kMapFNoPrealloc)), ErrorCode::MapBadFlags);
    EXPECT_EQ(create_error(def(t, 16, 8, 0, kMapFMmapable)), ErrorCode::MapBadFlags);
    EXPECT_EQ(create_error(def(t, 16, 8, 0, kMapFRdonly | kMapFWronly)), ErrorCode::MapBadFlags);
    EXPECT_EQ(create_error(def(t, 16, 8, 0, kMapFNumaNode | kMapFRdonlyProg)), ErrorCode::Ok);
    EXPECT_EQ(create_error(def(t, 16, 32768, 0)), ErrorCode::Ok);
  }
  // The local storage bound for shared values, PCPU_MIN_UNIT_SIZE for per-CPU ones.
  EXPECT_EQ(create_error(def(MapType::CgroupStorage, 16, 65407, 0)), ErrorCode::Ok);
  EXPECT_EQ(create_error(def(MapType::CgroupStorage, 16, 65408, 0)), ErrorCode::MapBadValueSize);
  EXPECT_EQ(create_error(def(MapType::PercpuCgroupStorage, 16, 32769, 0)), ErrorCode::MapBadValueSize);
  // A lock in a shared value is allowed, not in per-CPU ones; neither nests in an outer map.
  MapDef locked = def(MapType::CgroupStorage, 16, 8, 0);
  locked.spin_lock_off = 0;
  EXPECT_EQ(create_error(locked), ErrorCode::Ok);
  locked.type = MapType::PercpuCgroupStorage;
  EXPECT_EQ(create_error(locked), ErrorCode::MapBadType);
  MapDef outer = def(MapType::ArrayOfMaps, 4, 4, 1);
  outer.inner = std::make_shared<MapDef>(def(MapType::CgroupStorage, 16, 8, 0));
  EXPECT_EQ(create_error(outer), ErrorCode::MapBadInner);
}

TEST(CgroupStorageMap, FreshStoragePerScope) {
  auto m = create_map(def(MapType::CgroupStorage, 16, 12, 0));
  ASSERT_TRUE(m);
  EXPECT_EQ(cgroup_storage_value(**m), nullptr);  // outside a scope
  void* first = nullptr;
  {
    CgroupStorageScope scope(std::nullopt);
    auto* v = static_cast<uint8_t*>(cgroup_storage_value(**m));
    ASSERT_NE(v, nullptr);
    for (int i = 0; i < 12; ++i) EXPECT_EQ(v[i], 0);
    std::memset(v, 0xab, 12);
    EXPECT_EQ(cgroup_storage_value(**m), v);  // the same for the scope's runs
    first = v;
  }
  {
    CgroupStorageScope scope(std::nullopt);
    auto* v = static_cast<uint8_t*>(cgroup_storage_value(**m));
    ASSERT_NE(v, nullptr);
    for (int i = 0; i < 12; ++i) EXPECT_EQ(v[i], 0) << "a new scope's storage starts zeroed";
  }
  (void)first;
  uint8_t key[16] = {};
  EXPECT_FALSE((*m)->get_next_key(nullptr, key));  // fresh storage is not the map's
}

TEST(CgroupStorageMap, OwnerValuesLiveInTheMap) {
  auto m = create_map(def(MapType::CgroupStorage, 8, 8, 0));
  ASSERT_TRUE(m);
  uint64_t key = 42, value = 0;
  EXPECT_EQ((*m)->host_update(&key, &value, kBpfAny), -ENOENT);  // no run made it yet
  {
    // 8-byte keys: the attach type does not matter.
    CgroupStorageScope scope(CgroupStorageOwner{42, 3});
    auto* v = static_cast<uint64_t*>(cgroup_storage_value(**m));
    ASSERT_NE(v, nullptr);
    *v = 5;
  }
  ASSERT_EQ((*m)->host_lookup(&key, &value, 0), 0);
  EXPECT_EQ(value, 5u);
  value = 9;
  EXPECT_EQ((*m)->host_update(&key, &value, kBpfExist), 0);
  EXPECT_EQ((*m)->host_update(&key, &value, kBpfNoExist), -EINVAL);
  EXPECT_EQ((*m)->host_update(&key, &value, kBpfFLock), -EINVAL);  // no lock in the value
  EXPECT_EQ((*m)->erase(&key), -EINVAL);
  {
    CgroupStorageScope scope(CgroupStorageOwner{42, 7});
    EXPECT_EQ(*static_cast<uint64_t*>(cgroup_storage_value(**m)), 9u);
  }
  uint64_t next = 0;
  ASSERT_TRUE((*m)->get_next_key(nullptr, &next));
  EXPECT_EQ(next, 42u);
  EXPECT_FALSE((*m)->get_next_key(&next, &next));
}

TEST(CgroupStorageMap, PerCpuValueIsTheSlotsCopy) {
  auto m = create_map(def(MapType::PercpuCgroupStorage, 16, 4, 0));
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)->host_value_size(), 8 * possible_cpus());
  CgroupStorageScope scope(CgroupStorageOwner{1, 2});
  CpuSlot slot;
  auto* v = static_cast<uint32_t*>(cgroup_storage_value(**m));
  ASSERT_NE(v, nullptr);
  *v = 77;
  uint8_t key[16] = {};
  const uint64_t id = 1;
  const uint32_t type = 2;
  std::memcpy(key, &id, 8);
  std::memcpy(key + 8, &type, 4);
  std::vector<uint8_t> all((*m)->host_value_size());
  ASSERT_EQ((*m)->host_lookup(key, all.data(), 0), 0);
  uint32_t mine = 0;
  std::memcpy(&mine, all.data() + 8 * slot.cpu(), 4);
  EXPECT_EQ(mine, 77u);
}

}  // namespace
}  // namespace decade::test
