// SPDX-License-Identifier: Apache-2.0
// Jump tables (loader/jump_tables.hpp): each table a program loads becomes a
// frozen map of that program's instruction slots, relocated when the
// function is appended from .text; malformed tables give ElfBadJumpTable at
// the ld_imm64 that loads them.
#include <gtest/gtest.h>

#include <elf.h>

#include <cstring>

#include "loader_test_util.hpp"

namespace decade {
namespace {

using namespace decade::test;

const char* kObj = "switch_jt.jt.c22.bpf";

std::vector<uint64_t> entries(const MapDef& m) {
  std::vector<uint64_t> out(m.initial_value.size() / 8);
  std::memcpy(out.data(), m.initial_value.data(), out.size() * 8);
  return out;
}

// The slot of the ld_imm64 that loads map `m` in program p (-1 when none).
int64_t loader_pc(const ObjectProgram& p, int32_t m) {
  for (const Insn* in : insns_with(p.program, Sem::LdMapIdxValue))
    if (in->imm == m) return in->pc;
  return -1;
}

TEST(JumpTables, OneFrozenMapPerProgramAndTable) {
  const Object o = load_prog(kObj);
  ASSERT_EQ(o.programs.size(), 3u);
  for (const char* name : {"jt_main.BPF.JT.0.0", "jt_main.BPF.JT.1.0", "jt_second.BPF.JT.1.0", "jt_global.BPF.JT.3.0"}) {
    const MapDef* m = find_map(o, name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->section, ".jumptables");
    EXPECT_TRUE(m->frozen);
    EXPECT_EQ(m->type, MapType::Array);
    EXPECT_EQ(m->max_entries, 1u);
    EXPECT_EQ(m->initial_value.size(), m->value_size);
  }
  EXPECT_EQ(find_map(o, "jt_second.BPF.JT.0.0"), nullptr);  // jt_second has no switch of its own
  EXPECT_EQ(find_map(o, "jt_main.BPF.JT.0.0")->value_size, 64u);
  EXPECT_EQ(find_map(o, "jt_main.BPF.JT.1.0")->value_size, 48u);
}

TEST(JumpTables, EntriesAreInstructionsOfTheLoadingFunction) {
  const Object o = load_prog(kObj);
  for (const ObjectProgram& p : o.programs) {
    for (size_t i = 0; i < o.maps.size(); ++i) {
      if (o.maps[i].section != ".jumptables" || !o.maps[i].name.starts_with(p.name + ".")) continue;
      const int64_t ld = loader_pc(p, static_cast<int32_t>(i));
      ASSERT_GE(ld, 0) << o.maps[i].name;
      const Subprogram* sub = nullptr;
      for (const Subprogram& s : p.program.subprograms)
        if (s.start_pc <= ld && (!sub || s.start_pc > sub->start_pc)) sub = &s;
      ASSERT_NE(sub, nullptr);
      for (uint64_t e : entries(o.maps[i])) {
        ASSERT_LT(e, p.program.slot_count) << o.maps[i].name;
        EXPECT_NE(p.program.at_pc(static_cast<uint32_t>(e)), nullptr) << o.maps[i].name << " entry " << e;
        EXPECT_GT(e, static_cast<uint64_t>(ld)) << o.maps[i].name;  // switch bodies follow the dispatch
      }
    }
  }
}

// The .text function `pick` lands at different slots in the two programs:
// its table holds the same targets shifted by the difference.
TEST(JumpTables, SharedSubprogramTableRelocatedPerProgram) {
  const Object o = load_prog(kObj);
  const ObjectProgram* a = find_program(o, "jt_main");
  const ObjectProgram* b = find_program(o, "jt_second");
  ASSERT_TRUE(a && b);
  const auto ea = entries(*find_map(o, "jt_main.BPF.JT.1.0"));
  const auto eb = entries(*find_map(o, "jt_second.BPF.JT.1.0"));
  ASSERT_EQ(ea.size(), eb.size());
  const int64_t la = loader_pc(*a, map_index(o, "jt_main.BPF.JT.1.0"));
  const int64_t lb = loader_pc(*b, map_index(o, "jt_second.BPF.JT.1.0"));
  ASSERT_GE(la, 0);
  ASSERT_GE(lb, 0);
  EXPECT_NE(la, lb);
  for (size_t k = 0; k < ea.size(); ++k)
    EXPECT_EQ(static_cast<int64_t>(ea[k]) - la, static_cast<int64_t>(eb[k]) - lb) << "entry " << k;
}

// Edits the compiled object through its ELF headers.
struct ElfBytes : ElfEdit {
  ElfBytes() : ElfEdit(kObj) {}
  // Entry k of the table starting at byte `table` of .jumptables.
  void set_entry(uint64_t table, size_t k, uint64_t v) {
    std::memcpy(b.data() + find(".jumptables")->sh_offset + table + 8 * k, &v, 8);
  }
};

enum class Damage { EntryOutside, EntryMisaligned, EntryNegative, SizeNotEntries, SymbolOutside, SymbolMisaligned, EmptyTable };

struct DamageCase {
  const char* name;
  Damage damage;
};

class JumpTableDamage : public ::testing::TestWithParam<DamageCase> {};

TEST_P(JumpTableDamage, GivesErrorAtTheLoad) {
  const Object good = load_prog(kObj);
  const ObjectProgram* prog = find_program(good, "jt_main");
  ASSERT_NE(prog, nullptr);
  const int64_t ld = loader_pc(*prog, map_index(good, "jt_main.BPF.JT.0.0"));
  ASSERT_GE(ld, 0);
  ElfBytes e;
  Elf64_Sym* t = e.sym("BPF.JT.0.0");
  switch (GetParam().damage) {
    case Damage::EntryOutside: e.set_entry(t->st_value, 2, 0x10000); break;
    case Damage::EntryMisaligned: e.set_entry(t->st_value, 1, 0x41); break;
    case Damage::EntryNegative: e.set_entry(t->st_value, 0, ~uint64_t{7}); break;
    case Damage::SizeNotEntries: t->st_size = 60; break;
    case Damage::SymbolOutside: t->st_value = 0x100000; break;
    case Damage::SymbolMisaligned: t->st_value += 4; t->st_size -= 8; break;
    case Damage::EmptyTable: t->st_size = 0; break;
  }
  auto r = load_bytes(e.b);
  ASSERT_FALSE(r) << GetParam().name;
  EXPECT_EQ(r.error().code, ErrorCode::ElfBadJumpTable) << r.error().to_string();
  EXPECT_EQ(r.error().insn, ld) << r.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(Loader, JumpTableDamage,
                         ::testing::Values(DamageCase{"entry_outside", Damage::EntryOutside},
                                           DamageCase{"entry_misaligned", Damage::EntryMisaligned},
                                           DamageCase{"entry_negative", Damage::EntryNegative},
                                           DamageCase{"size_not_entries", Damage::SizeNotEntries},
                                           DamageCase{"symbol_outside", Damage::SymbolOutside},
                                           DamageCase{"symbol_misaligned", Damage::SymbolMisaligned},
                                           DamageCase{"empty_table", Damage::EmptyTable}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace decade
