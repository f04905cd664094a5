// SPDX-License-Identifier: Apache-2.0
// The C API's decade_load_opts.pin_maps (LoadOptions::pin_maps, read when
// sz covers it): two loads of one object sharing every map through the
// pins in one directory, each running its program on another engine.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <string>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace {

using decade::test::obj;

// loader/progs/map_hash.bpf.o: inserts key 1..4 into its four hash maps
// with BPF_NOEXIST and returns the sum of what it reads back (10), or 100
// for each insert that finds its key already there.
decade_object* load_pinned(const char* engine, const std::string& dir, size_t sz) {
  decade_object* o = nullptr;
  if (decade_object_open(obj("loader/progs/map_hash.bpf.o").c_str(), &o) != 0) return nullptr;
  decade_load_opts lo = {};
  lo.sz = sz;
  lo.engine = engine;
  lo.pin_maps = dir.c_str();
  if (decade_object_load(o, &lo) != 0) {
    ADD_FAILURE() << engine << ": " << decade_last_error();
    decade_object_close(o);
    return nullptr;
  }
  return o;
}

uint64_t run(decade_object* o) {
  decade_test_run r = {};
  r.sz = sizeof r;
  EXPECT_EQ(decade_program_test_run(decade_object_find_program(o, "map_hash"), &r), 0) << decade_last_error();
  return r.retval;
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/decade-capi-pin-XXXXXX";
    path = mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    for (const char* m : {"h", "ph", "lru", "plru"}) unlink((path + "/" + m).c_str());
    rmdir(path.c_str());
  }
};

TEST(CApiPin, TwoLoadsShareEveryMapThroughPinMaps) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  decade_object* a = load_pinned("interp", dir.path, sizeof(decade_load_opts));
  ASSERT_NE(a, nullptr);
  for (const char* m : {"h", "ph", "lru", "plru"}) {
    struct stat st{};
    EXPECT_EQ(stat((dir.path + "/" + m).c_str(), &st), 0) << m << " was not pinned";
  }
  EXPECT_EQ(run(a), 10u);
  decade_object* b = load_pinned("jit", dir.path, sizeof(decade_load_opts));
  ASSERT_NE(b, nullptr);
  // The second load's maps are the first's: its inserts all find their keys.
  EXPECT_EQ(run(b), 400u);
  decade_map* ha = decade_object_find_map(a, "h");
  decade_map* hb = decade_object_find_map(b, "h");
  ASSERT_NE(ha, nullptr);
  ASSERT_NE(hb, nullptr);
  uint32_t k = 77, v = 770, got = 0;
  ASSERT_EQ(decade_map_update(hb, &k, &v, 0), 0) << decade_last_error();
  ASSERT_EQ(decade_map_lookup(ha, &k, &got), 0) << decade_last_error();
  EXPECT_EQ(got, 770u);
  ASSERT_EQ(decade_map_delete(ha, &k), 0);
  EXPECT_EQ(decade_map_lookup(hb, &k, &got), -ENOENT);
  decade_object_close(a);
  decade_object_close(b);
  // The pins outlive both loads: a third sees what the program stored.
  decade_object* c = load_pinned("interp", dir.path, sizeof(decade_load_opts));
  ASSERT_NE(c, nullptr);
  k = 1;
  ASSERT_EQ(decade_map_lookup(decade_object_find_map(c, "h"), &k, &got), 0) << decade_last_error();
  EXPECT_EQ(got, 1u);
  decade_object_close(c);
}

// A caller built before the field: pin_maps is not read, nothing is pinned
// and each load has maps of its own.
TEST(CApiPin, PinMapsUnreadWhenSzStopsBeforeIt) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  decade_object* a = load_pinned("interp", dir.path, offsetof(decade_load_opts, pin_maps));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(run(a), 10u);
  struct stat st{};
  EXPECT_NE(stat((dir.path + "/h").c_str(), &st), 0);
  decade_object* b = load_pinned("jit", dir.path, offsetof(decade_load_opts, pin_maps));
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(run(b), 10u);
  decade_object_close(a);
  decade_object_close(b);
}

}  // namespace
