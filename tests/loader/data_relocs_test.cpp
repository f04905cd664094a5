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

// __arena globals (.addr_space.1) need the object's arena map to hold them.
TEST(ArenaData, GlobalsWithoutAnArenaMapAreRefused) {
  auto o = load_bytes(read_bytes(prog_path("arena_globals_no_map.v4.bpf")));
  ASSERT_FALSE(o) << "loaded";
  EXPECT_EQ(o.error().code, ErrorCode::ElfBadSection) << o.error().to_string();
}

// ... and with it they are the arena's initial value, their loads its direct value.
TEST(ArenaData, GlobalsBecomeTheArenasInitialValue) {
  auto o = load_bytes(read_bytes(std::string(DECADE_BINARY_DIR) + "/bpf/api/progs/arena_globals.v4.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  const MapDef* arena = nullptr;
  for (const MapDef& d : o->maps)
    if (d.type == MapType::Arena) arena = &d;
  ASSERT_NE(arena, nullptr);
  EXPECT_GE(arena->initial_value.size(), 4u + 1100 * 4);  // counter and table
}

// Global data without addresses still loads (the rejection is about relocations only).
TEST(DataRelocs, PlainGlobalDataLoads) {
  const Object o = load_prog("global_data.bpf");
  EXPECT_FALSE(o.maps.empty());
}

}  // namespace
}  // namespace decade
