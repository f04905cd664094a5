// SPDX-License-Identifier: Apache-2.0
// What the loader extracts from each program of tests/loader/progs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "loader_test_util.hpp"

namespace decade {
namespace {

using namespace decade::test;

void expect_map(const Object& o, const std::string& name, MapType type, uint32_t key, uint32_t value, uint32_t max) {
  const MapDef* m = find_map(o, name);
  ASSERT_NE(m, nullptr) << name;
  EXPECT_EQ(m->type, type) << name;
  EXPECT_EQ(m->key_size, key) << name;
  EXPECT_EQ(m->value_size, value) << name;
  EXPECT_EQ(m->max_entries, max) << name;
}

// The map indexes the program's map_idx loads reference.
std::vector<int32_t> map_refs(const Program& p) {
  std::vector<int32_t> out;
  for (const Insn* in : insns_with(p, Sem::LdMapIdx)) out.push_back(in->imm);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const Subprogram* sub_named(const Program& p, const std::string& name) {
  for (const auto& s : p.subprograms)
    if (s.name == name) return &s;
  return nullptr;
}

TEST(LoaderCorpus, Smoke) {
  Object o = load_prog("smoke.bpf");
  EXPECT_EQ(o.license, "GPL");
  ASSERT_EQ(o.programs.size(), 1u);
  EXPECT_EQ(o.programs[0].name, "f");
  EXPECT_EQ(o.programs[0].section, "xdp");
  EXPECT_EQ(o.programs[0].type, "xdp");
  expect_map(o, "m", MapType::Array, 4, 8, 4);
  EXPECT_EQ(map_refs(o.programs[0].program), std::vector<int32_t>{0});
  ASSERT_NE(o.btf, nullptr);
  EXPECT_EQ(o.btf->type_name(o.maps[0].btf_value_type), "__u64");
}

TEST(LoaderCorpus, ArrayMaps) {
  Object o = load_prog("map_array.bpf");
  expect_map(o, "arr", MapType::Array, 4, 8, 8);
  expect_map(o, "pcpu", MapType::PercpuArray, 4, 4, 2);
  EXPECT_EQ(find_map(o, "arr")->section, ".maps");
  EXPECT_EQ(find_map(o, "pcpu")->btf_key_type, 0u);  // key_size without __type
  EXPECT_EQ(map_refs(o.programs.at(0).program), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(o.programs[0].type, "syscall");
}

TEST(LoaderCorpus, HashMaps) {
  Object o = load_prog("map_hash.bpf");
  expect_map(o, "h", MapType::Hash, 4, 4, 16);
  expect_map(o, "ph", MapType::PercpuHash, 4, 4, 16);
  expect_map(o, "lru", MapType::LruHash, 4, 4, 16);
  expect_map(o, "plru", MapType::LruPercpuHash, 4, 4, 16);
  EXPECT_EQ(map_refs(o.programs.at(0).program), (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(LoaderCorpus, LpmQueueStackBloomRingbuf) {
  Object lpm = load_prog("map_lpm.bpf");
  expect_map(lpm, "lpm", MapType::LpmTrie, 8, 4, 8);
  EXPECT_EQ(find_map(lpm, "lpm")->map_flags, kMapFNoPrealloc);
  Object qs = load_prog("map_queue_stack.bpf");
  expect_map(qs, "q", MapType::Queue, 0, 4, 4);
  expect_map(qs, "st", MapType::Stack, 0, 4, 4);
  Object bloom = load_prog("map_bloom.bpf");
  expect_map(bloom, "bloom", MapType::BloomFilter, 0, 4, 64);
  EXPECT_EQ(find_map(bloom, "bloom")->map_extra, 3u);
  Object rb = load_prog("map_ringbuf.bpf");
  expect_map(rb, "rb", MapType::Ringbuf, 0, 0, 4096);
}

TEST(LoaderCorpus, TailCallSlotsAreFilled) {
  Object o = load_prog("tail_call.bpf");
  expect_map(o, "jmp", MapType::ProgArray, 4, 4, 2);
  ASSERT_NE(find_program(o, "callee"), nullptr);
  ASSERT_NE(find_program(o, "tail_call"), nullptr);
  ASSERT_EQ(o.slot_inits.size(), 1u);
  EXPECT_EQ(o.slot_inits[0].map, static_cast<uint32_t>(map_index(o, "jmp")));
  EXPECT_EQ(o.slot_inits[0].slot, 0u);
  EXPECT_EQ(o.slot_inits[0].program, "callee");
}

TEST(LoaderCorpus, MapInMap) {
  Object o = load_prog("map_in_map.bpf");
  expect_map(o, "inner_a", MapType::Array, 4, 4, 1);
  expect_map(o, "outer_arr", MapType::ArrayOfMaps, 4, 4, 2);
  expect_map(o, "outer_hash", MapType::HashOfMaps, 4, 4, 2);
  for (const char* outer : {"outer_arr", "outer_hash"}) {
    const MapDef* m = find_map(o, outer);
    ASSERT_NE(m->inner, nullptr) << outer;
    EXPECT_EQ(m->inner->type, MapType::Array);
    EXPECT_EQ(m->inner->value_size, 4u);
    EXPECT_EQ(m->inner->max_entries, 1u);
  }
  ASSERT_EQ(o.slot_inits.size(), 1u);
  EXPECT_EQ(o.slot_inits[0].map, static_cast<uint32_t>(map_index(o, "outer_arr")));
  EXPECT_EQ(o.slot_inits[0].slot, 1u);
  EXPECT_EQ(o.slot_inits[0].inner_map, map_index(o, "inner_a"));
}

TEST(LoaderCorpus, ArenaAndKfuncs) {
  Object o = load_prog("arena.v4.bpf");
  expect_map(o, "arena", MapType::Arena, 0, 0, 4);
  EXPECT_EQ(find_map(o, "arena")->map_flags, kMapFMmapable);
  ASSERT_EQ(o.kfuncs.size(), 2u);
  for (const auto& k : o.kfuncs) EXPECT_NE(k.proto, nullptr) << k.name;
  const auto calls = insns_with(o.programs.at(0).program, Sem::CallKfunc);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(o.kfuncs.at(static_cast<size_t>(calls[0]->imm)).name, "bpf_arena_alloc_pages");
  EXPECT_EQ(o.kfuncs.at(static_cast<size_t>(calls[1]->imm)).name, "bpf_arena_free_pages");
}

TEST(LoaderCorpus, GlobalDataSections) {
  Object o = load_prog("global_data.bpf");
  auto by_section = [&](const std::string& sec) -> const MapDef* {
    for (const auto& m : o.maps)
      if (m.section == sec) return &m;
    return nullptr;
  };
  const MapDef* ro = by_section(".rodata");
  const MapDef* data = by_section(".data");
  const MapDef* bss = by_section(".bss");
  const MapDef* stats = by_section(".data.stats");
  ASSERT_TRUE(ro && data && bss && stats);
  EXPECT_TRUE(ro->frozen);
  EXPECT_FALSE(data->frozen || bss->frozen || stats->frozen);
  for (const MapDef* m : {ro, data, bss, stats}) {
    EXPECT_EQ(m->type, MapType::Array);
    EXPECT_EQ(m->key_size, 4u);
    EXPECT_EQ(m->max_entries, 1u);
    EXPECT_EQ(m->initial_value.size(), m->value_size);
    EXPECT_LE(m->name.size(), 15u);
  }
  EXPECT_EQ(data->name, "test.data");
  EXPECT_EQ(bss->value_size, 8u);
  EXPECT_EQ(bss->initial_value, std::vector<uint8_t>(8, 0));
  int32_t bias = 0, hits = 0;
  std::memcpy(&bias, data->initial_value.data(), 4);
  std::memcpy(&hits, stats->initial_value.data(), 4);
  EXPECT_EQ(bias, 2);
  EXPECT_EQ(hits, 10);
  // `limit` sits where the .rodata DATASEC says, holding 40.
  ASSERT_NE(ro->btf_value_type, 0u);
  const BtfType* ds = o.btf->type(ro->btf_value_type);
  bool found = false;
  for (const auto& v : ds->secinfo) {
    if (o.btf->type(v.type)->name != "limit") continue;
    int32_t limit = 0;
    std::memcpy(&limit, ro->initial_value.data() + v.offset, 4);
    EXPECT_EQ(limit, 40);
    found = true;
  }
  EXPECT_TRUE(found);
  // Every global-data access is a map_idx_value load of one of these maps.
  const Program& p = o.programs.at(0).program;
  const auto loads = insns_with(p, Sem::LdMapIdxValue);
  EXPECT_GE(loads.size(), 4u);
  for (const Insn* in : loads) {
    const MapDef& m = o.maps.at(static_cast<size_t>(in->imm));
    EXPECT_LT(static_cast<uint32_t>(in->imm2), m.value_size);
  }
  EXPECT_TRUE(insns_with(p, Sem::LdMapFd).empty());
  EXPECT_NE(sub_named(p, "greet"), nullptr);
  // String literals: .rodata.str1.1, frozen, referenced at offset 0.
  const MapDef* str = by_section(".rodata.str1.1");
  ASSERT_NE(str, nullptr);
  EXPECT_TRUE(str->frozen);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(str->initial_value.data())), "decade");
  bool str_ref = false;
  for (const Insn* in : loads) str_ref = str_ref || o.maps.at(static_cast<size_t>(in->imm)).section == ".rodata.str1.1";
  EXPECT_TRUE(str_ref);
}

TEST(LoaderCorpus, SubprogramsAreAppendedPerProgram) {
  Object o = load_prog("subprogs.bpf");
  const ObjectProgram* a = find_program(o, "sub_a");
  const ObjectProgram* b = find_program(o, "sub_b");
  const ObjectProgram* c = find_program(o, "sub_c");
  ASSERT_TRUE(a && b && c);
  ASSERT_EQ(a->program.subprograms.size(), 3u);
  ASSERT_EQ(b->program.subprograms.size(), 3u);
  ASSERT_EQ(c->program.subprograms.size(), 2u);
  EXPECT_EQ(a->program.subprograms[0].name, "sub_a");
  ASSERT_NE(sub_named(a->program, "twice"), nullptr);
  ASSERT_NE(sub_named(a->program, "add_one"), nullptr);
  ASSERT_NE(sub_named(c->program, "add_one"), nullptr);
  EXPECT_EQ(sub_named(c->program, "twice"), nullptr);
  // Calls land on the start of a named subprogram.
  for (const ObjectProgram* op : {a, b, c}) {
    const auto calls = insns_with(op->program, Sem::CallLocal);
    EXPECT_FALSE(calls.empty());
    for (const Insn* c : calls) {
      bool lands = false;
      for (const auto& s : op->program.subprograms) lands = lands || static_cast<int32_t>(s.start_pc) == c->target;
      EXPECT_TRUE(lands) << op->name << " call at " << c->pc;
    }
    // func info: every subprogram has its FUNC; add_one is global, twice static.
    ASSERT_EQ(op->func_btf_ids.size(), op->program.subprograms.size());
    for (size_t i = 0; i < op->func_btf_ids.size(); ++i) {
      const BtfType* f = o.btf->type(op->func_btf_ids[i]);
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->kind, BtfKind::Func);
      EXPECT_EQ(f->name, op->program.subprograms[i].name);
      if (f->name == "add_one") {
        EXPECT_EQ(f->linkage, 1u);
      }
      if (f->name == "twice") {
        EXPECT_EQ(f->linkage, 0u);
      }
    }
  }
}

TEST(LoaderCorpus, CallbackAddressIsAFunctionLoad) {
  Object o = load_prog("callback_loop.bpf");
  const Program& p = o.programs.at(0).program;
  const auto funcs = insns_with(p, Sem::LdFunc);
  ASSERT_EQ(funcs.size(), 1u);
  const Subprogram* cb = sub_named(p, "add_index");
  ASSERT_NE(cb, nullptr);
  EXPECT_EQ(funcs[0]->target, static_cast<int32_t>(cb->start_pc));
}

TEST(LoaderCorpus, IteratorKfuncs) {
  Object o = load_prog("iter_num.bpf");
  std::vector<std::string> names;
  for (const Insn* c : insns_with(o.programs.at(0).program, Sem::CallKfunc)) names.push_back(o.kfuncs.at(static_cast<size_t>(c->imm)).name);
  EXPECT_NE(std::find(names.begin(), names.end(), "bpf_iter_num_new"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "bpf_iter_num_next"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "bpf_iter_num_destroy"), names.end());
  for (const auto& k : o.kfuncs) EXPECT_NE(k.proto, nullptr);
}

TEST(LoaderCorpus, LegacyMapsSection) {
  Object o = load_prog("legacy_maps.bpf");
  expect_map(o, "legacy", MapType::Hash, 4, 8, 32);
  EXPECT_EQ(find_map(o, "legacy")->section, "maps");
  EXPECT_EQ(map_refs(o.programs.at(0).program), std::vector<int32_t>{0});
}

TEST(LoaderCorpus, WeakKfuncMayBeMissing) {
  Object o = load_prog("weak_kfunc.bpf");
  ASSERT_EQ(o.kfuncs.size(), 1u);
  EXPECT_EQ(o.kfuncs[0].name, "decade_optional_kfunc");
  EXPECT_EQ(o.kfuncs[0].proto, nullptr);
  const Program& p = o.programs.at(0).program;
  const auto lddw = insns_with(p, Sem::LdImm64);
  ASSERT_EQ(lddw.size(), 1u);  // the existence check loads NULL
  EXPECT_EQ(lddw[0]->imm64, 0u);
}

TEST(LoaderCorpus, LineInfo) {
  Object o = load_prog("global_data.bpf");
  const Program& p = o.programs.at(0).program;
  ASSERT_FALSE(p.lines.empty());
  EXPECT_TRUE(std::is_sorted(p.lines.begin(), p.lines.end(), [](const LineInfo& x, const LineInfo& y) { return x.pc < y.pc; }));
  bool counter_line = false, greet_line = false;
  const Subprogram* greet = sub_named(p, "greet");
  ASSERT_NE(greet, nullptr);
  for (const auto& l : p.lines) {
    EXPECT_TRUE(l.file.ends_with("global_data.bpf.c")) << l.file;
    EXPECT_GT(l.line, 0u);
    EXPECT_LT(l.pc, p.slot_count);
    counter_line = counter_line || l.text.find("counter++") != std::string::npos;
    if (l.text.find("bpf_trace_printk") != std::string::npos) {
      greet_line = true;
      EXPECT_GE(l.pc, greet->start_pc);  // adjusted to where greet was appended
    }
  }
  EXPECT_TRUE(counter_line);
  EXPECT_TRUE(greet_line);
  const LineInfo* first = p.line_for(0);
  ASSERT_NE(first, nullptr);
}

// A program's own failure stays with the program (the API reports it when
// the program is verified or loaded), so that it cannot fail the others.
const Error& program_error(const Result<Object>& o) {
  static const Error none{};
  if (!o || o->programs.size() != 1 || !o->programs[0].error) return none;
  return *o->programs[0].error;
}

TEST(LoaderCorpus, ErrorsFromTheCorpus) {
  auto unknown = load_bytes(read_bytes(prog_path("unknown_section.bpf")));
  ASSERT_TRUE(unknown) << unknown.error().to_string();
  EXPECT_EQ(program_error(unknown).code, ErrorCode::ElfUnknownSection);
  EXPECT_TRUE(unknown->programs[0].type.empty());
  auto missing = load_bytes(read_bytes(prog_path("missing_kfunc.bpf")));
  ASSERT_TRUE(missing) << missing.error().to_string();
  EXPECT_EQ(program_error(missing).code, ErrorCode::ElfMissingSymbol);
  EXPECT_EQ(program_error(missing).insn, 1);  // r1 = 1; call decade_no_such_kfunc
}

}  // namespace
}  // namespace decade

namespace decade {
namespace {

using namespace decade::test;

TEST(LoaderCorpus, SpinLockOffsetFromBtf) {
  Object o = load_prog("spin_lock.bpf");
  const MapDef* m = find_map(o, "counters");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->value_size, 16u);
  EXPECT_EQ(m->spin_lock_off, 8);
  EXPECT_EQ(o.btf->type_name(m->btf_value_type), "struct counter");
  EXPECT_EQ(find_map(load_prog("map_hash.bpf"), "h")->spin_lock_off, -1);
}

TEST(LoaderCorpus, ResSpinLockOffsetFromBtf) {
  Object o = load_prog("res_lock.bpf");
  const MapDef* m = find_map(o, "counters");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->res_lock_off, 8);
  EXPECT_EQ(m->spin_lock_off, -1);
  EXPECT_EQ(m->lock_field_off(), 8);
  EXPECT_EQ(find_map(load_prog("spin_lock.bpf"), "counters")->res_lock_off, -1);
}

TEST(LoaderCorpus, ErrorsCarryTheSourceLine) {
  auto missing = load_bytes(read_bytes(prog_path("missing_kfunc.bpf")));
  const Error& e = program_error(missing);
  EXPECT_EQ(e.code, ErrorCode::ElfMissingSymbol);
  EXPECT_TRUE(e.where.file.ends_with("missing_kfunc.bpf.c")) << e.where.file;
  EXPECT_NE(e.where.text.find("decade_no_such_kfunc"), std::string::npos);
}

}  // namespace
}  // namespace decade

namespace decade {
namespace {

using namespace decade::test;

uint64_t optional_kfunc(uint64_t x, uint64_t, uint64_t, uint64_t, uint64_t) { return x + 1; }

TEST(LoaderCorpus, WeakKfuncResolvedWhenTheHostRegistersIt) {
  Platform p = Platform::standard();
  FuncProto k;
  k.name = "decade_optional_kfunc";
  k.fn = optional_kfunc;
  k.args[0] = ArgKind::Scalar;
  ASSERT_TRUE(p.add_kfunc(k));
  ObjectLoadOptions o;
  o.platform = &p;
  auto obj = load_object(read_bytes(prog_path("weak_kfunc.bpf")), o);
  ASSERT_TRUE(obj) << obj.error().to_string();
  ASSERT_EQ(obj->kfuncs.size(), 1u);
  ASSERT_NE(obj->kfuncs[0].proto, nullptr);
  EXPECT_EQ(obj->kfuncs[0].proto->fn, &optional_kfunc);
  const auto lddw = insns_with(obj->programs.at(0).program, Sem::LdImm64);
  ASSERT_EQ(lddw.size(), 1u);
  EXPECT_EQ(lddw[0]->imm64, 1u);  // non-NULL: kfunc index 0 + 1
}

}  // namespace
}  // namespace decade
