// SPDX-License-Identifier: Apache-2.0
// decade_alloca from C (docs/isa-extensions.md, "alloca"): alloca.bpf.c,
// built by clang-19 and clang-22, run in both engines at the default stack
// size; the object declares the extension, so a host that disables it
// refuses the object by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "api_test_util.hpp"

namespace decade {
namespace {

struct Io {
  uint64_t n, seed, out;
};

uint64_t mix(uint64_t x) { return x * 0x9e3779b97f4a7c15ULL + 1; }

// What fold() in alloca.bpf.c computes.
uint64_t fold(uint64_t n, uint64_t seed) {
  n = (n & 31) + 1;
  uint64_t buf[32];
  for (uint64_t i = 0; i < n; ++i) buf[i] = seed = mix(seed);
  uint64_t r = seed;
  for (uint64_t i = n; i-- > 0;) r = r * 31 + buf[i];
  return r;
}

struct Build {
  const char* object;
  const char* engine;
};
std::ostream& operator<<(std::ostream& os, const Build& b) { return os << b.object << " " << b.engine; }

Result<BpfObject> open_built(const char* rel) { return BpfObject::open(test::read_bytes(test::obj(rel)), "alloca"); }

class AllocaFromC : public ::testing::TestWithParam<Build> {};

TEST_P(AllocaFromC, AreasOfRunTimeSizes) {
  const Build& b = GetParam();
  if (!std::filesystem::exists(test::obj(b.object))) GTEST_SKIP() << b.object << " not built (no clang-22)";
  auto o = open_built(b.object);
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.engine = b.engine;
  auto s = o->load(lo);
  ASSERT_TRUE(s) << s.error().to_string();
  auto prog = o->program("alloca_prog");
  ASSERT_TRUE(prog) << prog.error().to_string();
  for (const uint64_t n : {0ULL, 5ULL, 24ULL, 31ULL, 1000ULL}) {
    Io io{n, 0x0123456789abcdefULL + n, 0};
    auto r = prog->test_run({.data = test::as_bytes(io)});
    ASSERT_TRUE(r) << r.error().to_string();
    ASSERT_EQ(r->data_out.size(), sizeof(Io));
    Io out;
    std::memcpy(&out, r->data_out.data(), sizeof out);
    const uint64_t a = fold(n, io.seed);
    EXPECT_EQ(out.out, a * 3 + fold(n + 7, a)) << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Api, AllocaFromC,
                         ::testing::Values(Build{"api/progs/alloca.bpf.o", "interp"}, Build{"api/progs/alloca.bpf.o", "jit"},
                                           Build{"api/progs/alloca.c22.bpf.o", "interp"},
                                           Build{"api/progs/alloca.c22.bpf.o", "jit"}),
                         [](const auto& info) {
                           const std::string obj = info.param.object;
                           return std::string(obj.find("c22") != std::string::npos ? "clang22_" : "clang19_") +
                                  info.param.engine;
                         });

TEST(Alloca, ObjectRefusedByNameWhenTheHostDisablesIt) {
  auto o = open_built("api/progs/alloca.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.disabled_extensions = {"alloca"};
  auto s = o->load(lo);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::ElfExtensionMissing) << s.error().to_string();
}

TEST(Alloca, TheBuildListsAlloca) {
  const auto x = extensions();
  EXPECT_NE(std::find(x.begin(), x.end(), "alloca"), x.end());
}

}  // namespace
}  // namespace decade
