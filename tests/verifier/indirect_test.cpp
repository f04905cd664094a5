// SPDX-License-Identifier: Apache-2.0
// gotox through jump tables and callx through function pointers
// (verifier/indirect.hpp): table-driven accept and reject cases. Each case
// may bring jump tables, added as maps 16, 17, ... after the fixture's first 16 maps (0-15;
// its later maps are left out here);
// entries are absolute instruction slots, as the loader makes them.
#include <gtest/gtest.h>

#include <cstring>

#include "verifier_test_util.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

struct IndirectCase {
  const char* name;
  const char* text;
  std::vector<std::vector<uint64_t>> tables;
  ErrorCode code;
  int64_t insn = -1;
};

std::ostream& operator<<(std::ostream& os, const IndirectCase& c) { return os << c.name; }

MapDef jump_table(const std::vector<uint64_t>& entries, size_t k) {
  MapDef d;
  d.name = "jt" + std::to_string(k);
  d.type = MapType::Array;
  d.key_size = 4;
  d.value_size = static_cast<uint32_t>(entries.size() * 8);
  d.max_entries = 1;
  d.map_flags = kMapFRdonlyProg;
  d.frozen = true;
  d.section = ".jumptables";
  d.initial_value.resize(d.value_size);
  std::memcpy(d.initial_value.data(), entries.data(), d.value_size);
  return d;
}

Result<VerifyResult> verify_case(const IndirectCase& c, const VerifyOptions& opts = {}) {
  VerifierEnv env;
  auto p = env.assemble_program(c.text);
  if (!p) return std::unexpected(p.error());
  std::vector<MapDef> tables;
  for (size_t k = 0; k < c.tables.size(); ++k) tables.push_back(jump_table(c.tables[k], k));
  VerifyInput in;
  in.program = &*p;
  in.platform = &env.platform();
  in.type = env.platform().program_type("xdp");
  for (size_t i = 0; i <= kCgroupArray; ++i) in.maps.push_back(env.maps()[i].get());
  for (const MapDef& t : tables) in.maps.push_back(&t);
  in.kfuncs = {};
  return verify(in, opts);
}

// Index 0 or 1 from a context field, scaled to an 8-byte entry: slots 0-3,
// then the table's ld_imm64 at 4-5 and r1 = table + r6 at 6.
#define BOUNDED_INDEX \
  "r2 = *(u32 *)(r1 + 12)\nr6 = r2\nr6 &= 1\nr6 <<= 3\nr1 = map_idx_value(16, 0) ll\nr1 += r6\n"
// After BOUNDED_INDEX: slot 7 loads the entry, 8 is the gotox, targets at 9 and 11.
#define TWO_TARGETS "r2 = *(u64 *)(r1 + 0)\ngotox r2\nr0 = 1\nexit\nr0 = 2\nexit\n"

const IndirectCase kGotox[] = {
    {"gotox_constant_entry", "r1 = map_idx_value(16, 0) ll\nr2 = *(u64 *)(r1 + 8)\ngotox r2\nr0 = 1\nexit\nr0 = 2\nexit\n",
     {{4, 6}}, E::Ok},
    {"gotox_bounded_index", BOUNDED_INDEX TWO_TARGETS, {{9, 11}}, E::Ok},
    // Both targets are explored: the second one reads an uninitialised register.
    {"gotox_explores_every_target", BOUNDED_INDEX "r2 = *(u64 *)(r1 + 0)\ngotox r2\nr0 = 1\nexit\nr0 = r7\nexit\n",
     {{9, 11}}, E::VerifierUninitRegister, 11},
    // Entry 2 is out of the index's reach: its bad code is never explored.
    {"gotox_unreachable_entry_skipped",
     BOUNDED_INDEX "r2 = *(u64 *)(r1 + 0)\ngotox r2\nr0 = 1\nexit\nr0 = 2\nexit\nr0 = r7\nexit\n", {{9, 11, 13}}, E::Ok},
    {"gotox_through_spill",
     "r1 = map_idx_value(16, 0) ll\nr2 = *(u64 *)(r1 + 0)\n*(u64 *)(r10 - 8) = r2\nr3 = *(u64 *)(r10 - 8)\ngotox r3\n"
     "r0 = 2\nexit\n",
     {{6}}, E::Ok},
    {"gotox_loop_through_table",
     "r6 = 0\nl: r1 = map_idx_value(16, 0) ll\nr2 = *(u64 *)(r1 + 0)\ngotox r2\nr6 += 1\nif r6 < 4 goto l\nr0 = 2\nexit\n",
     {{5}}, E::Ok},
    {"gotox_unknown_scalar", "r2 = *(u32 *)(r1 + 12)\nr1 = map_idx_value(16, 0) ll\ngotox r2\nr0 = 2\nexit\n", {{4}},
     E::VerifierIndirectJump, 3},
    {"gotox_modified_entry", "r1 = map_idx_value(16, 0) ll\nr2 = *(u64 *)(r1 + 0)\nr2 += 0\ngotox r2\nr0 = 2\nexit\n", {{5}},
     E::VerifierIndirectJump, 4},
    {"gotox_narrow_load", "r1 = map_idx_value(16, 0) ll\nr2 = *(u32 *)(r1 + 0)\ngotox r2\nr0 = 2\nexit\n", {{4}},
     E::VerifierIndirectJump, 3},
    {"gotox_misaligned_load", "r1 = map_idx_value(16, 0) ll\nr2 = *(u64 *)(r1 + 4)\ngotox r2\nr0 = 2\nexit\n", {{4, 4}},
     E::VerifierIndirectJump, 3},
    {"gotox_pointer", "r1 = map_idx_value(16, 0) ll\ngotox r1\nr0 = 2\nexit\n", {{3}}, E::VerifierIndirectJump, 2},
    {"gotox_uninit", "r1 = map_idx_value(16, 0) ll\ngotox r5\nr0 = 2\nexit\n", {{3}}, E::VerifierUninitRegister, 2},
    {"gotox_no_table", "r2 = 3\ngotox r2\nr0 = 2\nexit\n", {}, E::VerifierIndirectJump, 1},
    {"gotox_plain_map_value", "r1 = map_idx_value(8, 0) ll\nr2 = *(u64 *)(r1 + 0)\ngotox r2\nr0 = 2\nexit\n", {{4}},
     E::VerifierIndirectJump, 3},
    {"table_entry_outside_program", "r1 = map_idx_value(16, 0) ll\nr2 = *(u64 *)(r1 + 0)\ngotox r2\nr0 = 2\nexit\n",
     {{100}}, E::VerifierIndirectJump, 0},
    {"table_entry_mid_lddw",
     "r1 = map_idx_value(16, 0) ll\nr2 = *(u64 *)(r1 + 0)\ngotox r2\nr0 = 2\nexit\n", {{1}}, E::VerifierIndirectJump, 0},
    {"table_entry_other_function",
     "r1 = map_idx_value(16, 0) ll\nr2 = *(u64 *)(r1 + 0)\ngotox r2\nr0 = 2\ncall f\nexit\nf: r0 = 2\nexit\n", {{7}},
     E::VerifierIndirectJump, 0},
    {"table_index_unbounded",
     "r6 = *(u32 *)(r1 + 12)\nr1 = map_idx_value(16, 0) ll\nr1 += r6\nr2 = *(u64 *)(r1 + 0)\ngotox r2\nr0 = 2\nexit\n", {{6}},
     E::VerifierOutOfBounds, 4},
    {"table_write", "r1 = map_idx_value(16, 0) ll\nr2 = 5\n*(u64 *)(r1 + 0) = r2\nr2 = *(u64 *)(r1 + 0)\ngotox r2\nr0 = 2\nexit\n",
     {{6}}, E::VerifierReadOnly, 3},
    {"gotox_last_insn", "r1 = map_idx_value(16, 0) ll\nr2 = *(u64 *)(r1 + 0)\ngoto go\nt: r0 = 2\nexit\ngo: gotox r2\n",
     {{4}}, E::Ok},
};

const IndirectCase kCallx[] = {
    {"callx_static", "r2 = func(f) ll\nr1 = 1\ncallx r2\nexit\nf: r0 = r1\nr0 += 1\nexit\n", {}, E::Ok},
    {"callx_branch_join",
     "r3 = *(u32 *)(r1 + 12)\nr2 = func(f) ll\nif r3 == 0 goto go\nr2 = func(g) ll\ngo: r1 = 1\ncallx r2\nexit\n"
     "f: r0 = 2\nexit\ng: r0 = 1\nexit\n",
     {}, E::Ok},
    // The second target is verified too and returns an out-of-range value.
    {"callx_branch_join_bad_target",
     "r3 = *(u32 *)(r1 + 12)\nr2 = func(f) ll\nif r3 == 0 goto go\nr2 = func(g) ll\ngo: r1 = 1\ncallx r2\nexit\n"
     "f: r0 = 2\nexit\ng: r0 = r7\nexit\n",
     {}, E::VerifierUninitRegister, 11},
    {"callx_spilled_pointer",
     "r2 = func(f) ll\n*(u64 *)(r10 - 8) = r2\nr3 = *(u64 *)(r10 - 8)\ncallx r3\nexit\nf: r0 = 2\nexit\n", {}, E::Ok},
    {"callx_args_checked", "r2 = func(f) ll\ncallx r2\nexit\nf: r0 = r3\nexit\n", {}, E::VerifierUninitRegister, 4},
    {"callx_clobbers_r1", "r2 = func(f) ll\nr1 = 1\ncallx r2\nr0 = r1\nexit\nf: r0 = 2\nexit\n", {},
     E::VerifierUninitRegister, 4},
    {"callx_keeps_r6", "r6 = 2\nr2 = func(f) ll\ncallx r2\nr0 = r6\nexit\nf: r0 = 1\nexit\n", {}, E::Ok},
    {"callx_scalar", "r2 = 0\ncallx r2\nr0 = 2\nexit\n", {}, E::VerifierIndirectCall, 1},
    {"callx_helper_id", "r2 = 5\ncallx r2\nr0 = 2\nexit\n", {}, E::VerifierIndirectCall, 1},
    {"callx_uninit", "callx r4\nr0 = 2\nexit\n", {}, E::VerifierUninitRegister, 0},
    {"callx_map_value", "r2 = map_idx_value(8, 0) ll\ncallx r2\nr0 = 2\nexit\n", {}, E::VerifierIndirectCall, 2},
    {"callx_ctx", "callx r1\nr0 = 2\nexit\n", {}, E::VerifierIndirectCall, 0},
    {"callx_recursion", "r2 = func(f) ll\ncallx r2\nexit\nf: r2 = func(f) ll\ncallx r2\nexit\n", {},
     E::VerifierCallDepth, 6},
    {"callx_stack_chain",
     "r1 = 0\n*(u64 *)(r10 - 304) = r1\nr2 = func(f) ll\ncallx r2\nr0 = 2\nexit\nf: r1 = 0\n*(u64 *)(r10 - 304) = r1\n"
     "r0 = 1\nexit\n",
     {}, E::VerifierStackLimit, 4},
    // Only the callx edge (g calls f through the pointer main passed) makes the chain too deep.
    {"callx_stack_chain_through_argument",
     "r1 = func(f) ll\ncall g\nr0 = 2\nexit\ng: r2 = 0\n*(u64 *)(r10 - 304) = r2\ncallx r1\nr0 = 1\nexit\n"
     "f: r1 = 0\n*(u64 *)(r10 - 304) = r1\nr0 = 1\nexit\n",
     {}, E::VerifierStackLimit, 2},
    {"callx_return_pointer_to_stack", "r2 = func(f) ll\ncallx r2\nr0 = 2\nexit\nf: r0 = r10\nexit\n", {},
     E::VerifierBadReturn, 6},
};

class GotoxCases : public ::testing::TestWithParam<IndirectCase> {};
class CallxCases : public ::testing::TestWithParam<IndirectCase> {};

void run(const IndirectCase& c) {
  auto r = verify_case(c);
  if (c.code == E::Ok) {
    EXPECT_TRUE(r.has_value()) << c.name << ": " << r.error().to_string();
    return;
  }
  ASSERT_FALSE(r.has_value()) << c.name << ": accepted, expected " << error_code_name(c.code);
  EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().to_string();
  EXPECT_EQ(r.error().insn, c.insn) << c.name << ": " << r.error().to_string();
}

TEST_P(GotoxCases, Verify) { run(GetParam()); }
TEST_P(CallxCases, Verify) { run(GetParam()); }

std::string name_of(const ::testing::TestParamInfo<IndirectCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Indirect, GotoxCases, ::testing::ValuesIn(kGotox), name_of);
INSTANTIATE_TEST_SUITE_P(Indirect, CallxCases, ::testing::ValuesIn(kCallx), name_of);

// callx records its target when it is the same on every path.
TEST(Indirect, CallxTargetResolvedWhenUnique) {
  auto one = verify_case(kCallx[0]);
  ASSERT_TRUE(one.has_value()) << one.error().to_string();
  EXPECT_EQ(one->program->facts().at(2).call_target, 5);  // instruction 2 (slot 3) calls f at slot 5
  auto two = verify_case(kCallx[1]);
  ASSERT_TRUE(two.has_value()) << two.error().to_string();
  EXPECT_EQ(two->program->facts().at(5).call_target, -1);  // instruction 5 (slot 7) calls f or g
}

// The rejection carries a hint in plain words.
TEST(Indirect, RejectionHasHint) {
  auto r = verify_case(kGotox[6]);
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(r.error().hint.empty());
}

}  // namespace
}  // namespace decade::test
