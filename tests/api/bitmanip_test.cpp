// SPDX-License-Identifier: Apache-2.0
// The bitmanip extension reached from C (include/decade/bpf_ext.h), built by
// clang-19 and clang-22, run in both engines against isa/semantics.hpp; and
// the refusal by name (ElfExtensionMissing) of a program that needs the
// extension when the host disabled it, for an object and for raw bytecode.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>

#include "api_test_util.hpp"
#include "isa/semantics.hpp"

namespace decade {
namespace {

struct Io {
  uint64_t x, n;
  uint64_t out[12];
};

std::array<uint64_t, 12> expected(uint64_t x, uint64_t n) {
  const auto x32 = static_cast<uint32_t>(x);
  return {sem::popcnt64(x),  sem::popcnt32(x32), sem::clz64(x),      sem::clz32(x32),
          sem::ctz64(x),     sem::ctz32(x32),    sem::rol64(x, n),   sem::ror64(x, n),
          sem::rol32(x32, n), sem::ror32(x32, n), sem::popcnt64(x * 3 + n), sem::clz64(x) + sem::ctz64(n)};
}

struct Build {
  const char* object;
  const char* engine;
};
std::ostream& operator<<(std::ostream& os, const Build& b) { return os << b.object << " " << b.engine; }

class BitmanipFromC : public ::testing::TestWithParam<Build> {};

TEST_P(BitmanipFromC, IntrinsicsGiveTheInstructionsResults) {
  const std::string path = test::obj(GetParam().object);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not built (no clang-22)";
  auto o = BpfObject::open(test::read_bytes(path), "bitmanip");
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.engine = GetParam().engine;
  auto s = o->load(lo);
  ASSERT_TRUE(s) << s.error().to_string();
  auto prog = o->program("bitmanip");
  ASSERT_TRUE(prog) << prog.error().to_string();
  const uint64_t kInputs[][2] = {{0, 0},       {~0ULL, 64},        {0x8000000000000001ULL, 65}, {0x0123456789abcdefULL, 7},
                                 {0xffff0000ULL, 33}, {1ULL << 40, ~0ULL}, {0x100000000ULL, 32}};
  for (const auto& [x, n] : kInputs) {
    Io io{x, n, {}};
    auto r = prog->test_run({.data = test::as_bytes(io)});
    ASSERT_TRUE(r) << r.error().to_string();
    ASSERT_EQ(r->data_out.size(), sizeof(Io));
    Io out;
    std::memcpy(&out, r->data_out.data(), sizeof out);
    const auto want = expected(x, n);
    for (size_t k = 0; k < want.size(); ++k)
      EXPECT_EQ(out.out[k], want[k]) << "out[" << k << "] x=" << std::hex << x << " n=" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Api, BitmanipFromC,
                         ::testing::Values(Build{"api/progs/bitmanip.bpf.o", "interp"}, Build{"api/progs/bitmanip.bpf.o", "jit"},
                                           Build{"api/progs/bitmanip.c22.bpf.o", "interp"},
                                           Build{"api/progs/bitmanip.c22.bpf.o", "jit"}),
                         [](const auto& info) {
                           return std::string(info.index < 2 ? "clang19_" : "clang22_") + info.param.engine;
                         });

TEST(Bitmanip, ObjectRefusedByNameWhenTheHostDisablesIt) {
  auto o = BpfObject::open(test::read_bytes(test::obj("api/progs/bitmanip.bpf.o")), "bitmanip");
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.disabled_extensions = {"bitmanip"};
  auto s = o->load(lo);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::ElfExtensionMissing) << s.error().to_string();
}

TEST(Bitmanip, RawBytecodeRefusedByNameWhenTheHostDisablesIt) {
  // r0 = 5; r0 = popcnt r0; exit
  const uint8_t code[] = {0xb7, 0, 0, 0, 5, 0, 0, 0, 0xe7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
  for (const bool disabled : {false, true}) {
    auto o = BpfObject::from_bytecode(code, "main", "raw");
    ASSERT_TRUE(o) << o.error().to_string();
    LoadOptions lo;
    if (disabled) lo.disabled_extensions = {"bitmanip"};
    auto s = o->load(lo);
    if (!disabled) {
      ASSERT_TRUE(s) << s.error().to_string();
      auto r = o->program("main")->test_run({});
      ASSERT_TRUE(r) << r.error().to_string();
      EXPECT_EQ(r->retval, 2u);
      continue;
    }
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::ElfExtensionMissing) << s.error().to_string();
    EXPECT_EQ(s.error().insn, 1);
  }
}

TEST(Bitmanip, TheBuildListsTheExtension) {
  const auto x = extensions();
  EXPECT_NE(std::find(x.begin(), x.end(), "bitmanip"), x.end());
}

}  // namespace
}  // namespace decade
