// SPDX-License-Identifier: Apache-2.0
// Checked execution over maps, on every engine: a hash element exposes only
// its value bytes (the chain link and key in front of it fault), and an inner
// map reached through a map-of-maps is a map argument.
#include <gtest/gtest.h>

#include <cstring>

#include "api_test_util.hpp"

namespace decade {
namespace {

class CheckedMaps : public ::testing::TestWithParam<std::string> {
 protected:
  Result<BpfObject> open_loaded() const { return test::open_loaded("api/progs/checked_maps.bpf.o", GetParam(), true); }
};

// The instruction index of the first line of `prog`'s disassembly that
// contains `needle` (the faulting access), or -1.
int64_t insn_of(const BpfProgram& prog, std::string_view needle) {
  const std::string text = prog.disassembly(false);
  size_t at = text.find(needle);
  if (at == std::string::npos) return -1;
  size_t line = text.rfind('\n', at);
  line = line == std::string::npos ? 0 : line + 1;
  return std::stoll(text.substr(line, text.find(':', line) - line));
}

const char* const kHashMaps[] = {"hash", "percpu_hash", "lru_hash", "lru_percpu_hash"};

TEST_P(CheckedMaps, ValueBytesAreTheProgramsAndNothingElse) {
  auto o = open_loaded();
  ASSERT_TRUE(o) << o.error().to_string();
  for (const char* map : kHashMaps) {
    SCOPED_TRACE(map);
    auto value = o->program(std::string("value_") + map);
    ASSERT_TRUE(value);
    auto r = value->test_run({});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->retval, 7u);

    auto link = o->program(std::string("link_") + map);
    ASSERT_TRUE(link);
    auto bad = link->test_run({});
    ASSERT_FALSE(bad) << "a write to the chain link was allowed";
    EXPECT_EQ(bad.error().code, ErrorCode::ExecOutOfBounds);
    EXPECT_EQ(bad.error().insn, insn_of(*link, "- 0x28)")) << link->disassembly(false);

    auto key = o->program(std::string("key_") + map);
    ASSERT_TRUE(key);
    auto kbad = key->test_run({});
    ASSERT_FALSE(kbad) << "a read of the key was allowed";
    EXPECT_EQ(kbad.error().code, ErrorCode::ExecOutOfBounds);
    EXPECT_EQ(kbad.error().insn, insn_of(*key, "- 0x8)")) << key->disassembly(false);

    // The element survived: the host still finds the value the program wrote.
    auto m = o->map(map);
    ASSERT_TRUE(m);
    std::vector<uint8_t> v(m->host_value_size());
    const uint32_t k = 0;
    ASSERT_TRUE(m->lookup(test::as_bytes(k), v));
  }
}

TEST_P(CheckedMaps, InnerMapsAreMapArguments) {
  auto a = open_loaded();
  ASSERT_TRUE(a) << a.error().to_string();
  auto b = open_loaded();  // a second object whose `hash` map becomes the inner map
  ASSERT_TRUE(b) << b.error().to_string();
  auto prog = a->program("inner_map");
  ASSERT_TRUE(prog);
  auto empty = prog->test_run({});
  ASSERT_TRUE(empty) << empty.error().to_string();
  EXPECT_EQ(empty->retval, 1u);  // no inner map stored yet

  auto outer = a->map("outer");
  auto inner = b->map("hash");
  ASSERT_TRUE(outer && inner);
  const uint32_t key = 1, id = inner->id();
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(outer->update(test::as_bytes(key), test::as_bytes(id)));
  auto r = prog->test_run({});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 9u);
  auto seen = inner->lookup<uint32_t, uint64_t>(0);
  ASSERT_TRUE(seen);
  EXPECT_EQ(*seen, 9u);

  // Removing it from the outer map keeps the inner map valid for the program's
  // pointers but the lookup misses again.
  ASSERT_TRUE(outer->erase(test::as_bytes(key)));
  auto gone = prog->test_run({});
  ASSERT_TRUE(gone) << gone.error().to_string();
  EXPECT_EQ(gone->retval, 1u);
}

TEST_P(CheckedMaps, ForgedMapPointerIsABadCall) {
  auto o = open_loaded();
  ASSERT_TRUE(o) << o.error().to_string();
  auto prog = o->program("forged_map");
  ASSERT_TRUE(prog);
  auto r = prog->test_run({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ExecBadCall);
  EXPECT_GE(r.error().insn, 0);
}

INSTANTIATE_TEST_SUITE_P(Api, CheckedMaps, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
