// SPDX-License-Identifier: Apache-2.0
// Calls of the bitmanip intrinsics become their instructions where the
// argument is set right before the call (loader/intrinsics.hpp), for the
// objects clang-19 and clang-22 build; the one call whose argument is
// computed in r1 itself stays a call of the kfunc of the same name.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "isa/intrinsics.hpp"
#include "loader/object.hpp"

namespace decade {
namespace {

class IntrinsicCalls : public ::testing::TestWithParam<const char*> {};

TEST_P(IntrinsicCalls, BecomeInstructions) {
  const std::string path = std::string(DECADE_BINARY_DIR) + "/bpf/api/progs/" + GetParam();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not built (no clang-22)";
  std::ifstream f(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), {});
  auto obj = load_object(bytes, {});
  ASSERT_TRUE(obj) << obj.error().to_string();
  ASSERT_EQ(obj->programs.size(), 1u);
  EXPECT_EQ(obj->extensions, std::vector<std::string>{"bitmanip"});
  size_t ext = 0, calls = 0;
  for (const Insn& in : obj->programs[0].program.insns) {
    if (in.info().group == Group::bitmanip) ++ext;
    if (in.info().sem == Sem::CallKfunc && find_intrinsic(obj->kfuncs[static_cast<size_t>(in.imm)].name)) ++calls;
  }
  EXPECT_EQ(ext, 12u);  // 13 calls in the source
  EXPECT_EQ(calls, 1u);  // decade_popcount64(x * 3 + n)
}

INSTANTIATE_TEST_SUITE_P(Loader, IntrinsicCalls, ::testing::Values("bitmanip.bpf.o", "bitmanip.c22.bpf.o"),
                         [](const auto& info) { return std::string(info.index == 0 ? "clang19" : "clang22"); });

}  // namespace
}  // namespace decade
