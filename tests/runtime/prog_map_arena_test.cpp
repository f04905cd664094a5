// SPDX-License-Identifier: Apache-2.0
// prog_array + tail_call_target, map-in-map, arena.
#include <sys/mman.h>

#include <thread>
#include <vector>

#include "runtime/engine.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/arena.hpp"
#include "runtime/registry.hpp"
#include "runtime/run_context.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

class ConstExecutable final : public Executable {
 public:
  explicit ConstExecutable(uint64_t v) : v_(v) {}
  Result<uint64_t> run(const RunRequest&) override { return v_; }
  Result<uint64_t> run_chained(const RunRequest&, RunContext&) override { return v_; }
  std::string_view engine_name() const override { return "const"; }

 private:
  uint64_t v_;
};

std::shared_ptr<ProgramHandle> handle(uint64_t v, const char* type) {
  auto h = std::make_shared<ProgramHandle>();
  h->executable = std::make_shared<ConstExecutable>(v);
  h->profile.program_type = type;
  return h;
}

TEST(ProgArray, StoresProgramsByIdAndResolvesTailCalls) {
  auto m = make(MapType::ProgArray, 4, 4, 4);
  uint32_t id = register_program(handle(7, "xdp"));
  uint32_t other = register_program(handle(8, "socket_filter"));
  uint32_t k = 2, bogus = 999999;
  EXPECT_EQ(tail_call_target(m.get(), 2), nullptr);
  EXPECT_EQ(m->host_update(&k, &bogus, 0), -EBADF);
  ASSERT_EQ(m->host_update(&k, &id, 0), 0);
  EXPECT_EQ(m->host_update(&k, &id, kBpfNoExist), -EEXIST);
  k = 1;
  EXPECT_EQ(m->host_update(&k, &other, 0), -EINVAL);  // program type differs
  k = 9;
  EXPECT_EQ(m->host_update(&k, &id, 0), -E2BIG);
  const ProgramHandle* t = tail_call_target(m.get(), 2);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(*t->executable->run({}), 7u);
  uint32_t got = 0;
  k = 2;
  ASSERT_EQ(m->host_lookup(&k, &got, 0), 0);
  EXPECT_EQ(got, id);
  EXPECT_EQ(m->lookup(&k), nullptr);  // programs cannot read it
  ASSERT_EQ(m->erase(&k), 0);
  EXPECT_EQ(m->erase(&k), -ENOENT);
  EXPECT_EQ(tail_call_target(m.get(), 2), nullptr);
  EXPECT_EQ(tail_call_target(m.get(), 100), nullptr);
  auto h = make(MapType::Hash, 4, 4, 4);
  EXPECT_EQ(tail_call_target(h.get(), 0), nullptr);
  // The helper itself falls through with -ENOENT on an empty slot.
  EXPECT_EQ(as_long(call(kHelperTailCall, 0, u(m.get()), 2)), -ENOENT);
}

TEST(MapOfMaps, ArrayAndHashOfMapsReturnInnerMaps) {
  for (MapType outer : {MapType::ArrayOfMaps, MapType::HashOfMaps}) {
    MapDef d = def(outer, 4, 4, 4);
    d.inner = std::make_shared<MapDef>(def(MapType::Array, 4, 8, 2));
    auto m = create_map(d);
    ASSERT_TRUE(m) << m.error().to_string();
    std::shared_ptr<Map> inner = std::move(*create_map(*d.inner));
    std::shared_ptr<Map> wrong = std::move(*create_map(def(MapType::Array, 4, 8, 3)));
    uint32_t inner_id = register_map(inner), wrong_id = register_map(wrong);
    uint32_t k = 1;
    EXPECT_EQ((*m)->host_update(&k, &wrong_id, 0), -EINVAL);
    ASSERT_EQ((*m)->host_update(&k, &inner_id, 0), 0);
    // Program view: lookup gives the Map*, usable in the next helper call.
    uint64_t got = call(kHelperMapLookupElem, u(m->get()), u(&k));
    EXPECT_EQ(got, u(inner.get()));
    uint32_t ik = 0;
    uint64_t val = 55;
    EXPECT_EQ(call(kHelperMapUpdateElem, got, u(&ik), u(&val), 0), 0u);
    EXPECT_EQ(*static_cast<uint64_t*>(inner->lookup(&ik)), 55u);
    uint32_t id_out = 0;
    ASSERT_EQ((*m)->host_lookup(&k, &id_out, 0), 0);
    EXPECT_EQ(id_out, inner_id);
    ASSERT_EQ((*m)->erase(&k), 0);
    EXPECT_EQ((*m)->lookup(&k), nullptr);
  }
}

// An inner map must match what programs were verified against: a spin lock
// where the template has plain data (a verified store then rewrites the lock
// word and the next bpf_spin_lock spins forever), or a frozen map that the
// outer map would make writable, is refused like the kernel's
// bpf_map_meta_equal refuses a different btf_record.
TEST(MapOfMaps, InnerMapsMustMatchTheTemplatesLockAndFreezing) {
  MapDef d = def(MapType::ArrayOfMaps, 4, 4, 1);
  d.inner = std::make_shared<MapDef>(def(MapType::Array, 4, 8, 1));
  auto outer = create_map(d);
  ASSERT_TRUE(outer) << outer.error().to_string();
  MapDef locked = *d.inner;
  locked.spin_lock_off = 0;
  MapDef frozen = *d.inner;
  frozen.frozen = true;
  uint32_t k = 0;
  for (const MapDef& bad : {locked, frozen}) {
    std::shared_ptr<Map> m = std::move(*create_map(bad));
    const uint32_t id = register_map(m);
    EXPECT_EQ((*outer)->host_update(&k, &id, 0), -EINVAL);
  }
  MapDef tmpl_locked = d;
  tmpl_locked.inner = std::make_shared<MapDef>(locked);
  auto outer2 = create_map(tmpl_locked);
  ASSERT_TRUE(outer2);
  std::shared_ptr<Map> plain = std::move(*create_map(*d.inner)), same = std::move(*create_map(locked));
  const uint32_t plain_id = register_map(plain), same_id = register_map(same);
  EXPECT_EQ((*outer2)->host_update(&k, &plain_id, 0), -EINVAL);
  EXPECT_EQ((*outer2)->host_update(&k, &same_id, 0), 0);
}

TEST(Arena, AllocFreeAndAddressStability) {
  auto m = make(MapType::Arena, 0, 0, 16, kMapFMmapable);
  ArenaMap* a = as_arena(m.get());
  ASSERT_NE(a, nullptr);
  uint64_t start = a->user_vm_start();
  EXPECT_EQ(start % 4096, 0u);
  // The arena never crosses a 4 GiB boundary, and its first page does not cast to NULL.
  EXPECT_EQ(start >> 32, (start + a->size() - 1) >> 32);
  EXPECT_NE(start & 0xffffffffu, 0u);
  auto* p = static_cast<uint8_t*>(a->alloc_pages(nullptr, 2, -1, 0));
  ASSERT_EQ(reinterpret_cast<uint64_t>(p), start);  // lowest free range
  p[0] = 1;
  p[8191] = 2;
  EXPECT_EQ(a->allocated_pages(), 2u);
  auto* q = static_cast<uint8_t*>(a->alloc_pages(nullptr, 1, -1, 0));
  EXPECT_EQ(q, p + 8192);
  EXPECT_EQ(a->alloc_pages(p, 1, -1, 0), nullptr);  // already used
  EXPECT_EQ(a->alloc_pages(p + 1, 1, -1, 0), nullptr);  // unaligned
  EXPECT_EQ(a->alloc_pages(nullptr, 1, -1, 1), nullptr);  // flags
  EXPECT_EQ(a->alloc_pages(nullptr, 17, -1, 0), nullptr);
  auto* fixed = static_cast<uint8_t*>(a->alloc_pages(p + 10 * 4096, 3, -1, 0));
  EXPECT_EQ(fixed, p + 10 * 4096);
  a->free_pages(p, 2);
  EXPECT_EQ(a->allocated_pages(), 4u);
  EXPECT_EQ(p[0], 0);  // freed memory comes back zeroed
  // Arena casts (addr_space_cast semantics).
  EXPECT_EQ(arena_cast_to_user(start, arena_cast_to_kern(u(q))), u(q));
  EXPECT_EQ(arena_cast_to_user(start, 0), 0u);
  // An arena that starts at its 4 GiB window (always so for a 4 GiB one):
  // its first page's low 32 bits are 0, and a cast of 0 reaches it, as in
  // the kernel; elsewhere NULL stays NULL.
  ASSERT_NE(start & 0xffffffffu, 0u);
  const uint64_t window = uint64_t{7} << 32;
  EXPECT_EQ(arena_cast_to_user(window, 0), window);
  EXPECT_EQ(arena_cast_to_user(window, 0x2000), window | 0x2000);
  EXPECT_EQ(arena_cast_to_user(window + 0x1000, 0), 0u);
  // The kfuncs use the same addresses.
  uint64_t k = kcall("bpf_arena_alloc_pages", u(m.get()), 0, 1, uint64_t(-1), 0);
  EXPECT_EQ(k, u(p));
  kcall("bpf_arena_free_pages", u(m.get()), k, 1);
  EXPECT_EQ(a->allocated_pages(), 4u);
}

TEST(Arena, ConcurrentAllocFree) {
  auto m = make(MapType::Arena, 0, 0, 64, kMapFMmapable);
  ArenaMap* a = as_arena(m.get());
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto* p = static_cast<uint64_t*>(a->alloc_pages(nullptr, 1, -1, 0));
        if (!p) continue;
        *p = 42;  // pages are exclusively ours until freed
        ASSERT_EQ(*p, 42u);
        a->free_pages(p, 1);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(a->allocated_pages(), 0u);
}

TEST(Arena, FixedAddressAndUnsupportedFlag) {
  MapDef d = def(MapType::Arena, 0, 0, 4, kMapFMmapable | kMapFSegvOnFault);
  auto bad = create_map(d);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::Unsupported);
  // Pick a free address, guards included, by reserving and releasing it.
  const size_t probe_size = 4 * 4096 + 2 * kArenaGuard;
  void* probe = mmap(nullptr, probe_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(probe, MAP_FAILED);
  uint64_t want = reinterpret_cast<uint64_t>(probe) + kArenaGuard;
  munmap(probe, probe_size);
  if ((want & 0xffffffffu) + 4 * 4096 > (1ull << 32)) GTEST_SKIP() << "address straddles 4 GiB";
  d.map_flags = kMapFMmapable;
  d.map_extra = want;
  auto m = create_map(d);
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(as_arena(m->get())->user_vm_start(), want);
  // The guard below the fixed address must be free too.
  MapDef d2 = d;
  d2.map_extra = want + 4 * 4096;  // its lower guard overlaps the first arena
  auto clash = create_map(d2);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, ErrorCode::OutOfMemory);
}

}  // namespace
}  // namespace decade::test
