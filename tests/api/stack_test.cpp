// SPDX-License-Identifier: Apache-2.0
// Stacks beyond 512 bytes from C (docs/isa-extensions.md, "stack"):
// bigstack.stk.bpf.c (four nested 1600-byte frames) and divstack.stk.bpf.c
// (eight frames, declaring divstack), built by clang-19 and clang-22 with
// -mllvm -bpf-stack-size=8192, run in both engines with the stack size the
// host sets (LoadOptions::stack_size); refused under the kernel's 512, and
// the divided object refused by name when the host disables divstack.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "api_test_util.hpp"

namespace decade {
namespace {

struct Io {
  uint64_t seed, out;
};

uint64_t mix(uint64_t x) { return x * 0x9e3779b97f4a7c15ULL + 1; }

// What the C program computes, `levels` buffers deep.
uint64_t expected(uint64_t seed, int levels) {
  if (levels == 0) return seed ^ (seed >> 29);
  uint64_t buf[200];
  for (uint64_t& w : buf) w = seed = mix(seed);
  uint64_t r = expected(seed, levels - 1);
  for (int i = 199; i >= 0; --i) r = r * 31 + buf[i];
  return r;
}

struct Build {
  const char* object;
  const char* engine;
  int levels;
  uint32_t stack_size;
};
std::ostream& operator<<(std::ostream& os, const Build& b) { return os << b.object << " " << b.engine; }

Result<BpfObject> open_built(const char* rel) {
  return BpfObject::open(test::read_bytes(test::obj(rel)), "stack");
}

class StackFromC : public ::testing::TestWithParam<Build> {};

TEST_P(StackFromC, LargeFramesRunWithTheHostsStackSize) {
  const Build& b = GetParam();
  if (!std::filesystem::exists(test::obj(b.object))) GTEST_SKIP() << b.object << " not built (no clang-22)";
  auto o = open_built(b.object);
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.engine = b.engine;
  lo.stack_size = b.stack_size;
  auto s = o->load(lo);
  ASSERT_TRUE(s) << s.error().to_string();
  auto prog = o->program("bigstack");
  ASSERT_TRUE(prog) << prog.error().to_string();
  for (const uint64_t seed : {0ULL, 1ULL, 0x0123456789abcdefULL, ~0ULL}) {
    Io io{seed, 0};
    auto r = prog->test_run({.data = test::as_bytes(io)});
    ASSERT_TRUE(r) << r.error().to_string();
    ASSERT_EQ(r->data_out.size(), sizeof(Io));
    Io out;
    std::memcpy(&out, r->data_out.data(), sizeof out);
    EXPECT_EQ(out.out, expected(seed, b.levels)) << std::hex << seed;
  }
}

// bigstack: 4 x 1600 bytes in one chain, so 6400 <= 8192. divstack: 6 x
// 1600 in one chain against 2048 per frame.
INSTANTIATE_TEST_SUITE_P(Api, StackFromC,
                         ::testing::Values(Build{"api/progs/bigstack.stk.bpf.o", "interp", 4, 8192},
                                           Build{"api/progs/bigstack.stk.bpf.o", "jit", 4, 8192},
                                           Build{"api/progs/bigstack.stk.c22.bpf.o", "interp", 4, 8192},
                                           Build{"api/progs/bigstack.stk.c22.bpf.o", "jit", 4, 8192},
                                           Build{"api/progs/divstack.stk.bpf.o", "interp", 6, 2048},
                                           Build{"api/progs/divstack.stk.bpf.o", "jit", 6, 2048},
                                           Build{"api/progs/divstack.stk.c22.bpf.o", "interp", 6, 2048},
                                           Build{"api/progs/divstack.stk.c22.bpf.o", "jit", 6, 2048}),
                         [](const auto& info) {
                           const std::string obj = info.param.object;
                           return std::string(obj.find("div") != std::string::npos ? "divided_" : "chain_") +
                                  (obj.find("c22") != std::string::npos ? "clang22_" : "clang19_") + info.param.engine;
                         });

// The kernel's 512 by default: the first 1600-byte frame is out of bounds.
TEST(Stack, LargeFramesRefusedUnderTheDefaultSize) {
  auto o = open_built("api/progs/bigstack.stk.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  auto s = o->load({});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::VerifierOutOfBounds) << s.error().to_string();
}

// Without the divided stack the chain adds up: 6400 bytes over 4096.
TEST(Stack, ChainRefusedOverTheRaisedSize) {
  auto o = open_built("api/progs/bigstack.stk.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.stack_size = 4096;
  auto s = o->load(lo);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::VerifierStackLimit) << s.error().to_string();
}

TEST(Stack, DividedObjectRefusedByNameWhenTheHostDisablesIt) {
  auto o = open_built("api/progs/divstack.stk.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.stack_size = 2048;
  lo.disabled_extensions = {"divstack"};
  auto s = o->load(lo);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::ElfExtensionMissing) << s.error().to_string();
}

TEST(Stack, SizeOutsideTheRangeIsInvalid) {
  auto o = open_built("api/progs/bigstack.stk.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.stack_size = 100;
  auto s = o->load(lo);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument) << s.error().to_string();
}

TEST(Stack, TheBuildListsDivstack) {
  const auto x = extensions();
  EXPECT_NE(std::find(x.begin(), x.end(), "divstack"), x.end());
}

}  // namespace
}  // namespace decade
