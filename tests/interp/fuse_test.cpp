// SPDX-License-Identifier: Apache-2.0
// Superinstructions (src/interp/fuse.cpp, fusion.def): each fused form gives
// the same result as its parts, is not formed when a later part is a jump
// target, and a fault in any part names that part's instruction.
#include "interp/threaded.hpp"
#include "interp_test_util.hpp"

namespace decade::test {
namespace {

using interp::detail::Kind;
using interp::detail::TProgram;
using interp::detail::plain_kind;

// The verified-mode translation (no verifier facts, so every access is still
// bounds-checked at run time: faults stay observable).
std::unique_ptr<TProgram> verified_form(std::string_view text, bool checked = false) {
  auto tp = interp::detail::translate(program(text), {}, checked, {});
  EXPECT_TRUE(tp.has_value()) << (tp ? "" : tp.error().to_string());
  return tp ? std::move(*tp) : nullptr;
}

Result<uint64_t> run_form(const TProgram& tp, std::vector<uint8_t>* mem = nullptr) {
  RunRequest req;
  if (mem) {
    req.r1 = reinterpret_cast<uint64_t>(mem->data());
    req.r2 = mem->size();
    req.regions.push_back({reinterpret_cast<uintptr_t>(mem->data()), mem->size(), true});
  }
  return interp::detail::run_program(tp, req, nullptr, nullptr);
}

struct FusedCase {
  const char* name;
  const char* text;
  size_t index;  // code index of the pair's first half
  Kind fused;    // kind expected there
  uint64_t expect;
};

class FusedForm : public ::testing::TestWithParam<FusedCase> {};

TEST_P(FusedForm, SameResultAsItsHalves) {
  const FusedCase& c = GetParam();
  auto tp = verified_form(c.text);
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->code[c.index].kind, c.fused);
  auto r = run_form(*tp);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(*r, c.expect);
  // The checked translation never fuses and agrees.
  auto ct = verified_form(c.text, true);
  ASSERT_TRUE(ct);
  EXPECT_NE(ct->code[c.index].kind, c.fused);
  EXPECT_EQ(run_form(*ct).value_or(~0ull), c.expect);
}

// mov32, add32 and neg are never part of a superinstruction: they keep the
// run under test where the case expects it. Every member of the set is
// covered by fuse_set_test.cpp; these are branches taken and not, loops and
// operands that alias.
const FusedCase kFused[] = {
    {"mov_add_imm", "mov32 %r2, 7\nmov %r0, %r2\nadd %r0, -5\nexit", 1, Kind::MOV64_REG_ADD64_IMM, 2},
    {"mov_add_reg", "mov32 %r2, 7\nmov32 %r3, 30\nmov %r0, %r2\nadd %r0, %r3\nexit", 2, Kind::MOV64_REG_ADD64_REG,
     37},
    {"mov_add_reg_same", "mov32 %r2, 7\nmov %r0, %r2\nadd %r0, %r0\nexit", 1, Kind::MOV64_REG_ADD64_REG, 14},
    {"lsh_rsh", "lddw %r0, 0x1fffffffe\nmov32 %r1, 0\nlsh %r0, 32\nrsh %r0, 32\nexit", 2,
     Kind::LSH64_IMM_RSH64_IMM, 0xfffffffe},
    {"lsh_arsh", "lddw %r0, 0x1fffffffe\nmov32 %r1, 0\nlsh %r0, 32\narsh %r0, 32\nexit", 2,
     Kind::LSH64_IMM_ARSH64_IMM, static_cast<uint64_t>(-2)},
    {"add_jne_imm_loop", "mov %r0, 0\nmov %r1, 0\nloop:\nadd32 %r0, 3\nadd %r1, 1\njne %r1, 10, loop\nexit", 3,
     Kind::ADD64_IMM_JNE64_IMM, 30},
    {"and_jsgt_not_taken", "mov32 %r0, 3\nneg %r0\nand %r0, -2\njsgt %r0, 0, +1\nexit\nmov %r0, 9\nexit", 2,
     Kind::AND64_IMM_JSGT64_IMM, static_cast<uint64_t>(-4)},
    {"and_jsgt_taken", "mov32 %r0, 3\nand %r0, 6\njsgt %r0, 0, +1\nexit\nmov %r0, 9\nexit", 1,
     Kind::AND64_IMM_JSGT64_IMM, 9},
    {"mov_imm_jgt_reg_taken", "mov %r3, 5\nmov32 %r2, 4\nmov %r0, 6\njgt %r0, %r3, +1\nexit\nmov %r0, 9\nexit", 2,
     Kind::MOV64_IMM_JGT64_REG, 9},
    {"mov_imm_jne_taken", "mov32 %r2, 0\nmov %r0, 3\njne %r0, 4, +1\nexit\nmov %r0, 9\nexit", 1,
     Kind::MOV64_IMM_JNE64_IMM, 9},
    {"mul_add_reg", "mov32 %r0, 6\nmov32 %r2, 5\nmul %r0, %r2\nadd %r0, %r2\nexit", 2, Kind::MUL64_REG_ADD64_REG, 35},
    {"mul_add_reg_same", "mov32 %r0, 6\nmov32 %r2, 5\nmul %r0, %r0\nadd %r0, %r0\nexit", 2,
     Kind::MUL64_REG_ADD64_REG, 72},
    {"ldx8_jne_not_taken",
     "mov32 %r0, 7\nstb [%r10-1], 3\nmov32 %r2, 0\nldxb %r0, [%r10-1]\njne %r0, 3, +1\nexit\nmov %r0, 9\nexit", 3,
     Kind::LDX8_JNE64_IMM, 3},
    {"ldx16_jne_reg",
     "mov32 %r2, 0x102\nsth [%r10-8], 0x102\nmov32 %r0, 1\nldxh %r0, [%r10-8]\njne %r0, %r2, +1\nexit\nmov %r0, 9\nexit",
     3, Kind::LDX16_JNE64_REG, 0x102},
};
INSTANTIATE_TEST_SUITE_P(Interp, FusedForm, ::testing::ValuesIn(kFused),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Fuse, NotFusedWhenSecondHalfIsJumpTarget) {
  // 3: mov r0, r2 would pair with 4: add r0, 5, but 2 jumps to 4.
  auto tp = verified_form("mov %r2, 7\nmov %r0, 0\njeq %r2, 7, +1\nmov %r0, %r2\nadd %r0, 5\nexit");
  ASSERT_TRUE(tp);
  EXPECT_EQ(plain_kind(tp->code[3].kind), Kind::MOV64_REG);
  EXPECT_EQ(run_form(*tp).value_or(0), 5u);
}

TEST(Fuse, NotFusedWhenLoopHeadIsSecondHalf) {
  // A loop head right after lsh (here rsh, the loop target) must stay enterable.
  auto tp = verified_form("mov %r0, 0\nmov %r1, 0\nloop:\nadd %r1, 1\njne %r1, 3, loop\nexit");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->code[2].kind, Kind::ADD64_IMM_JNE64_IMM);
  auto t2 = verified_form("mov %r1, 0\nmov %r0, 1\nlsh %r0, 1\nloop:\nrsh %r0, 0\nadd %r1, 1\njlt %r1, 3, loop\nexit");
  ASSERT_TRUE(t2);
  EXPECT_EQ(plain_kind(t2->code[2].kind), Kind::LSH64_IMM);
  EXPECT_EQ(run_form(*t2).value_or(0), 2u);
}

TEST(Fuse, FaultInEachLoadNamesItsInstruction) {
  std::vector<uint8_t> mem(16);
  // lddw takes two slots, so code index and pc differ: the triple is at slots 3, 4 and 5.
  for (int bad = 0; bad < 3; ++bad) {
    const int off[3] = {bad == 0 ? 12 : 0, bad == 1 ? 14 : 4, bad == 2 ? 13 : 8};
    const std::string text = "lddw %r4, 0\nmov32 %r5, 0\nldxdw %r2, [%r1+" + std::to_string(off[0]) +
                             "]\nldxw %r3, [%r1+" + std::to_string(off[1]) + "]\nldxw %r0, [%r1+" +
                             std::to_string(off[2]) + "]\nexit";
    auto tp = verified_form(text);
    ASSERT_TRUE(tp);
    EXPECT_EQ(tp->code[2].kind, Kind::LDX64_LDX32_LDX32);
    expect_error(run_form(*tp, &mem), ErrorCode::ExecOutOfBounds, 3 + bad);
  }
}

TEST(Fuse, PairAfterLocalCall) {
  // The call returns to the pair at code index 2, whose first half is the return point.
  auto tp = verified_form("mov %r6, 4\ncall fn\nmov %r0, %r6\nadd %r0, 1\nexit\nfn:\nmov %r0, 0\nexit");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->code[2].kind, Kind::MOV64_REG_ADD64_IMM);
  EXPECT_EQ(run_form(*tp).value_or(0), 5u);
}

TEST(Fuse, IndexedAccessTriples) {
  std::vector<uint8_t> mem(16);
  for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(0x20 + i);
  auto load = verified_form("mov32 %r2, 4\nmov %r3, %r1\nadd %r3, %r2\nldxw %r0, [%r3+4]\nexit");
  ASSERT_TRUE(load);
  EXPECT_EQ(load->code[1].kind, Kind::MOV64_REG_ADD64_REG_LDX32);
  EXPECT_EQ(run_form(*load, &mem).value_or(0), 0x2b2a2928u);
  // The base of the load is the register the add wrote, also when it is the add's source.
  auto self = verified_form("mov32 %r3, 2\nmov %r0, %r1\nadd %r0, %r3\nldxb %r0, [%r0+1]\nexit");
  ASSERT_TRUE(self);
  EXPECT_EQ(self->code[1].kind, Kind::MOV64_REG_ADD64_REG_LDX8);
  EXPECT_EQ(run_form(*self, &mem).value_or(0), 0x23u);
  // clang's `base[i] = v` for 32-bit elements: the index scaled, the base added, the store through it.
  auto store = verified_form(
      "mov32 %r2, 1\nmov32 %r4, 0x55\nlsh %r2, 2\nadd %r2, %r1\nstxw [%r2+0], %r4\nldxw %r0, [%r1+4]\nexit");
  ASSERT_TRUE(store);
  EXPECT_EQ(store->code[2].kind, Kind::LSH64_IMM_ADD64_REG_STX32);
  EXPECT_EQ(run_form(*store, &mem).value_or(0), 0x55u);
}

TEST(Fuse, FaultInTripleNamesItsThirdInstruction) {
  std::vector<uint8_t> mem(16);
  // lddw first: the triple's pcs (3, 4, 5) differ from its code indexes (2, 3, 4).
  auto load = verified_form("lddw %r2, 14\nmov32 %r4, 0\nmov %r3, %r1\nadd %r3, %r2\nldxw %r0, [%r3+0]\nexit");
  ASSERT_TRUE(load);
  EXPECT_EQ(load->code[2].kind, Kind::MOV64_REG_ADD64_REG_LDX32);
  expect_error(run_form(*load, &mem), ErrorCode::ExecOutOfBounds, 5);
  auto store = verified_form("lddw %r2, 1\nmov32 %r4, 0\nlsh %r2, 4\nadd %r2, %r1\nstxw [%r2+0], %r4\nexit");
  ASSERT_TRUE(store);
  EXPECT_EQ(store->code[2].kind, Kind::LSH64_IMM_ADD64_REG_STX32);
  expect_error(run_form(*store, &mem), ErrorCode::ExecOutOfBounds, 5);
  // A fault in a pair's first part (a store, then a constant) names the store.
  auto first = verified_form("mov32 %r2, 1\nstxw [%r1+14], %r2\nmov %r2, 5\nmov32 %r0, 0\nexit");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code[1].kind, Kind::STX32_MOV64_IMM);
  expect_error(run_form(*first, &mem), ErrorCode::ExecOutOfBounds, 1);
}

TEST(Fuse, JumpsIntoAWouldBeTriple) {
  std::vector<uint8_t> mem(16);
  for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(i);
  // 2 jumps to the load (5): mov + add fuse, the load stays enterable.
  auto to_third = verified_form(
      "mov32 %r2, 4\nmov %r3, %r1\njeq %r2, 4, +2\nmov %r3, %r1\nadd %r3, %r2\nldxb %r0, [%r3+0]\nexit");
  ASSERT_TRUE(to_third);
  EXPECT_EQ(to_third->code[3].kind, Kind::MOV64_REG_ADD64_REG);
  EXPECT_EQ(plain_kind(to_third->code[5].kind), Kind::LDX8);
  EXPECT_EQ(run_form(*to_third, &mem).value_or(99), 0u);
  // 2 jumps to the add (4): nothing fuses across it.
  auto to_second = verified_form(
      "mov32 %r2, 4\nmov %r3, %r1\njeq %r2, 4, +1\nmov %r3, %r2\nadd %r3, %r2\nldxb %r0, [%r3+0]\nexit");
  ASSERT_TRUE(to_second);
  EXPECT_EQ(plain_kind(to_second->code[3].kind), Kind::MOV64_REG);
  EXPECT_EQ(run_form(*to_second, &mem).value_or(99), 4u);
}

}  // namespace
}  // namespace decade::test
