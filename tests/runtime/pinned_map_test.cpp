// SPDX-License-Identifier: Apache-2.0
// Pinned maps (runtime/maps/pinned.hpp): the hash families keep the
// kernel's semantics over a pin file, a second opening (as another process
// would) sees the same elements, and writers killed at random points
// (SIGKILL, possibly holding the pin's robust mutex) leave no torn element
// and lose no acknowledged update; the next writer repairs the pool.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "runtime/cpu.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/maps/pinned.hpp"
#include "runtime/maps/ringbuf.hpp"

namespace decade {
namespace {

std::string pin_path(const std::string& name) {
  const std::string p = std::string(DECADE_BINARY_DIR) + "/pinned_map_test_" + name + "_" + std::to_string(getpid());
  std::filesystem::remove(p);
  return p;
}

MapDef def_of(MapType t, uint32_t value_size, uint32_t max_entries) {
  MapDef d;
  d.name = "m";
  d.type = t;
  d.key_size = 4;
  d.value_size = value_size;
  d.max_entries = max_entries;
  return d;
}

bool per_cpu(MapType t) { return t == MapType::PercpuHash || t == MapType::LruPercpuHash; }

const MapType kHashKinds[] = {MapType::Hash, MapType::LruHash, MapType::PercpuHash, MapType::LruPercpuHash};

TEST(PinnedMap, HashKindsKeepKernelSemanticsAcrossOpenings) {
  for (MapType t : kHashKinds) {
    SCOPED_TRACE(map_type_name(static_cast<uint32_t>(t)));
    const std::string path = pin_path("sem");
    const MapDef def = def_of(t, 8, 4);
    auto a = open_pinned_map(def, path);
    ASSERT_TRUE(a) << a.error().to_string();
    const bool lru = t == MapType::LruHash || t == MapType::LruPercpuHash;
    std::vector<uint8_t> v((*a)->host_value_size());
    for (uint32_t k = 0; k < 4; ++k) {
      std::memset(v.data(), static_cast<int>(k + 1), v.size());
      ASSERT_EQ((*a)->host_update(&k, v.data(), kBpfAny), 0);
    }
    uint32_t k = 9;
    EXPECT_EQ((*a)->host_update(&k, v.data(), kBpfNoExist), lru ? 0 : kE2BIG);  // full: LRU evicts
    k = 1;
    if (!lru) {
      EXPECT_EQ((*a)->host_update(&k, v.data(), kBpfNoExist), kEEXIST);
    }
    auto b = open_pinned_map(def, path);  // as another process
    ASSERT_TRUE(b);
    uint32_t n = 0, key = 0, next = 0;
    for (bool first = true; (*b)->get_next_key(first ? nullptr : &key, &next); first = false, key = next) ++n;
    EXPECT_EQ(n, 4u);
    k = 3;
    if (!lru) {
      ASSERT_EQ((*b)->erase(&k), 0);
      EXPECT_EQ((*a)->host_lookup(&k, v.data(), 0), kENOENT);
      EXPECT_EQ((*a)->host_update(&k, v.data(), kBpfNoExist), 0);  // room again
    }
    // A program's update writes its CPU's value; the others carry over.
    k = 2;
    if (per_cpu(t) && possible_cpus() > 1 && (*b)->host_lookup(&k, v.data(), 0) == 0) {
      const uint64_t mine = 77;
      ASSERT_EQ((*b)->update(&k, &mine, kBpfExist), 0);
      ASSERT_EQ((*a)->host_lookup(&k, v.data(), 0), 0);
      uint64_t own = 0, other = 0;
      std::memcpy(&own, v.data() + 8 * current_cpu(), 8);
      std::memcpy(&other, v.data() + 8 * ((current_cpu() + 1) % possible_cpus()), 8);
      EXPECT_EQ(own, 77u);
      EXPECT_EQ(other, 0x0303030303030303u);
    }
    std::filesystem::remove(path);
  }
}

TEST(PinnedMap, MismatchedDefinitionAndUnpinnableTypesAreNamed) {
  const std::string path = pin_path("mismatch");
  ASSERT_TRUE(open_pinned_map(def_of(MapType::Hash, 8, 4), path));
  auto r = open_pinned_map(def_of(MapType::LruHash, 8, 4), path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::MapBadType);
  r = open_pinned_map(def_of(MapType::Hash, 16, 4), path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::MapBadValueSize);
  // Types whose entries are process-local objects (programs, maps, sockets, perf events).
  for (MapType t : {MapType::Queue, MapType::LpmTrie, MapType::ProgArray, MapType::HashOfMaps, MapType::Sockmap,
                    MapType::PerfEventArray}) {
    r = open_pinned_map(def_of(t, t == MapType::ProgArray || t == MapType::PerfEventArray ? 4 : 8, 4), pin_path("refused"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::MapBadType);
    EXPECT_NE(r.error().message.find(map_type_name(static_cast<uint32_t>(t))), std::string::npos);
  }
  std::filesystem::remove(path);
}

// The redirect maps hold numbers the hosts give meaning to (an ifindex, a
// qsize, a socket id), so a pin shares them as it shares an array: a
// second opening, here in another process, sees and changes the same
// entries, with the kernel's update rules kept.
TEST(PinnedMap, RedirectMapsAreSharedBetweenProcesses) {
  const MapType kinds[] = {MapType::Devmap, MapType::DevmapHash, MapType::Cpumap, MapType::Xskmap};
  for (MapType t : kinds) {
    SCOPED_TRACE(map_type_name(static_cast<uint32_t>(t)));
    const std::string path = pin_path("redirect");
    const MapDef def = def_of(t, t == MapType::Xskmap ? 4 : 8, t == MapType::Cpumap ? 1 : 4);
    auto a = open_pinned_map(def, path);
    ASSERT_TRUE(a) << a.error().to_string();
    const uint32_t k0 = 0, k1 = 1;
    const uint32_t val[2] = {7, 0};  // ifindex / qsize / socket id 7
    ASSERT_EQ((*a)->host_update(&k0, val, kBpfAny), 0);
    // The kernel's rules still hold over the pin.
    const uint32_t zero[2] = {0, 0};
    const long want = t == MapType::Xskmap       ? -EBADF
                      : t == MapType::DevmapHash ? kEINVAL
                      : t == MapType::Devmap     ? kEEXIST
                                                 : kE2BIG;
    const long got_rc = t == MapType::Xskmap || t == MapType::DevmapHash ? (*a)->host_update(&k1, zero, kBpfAny)
                        : t == MapType::Devmap                          ? (*a)->host_update(&k1, val, kBpfNoExist)
                                                                        : (*a)->host_update(&k1, val, kBpfAny);
    EXPECT_EQ(got_rc, want);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // another process: sees entry 0, replaces it with 9
      auto b = open_pinned_map(def, path);
      const void* e = b ? (*b)->lookup(&k0) : nullptr;
      uint32_t got = 0;
      if (e) std::memcpy(&got, e, 4);
      const uint32_t nine[2] = {9, 0};
      _exit(got == 7 && (*b)->host_update(&k0, nine, kBpfAny) == 0 ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    const void* e = (*a)->lookup(&k0);
    ASSERT_NE(e, nullptr);
    uint32_t got = 0;
    std::memcpy(&got, e, 4);
    EXPECT_EQ(got, 9u);
    EXPECT_EQ((*a)->lookup(&k1), nullptr);
    ASSERT_EQ((*a)->erase(&k0), 0);
    auto c = open_pinned_map(def, path);
    ASSERT_TRUE(c);
    EXPECT_EQ((*c)->lookup(&k0), nullptr);
    // Another definition does not reuse the pin.
    MapDef other = def;
    other.max_entries = 2;
    auto d = open_pinned_map(other, path);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, ErrorCode::MapBadMaxEntries);
    std::filesystem::remove(path);
  }
}

TEST(PinnedMap, RedirectMapsAreCopiedIntoANewPin) {
  for (MapType t : {MapType::Devmap, MapType::Xskmap, MapType::DevmapHash}) {
    SCOPED_TRACE(map_type_name(static_cast<uint32_t>(t)));
    const MapDef def = def_of(t, 4, 4);
    auto m = create_map(def, MapLimits{});
    ASSERT_TRUE(m) << m.error().to_string();
    const uint32_t k = 2, v = 5;
    ASSERT_EQ((*m)->host_update(&k, &v, kBpfAny), 0);
    const std::string path = pin_path("redirect_copy");
    ASSERT_TRUE(pin_map_copy(**m, path));
    auto p = open_pinned_map(def, path);
    ASSERT_TRUE(p) << p.error().to_string();
    const void* e = (*p)->lookup(&k);
    ASSERT_NE(e, nullptr);
    uint32_t got = 0;
    std::memcpy(&got, e, 4);
    EXPECT_EQ(got, 5u);
    std::filesystem::remove(path);
  }
}

TEST(PinnedMap, RedirectPinOpensFromItsHeaderAlone) {
  // `decade map dump | update pinned PATH`: the map the header describes.
  const std::string path = pin_path("redirect_file");
  const MapDef def = def_of(MapType::DevmapHash, 8, 4);
  {
    auto a = open_pinned_map(def, path);
    ASSERT_TRUE(a) << a.error().to_string();
    const uint32_t k = 3, v[2] = {12, 0};
    ASSERT_EQ((*a)->host_update(&k, v, kBpfAny), 0);
  }
  PinHeader h{};
  auto f = open_pinned_file(path, &h);
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_EQ(h.type, static_cast<uint32_t>(MapType::DevmapHash));
  EXPECT_EQ((*f)->type(), MapType::DevmapHash);
  const uint32_t k = 3;
  uint32_t v[2] = {};
  ASSERT_EQ((*f)->host_lookup(&k, v, 0), 0);
  EXPECT_EQ(v[0], 12u);
  const uint32_t zero[2] = {0, 0};
  EXPECT_EQ((*f)->host_update(&k, zero, kBpfAny), kEINVAL);  // still a devmap_hash: ifindex 0 refused
  std::filesystem::remove(path);
}

TEST(PinnedMap, RedirectDefinitionsAreCheckedBeforeAPinIsMade) {
  // As create_map: an xskmap's value is a 4-byte socket id.
  const std::string path = pin_path("redirect_bad");
  auto r = open_pinned_map(def_of(MapType::Xskmap, 8, 4), path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::MapBadValueSize);
  EXPECT_FALSE(std::filesystem::exists(path));
}

// A ring buffer's pin is one ring: records produced through one opening
// (the traced process's, under `decade trace`) are consumed through
// another, in order, across the wrap, and a record reserved but not yet
// committed holds back the ones after it.
TEST(PinnedMap, RingBufferPinIsOneRingForEveryOpening) {
  const std::string path = pin_path("ring");
  MapDef d;
  d.name = "events";
  d.type = MapType::Ringbuf;
  d.max_entries = 4096;
  auto producer = open_pinned_map(d, path), consumer = open_pinned_map(d, path);
  ASSERT_TRUE(producer && consumer);
  RingBufMap* out = as_ringbuf(producer->get());
  RingBufMap* in = as_ringbuf(consumer->get());
  ASSERT_TRUE(out && in);
  std::vector<uint32_t> got;
  auto take = [&](std::span<const uint8_t> rec) {
    uint32_t v = 0;
    std::memcpy(&v, rec.data(), sizeof v);
    got.push_back(v);
    return 0;
  };
  uint32_t next = 0;
  for (int round = 0; round < 40; ++round) {  // 40 * 10 * 16 bytes: the ring wraps
    for (int i = 0; i < 10; ++i, ++next) ASSERT_EQ(out->output(&next, sizeof next, 0), 0);
    EXPECT_EQ(in->consume(take), 10);
  }
  ASSERT_EQ(got.size(), next);
  for (uint32_t i = 0; i < next; ++i) ASSERT_EQ(got[i], i);
  void* held = out->reserve(4, 0);
  ASSERT_NE(held, nullptr);
  ASSERT_EQ(out->output(&next, sizeof next, 0), 0);
  EXPECT_EQ(in->consume(take), 0);  // the reserved record comes first
  std::memcpy(held, &next, 4);
  EXPECT_TRUE(out->commit(held, 0, false));
  EXPECT_EQ(in->consume(take), 2);
  EXPECT_EQ(in->query(kRbProdPos), out->query(kRbProdPos));
  EXPECT_EQ(in->query(kRbConsPos), out->query(kRbConsPos));
  std::filesystem::remove(path);
}

// A child updates key n % kKeys with a value whose every word is n, then
// records n as acknowledged (in shared memory, no syscall, so most kills
// land inside an update); the parent kills it at a random moment, then
// checks every element and repairs through its own update.
constexpr uint32_t kKeys = 8, kWords = 16;

[[noreturn]] void writer(const MapDef& def, const std::string& path, std::atomic<uint64_t>* acked) {
  auto m = open_pinned_map(def, path);
  if (!m) _exit(3);
  std::vector<uint64_t> v((*m)->host_value_size() / 8);
  for (uint64_t n = 1;; ++n) {
    std::fill(v.begin(), v.end(), n);
    const uint32_t k = static_cast<uint32_t>(n % kKeys);
    if ((*m)->host_update(&k, v.data(), kBpfAny) != 0) _exit(4);
    acked[k].store(n, std::memory_order_release);
  }
}

TEST(PinnedMap, KilledWritersLeaveNoTornElementAndLoseNoAcknowledgedUpdate) {
  for (MapType t : kHashKinds) {
    SCOPED_TRACE(map_type_name(static_cast<uint32_t>(t)));
    const std::string path = pin_path("killed");
    // LRU maps get room to spare, so no key is ever evicted.
    const bool lru = t == MapType::LruHash || t == MapType::LruPercpuHash;
    const MapDef def = def_of(t, kWords * 8, lru ? 2 * kKeys : kKeys);
    auto* acked = static_cast<std::atomic<uint64_t>*>(
        mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(acked, MAP_FAILED);
    ASSERT_TRUE(open_pinned_map(def, path));
    for (int round = 0; round < 20; ++round) {
      for (uint32_t k = 0; k < kKeys; ++k) acked[k].store(0);  // the child counts from 1 again
      const pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) writer(def, path, acked);
      usleep(2000 + 997 * (round % 7));
      kill(pid, SIGKILL);
      int st = 0;
      waitpid(pid, &st, 0);
      ASSERT_TRUE(WIFSIGNALED(st)) << "writer failed: " << WEXITSTATUS(st);
      auto m = open_pinned_map(def, path);
      ASSERT_TRUE(m);
      std::vector<uint64_t> v((*m)->host_value_size() / 8);
      for (uint32_t k = 0; k < kKeys; ++k) {
        const uint64_t want = acked[k].load(std::memory_order_acquire);
        if ((*m)->host_lookup(&k, v.data(), 0) != 0) {
          EXPECT_EQ(want, 0u) << "key " << k << " lost";
          continue;
        }
        for (uint64_t w : v) ASSERT_EQ(w, v[0]) << "torn key " << k;  // every CPU's value too
        EXPECT_GE(v[0], want) << "key " << k;
      }
      // The next writer (repairing if the child died holding the mutex)
      // finds the pool whole: every key updatable, no room for a 9th.
      std::fill(v.begin(), v.end(), 0);
      for (uint32_t k = 0; k < kKeys; ++k) ASSERT_EQ((*m)->host_update(&k, v.data(), kBpfAny), 0);
      uint32_t extra = 100;
      if (!lru) {
        EXPECT_EQ((*m)->host_update(&extra, v.data(), kBpfAny), kE2BIG);
      }
    }
    munmap(acked, 4096);
    std::filesystem::remove(path);
  }
}

}  // namespace
}  // namespace decade
