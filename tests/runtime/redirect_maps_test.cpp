// SPDX-License-Identifier: Apache-2.0
// devmap, devmap_hash, cpumap and xskmap: the kernel's creation checks and
// the errors of update, delete and lookup (kernel/bpf/devmap.c, cpumap.c,
// net/xdp/xskmap.c semantics).
#include <cerrno>

#include "runtime/cpu.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

struct TwoWords {
  uint32_t first;
  int32_t prog_fd;
};

TEST(RedirectMaps, CreationChecks) {
  struct Def {
    MapType type;
    uint32_t key, value, max, flags;
    ErrorCode code;  // Ok when creation succeeds
  };
  const Def defs[] = {
      {MapType::Devmap, 4, 4, 8, 0, ErrorCode::Ok},
      {MapType::Devmap, 4, 8, 8, kMapFRdonly, ErrorCode::Ok},
      {MapType::Devmap, 4, 6, 8, 0, ErrorCode::MapBadValueSize},
      {MapType::Devmap, 8, 4, 8, 0, ErrorCode::MapBadKeySize},
      {MapType::Devmap, 4, 4, 0, 0, ErrorCode::MapBadMaxEntries},
      {MapType::DevmapHash, 4, 8, 8, kMapFNoPrealloc, ErrorCode::MapBadFlags},
      {MapType::Cpumap, 4, 8, 8192, 0, ErrorCode::Ok},
      {MapType::Cpumap, 4, 4, 8193, 0, ErrorCode::MapBadMaxEntries},
      {MapType::Cpumap, 4, 4, 4, kMapFRdonly, ErrorCode::MapBadFlags},
      {MapType::Xskmap, 4, 4, 4, 0, ErrorCode::Ok},
      {MapType::Xskmap, 4, 8, 4, 0, ErrorCode::MapBadValueSize},
  };
  for (const Def& d : defs) {
    MapDef def;
    def.name = "m";
    def.type = d.type;
    def.key_size = d.key;
    def.value_size = d.value;
    def.max_entries = d.max;
    def.map_flags = d.flags;
    auto m = create_map(def);
    if (d.code == ErrorCode::Ok) {
      EXPECT_TRUE(m) << static_cast<int>(d.type) << " " << m.error().to_string();
    } else {
      ASSERT_FALSE(m) << static_cast<int>(d.type);
      EXPECT_EQ(m.error().code, d.code) << m.error().to_string();
    }
  }
}

TEST(RedirectMaps, DevmapSlots) {
  auto m = make(MapType::Devmap, 4, 8, 4);
  uint32_t k = 1, far = 4;
  TwoWords v{3, 0}, empty{0, 0}, with_prog{3, 5};
  EXPECT_EQ(m->lookup(&k), nullptr);
  EXPECT_EQ(m->update(&k, &v, kBpfNoExist), -EEXIST);  // every slot exists
  EXPECT_EQ(m->update(&far, &v, 0), -E2BIG);
  EXPECT_EQ(m->update(&k, &v, 4), -EINVAL);
  EXPECT_EQ(m->update(&k, &with_prog, 0), -EOPNOTSUPP);  // no devmap programs
  ASSERT_EQ(m->update(&k, &v, kBpfExist), 0);
  auto* got = static_cast<TwoWords*>(m->lookup(&k));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->first, 3u);
  TwoWords out{};
  EXPECT_EQ(m->host_lookup(&k, &out, 0), 0);
  EXPECT_EQ(out.first, 3u);
  ASSERT_EQ(m->update(&k, &empty, 0), 0);  // ifindex 0 empties the slot
  EXPECT_EQ(m->lookup(&k), nullptr);
  EXPECT_EQ(m->host_lookup(&k, &out, 0), -ENOENT);
  EXPECT_EQ(m->erase(&far), -EINVAL);
  EXPECT_EQ(m->erase(&k), 0);
}

TEST(RedirectMaps, DevmapHashEntries) {
  auto m = make(MapType::DevmapHash, 4, 4, 2);
  uint32_t a = 100, b = 200, c = 300, ifindex = 7, zero = 0;
  EXPECT_EQ(m->update(&a, &zero, 0), -EINVAL);
  ASSERT_EQ(m->update(&a, &ifindex, kBpfExist), 0);  // BPF_EXIST also adds, as the kernel's
  EXPECT_EQ(m->update(&a, &ifindex, kBpfNoExist), -EEXIST);
  ASSERT_EQ(m->update(&b, &ifindex, 0), 0);
  EXPECT_EQ(m->update(&c, &ifindex, 0), -E2BIG);
  ASSERT_NE(m->lookup(&a), nullptr);
  EXPECT_EQ(m->erase(&c), -ENOENT);
  EXPECT_EQ(m->erase(&a), 0);
  EXPECT_EQ(m->lookup(&a), nullptr);
}

TEST(RedirectMaps, CpumapQueues) {
  auto m = make(MapType::Cpumap, 4, 4, 64);
  uint32_t cpu0 = 0, qsize = 192, huge = 16385, zero = 0;
  uint32_t missing = possible_cpus();
  EXPECT_EQ(m->update(&cpu0, &huge, 0), -EOVERFLOW);
  EXPECT_EQ(m->update(&missing, &qsize, 0), -ENODEV);
  ASSERT_EQ(m->update(&cpu0, &qsize, 0), 0);
  ASSERT_NE(m->lookup(&cpu0), nullptr);
  ASSERT_EQ(m->update(&cpu0, &zero, 0), 0);  // qsize 0 deletes
  EXPECT_EQ(m->lookup(&cpu0), nullptr);
}

TEST(RedirectMaps, XskmapSockets) {
  auto m = make(MapType::Xskmap, 4, 4, 4);
  uint32_t q = 2, sock = 9, none = 0;
  EXPECT_EQ(m->update(&q, &none, 0), -EBADF);
  EXPECT_EQ(m->update(&q, &sock, kBpfExist), -ENOENT);
  ASSERT_EQ(m->update(&q, &sock, kBpfNoExist), 0);
  EXPECT_EQ(m->update(&q, &sock, kBpfNoExist), -EEXIST);
  ASSERT_NE(m->lookup(&q), nullptr);
  uint32_t out = 0;
  EXPECT_EQ(m->host_lookup(&q, &out, 0), -EOPNOTSUPP);
  EXPECT_EQ(m->erase(&q), 0);
  EXPECT_EQ(m->lookup(&q), nullptr);
}

}  // namespace
}  // namespace decade::test
