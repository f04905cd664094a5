// SPDX-License-Identifier: Apache-2.0
// Addresses stored in global data (tables of function pointers, pointers to
// strings or variables) are relocations in .data/.rodata that Decade cannot
// represent in a map value: such objects are rejected with
// ElfDataRelocation instead of being loaded with the unrelocated bytes.
#include <gtest/gtest.h>

#include <filesystem>

#include "loader_test_util.hpp"

namespace decade {
namespace {

using namespace decade::test;

void expect_data_relocation(const std::string& name) {
  if (!std::filesystem::exists(prog_path(name))) GTEST_SKIP() << prog_path(name) << " was not built (no clang-22)";
  auto o = load_bytes(read_bytes(prog_path(name)));
  ASSERT_FALSE(o) << name << " loaded";
  EXPECT_EQ(o.error().code, ErrorCode::ElfDataRelocation) << o.error().to_string();
  EXPECT_EQ(o.error().insn, -1);
}

// clang-19 -mcpu=v4: const table in .rodata, entries relocated against .text, called with callx.
TEST(DataRelocs, FunctionPointerTableInRodata) { expect_data_relocation("data_fn_table.v4.bpf"); }

// clang-22 emits the same relocations for the same source.
TEST(DataRelocs, FunctionPointerTableInRodataClang22) { expect_data_relocation("data_fn_table.c22.bpf"); }

// A mutable struct in .data with a function pointer member.
TEST(DataRelocs, FunctionPointerInDataStruct) { expect_data_relocation("data_fn_struct.bpf"); }

// Pointers to strings (.rodata -> .rodata.str1.1) and to a variable (.data -> counter).
TEST(DataRelocs, DataPointersInGlobalData) { expect_data_relocation("data_ptr_table.bpf"); }

// Global data without addresses still loads (the rejection is about relocations only).
TEST(DataRelocs, PlainGlobalDataLoads) {
  const Object o = load_prog("global_data.bpf");
  EXPECT_FALSE(o.maps.empty());
}

}  // namespace
}  // namespace decade
