// SPDX-License-Identifier: Apache-2.0
// Superinstructions (src/interp/fuse.cpp): each fused form gives the same
// result as its two halves, is not formed when the second half is a jump
// target, and a fault in either half names that half's instruction.
#include "interp/threaded.hpp"
#include "interp_test_util.hpp"

namespace decade::test {
namespace {

using interp::detail::Kind;
using interp::detail::TProgram;

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

const FusedCase kFused[] = {
    {"mov_add_imm", "mov %r2, 7\nmov %r0, %r2\nadd %r0, -5\nexit", 1, Kind::MOV64_REG_ADD64_IMM, 2},
    {"mov_add_reg", "mov %r2, 7\nmov %r3, 30\nmov %r0, %r2\nadd %r0, %r3\nexit", 2, Kind::MOV64_REG_ADD64_REG, 37},
    {"mov_add_reg_same", "mov %r2, 7\nmov %r0, %r2\nadd %r0, %r0\nexit", 1, Kind::MOV64_REG_ADD64_REG, 14},
    {"lsh_rsh", "lddw %r0, 0x1fffffffe\nlsh %r0, 32\nrsh %r0, 32\nexit", 1, Kind::LSH64_IMM_RSH64_IMM, 0xfffffffe},
    {"lsh_arsh", "lddw %r0, 0x1fffffffe\nlsh %r0, 32\narsh %r0, 32\nexit", 1, Kind::LSH64_IMM_ARSH64_IMM,
     static_cast<uint64_t>(-2)},
    {"add_jlt_imm_loop", "mov %r0, 0\nmov %r1, 0\nloop:\nadd %r0, 3\nadd %r1, 1\njlt %r1, 10, loop\nexit", 3,
     Kind::ADD64_IMM_JLT64_IMM, 30},
    {"add_jne_reg_loop", "mov %r0, 0\nmov %r1, 0\nmov %r3, 4\nloop:\nadd %r0, 5\nadd %r1, 1\njne %r1, %r3, loop\nexit",
     4, Kind::ADD64_IMM_JNE64_REG, 20},
    {"add_jsgt_not_taken", "mov %r0, -3\nadd %r0, 1\njsgt %r0, 0, +1\nexit\nmov %r0, 9\nexit", 1,
     Kind::ADD64_IMM_JSGT64_IMM, static_cast<uint64_t>(-2)},
    {"add_jsgt_taken", "mov %r0, 3\nadd %r0, 1\njsgt %r0, 0, +1\nexit\nmov %r0, 9\nexit", 1,
     Kind::ADD64_IMM_JSGT64_IMM, 9},
    {"mov_jge_reg_taken", "mov %r2, 5\nmov %r3, 5\nmov %r0, %r2\njge %r0, %r3, +1\nexit\nmov %r0, 9\nexit", 2,
     Kind::MOV64_REG_JGE64_REG, 9},
    {"mov_jsgt_imm_not_taken", "mov %r2, -1\nmov %r0, %r2\njsgt %r0, 0, +1\nexit\nmov %r0, 9\nexit", 1,
     Kind::MOV64_REG_JSGT64_IMM, static_cast<uint64_t>(-1)},
    {"mov_jeq_src_is_dst", "mov %r0, 3\nmov %r2, 3\nmov %r2, %r0\njeq %r0, %r2, +1\nexit\nmov %r0, 9\nexit", 2,
     Kind::MOV64_REG_JEQ64_REG, 9},
};
INSTANTIATE_TEST_SUITE_P(Interp, FusedForm, ::testing::ValuesIn(kFused),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Fuse, NotFusedWhenSecondHalfIsJumpTarget) {
  // 3: mov r0, r2 would pair with 4: add r0, 5, but 2 jumps to 4.
  auto tp = verified_form("mov %r2, 7\nmov %r0, 0\njeq %r2, 7, +1\nmov %r0, %r2\nadd %r0, 5\nexit");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->code[3].kind, Kind::MOV64_REG);
  EXPECT_EQ(run_form(*tp).value_or(0), 5u);
}

TEST(Fuse, NotFusedWhenLoopHeadIsSecondHalf) {
  // A loop head right after lsh (here rsh, the loop target) must stay enterable.
  auto tp = verified_form("mov %r0, 0\nmov %r1, 0\nloop:\nadd %r1, 1\njlt %r1, 3, loop\nexit");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->code[2].kind, Kind::ADD64_IMM_JLT64_IMM);
  auto t2 = verified_form("mov %r1, 0\nmov %r0, 1\nlsh %r0, 1\nloop:\nrsh %r0, 0\nadd %r1, 1\njlt %r1, 3, loop\nexit");
  ASSERT_TRUE(t2);
  EXPECT_EQ(t2->code[2].kind, Kind::LSH64_IMM);
  EXPECT_EQ(run_form(*t2).value_or(0), 2u);
}

TEST(Fuse, LoadPairs) {
  std::vector<uint8_t> mem(16);
  for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(i + 1);
  auto tp = verified_form("ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\nmov %r0, %r2\nadd %r0, %r3\nexit");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->code[0].kind, Kind::LDX32_LDX32);
  EXPECT_EQ(tp->code[2].kind, Kind::MOV64_REG_ADD64_REG);
  EXPECT_EQ(run_form(*tp, &mem).value_or(0), 0x04030201u + 0x08070605u);
  auto t64 = verified_form("ldxdw %r2, [%r1+0]\nldxdw %r0, [%r1+8]\nxor %r0, %r2\nexit");
  ASSERT_TRUE(t64);
  EXPECT_EQ(t64->code[0].kind, Kind::LDX64_LDX64);
  EXPECT_EQ(run_form(*t64, &mem).value_or(0), 0x100f0e0d0c0b0a09ull ^ 0x0807060504030201ull);
}

TEST(Fuse, FaultInEitherLoadNamesItsInstruction) {
  std::vector<uint8_t> mem(8);
  // lddw takes two slots, so code index and pc differ: the pair is at slots 2 and 3.
  auto first = verified_form("lddw %r4, 0\nldxw %r2, [%r1+8]\nldxw %r3, [%r1+0]\nmov %r0, 0\nexit");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code[1].kind, Kind::LDX32_LDX32);
  expect_error(run_form(*first, &mem), ErrorCode::ExecOutOfBounds, 2);
  auto second = verified_form("lddw %r4, 0\nldxw %r2, [%r1+0]\nldxw %r3, [%r1+8]\nmov %r0, 0\nexit");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code[1].kind, Kind::LDX32_LDX32);
  expect_error(run_form(*second, &mem), ErrorCode::ExecOutOfBounds, 3);
  auto wide = verified_form("ldxdw %r2, [%r1+0]\nldxdw %r3, [%r1+4]\nmov %r0, 0\nexit");
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->code[0].kind, Kind::LDX64_LDX64);
  expect_error(run_form(*wide, &mem), ErrorCode::ExecOutOfBounds, 1);
}

TEST(Fuse, IndexedLoads) {
  std::vector<uint8_t> mem(16);
  for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(0x10 + i);
  const struct {
    const char* text;
    Kind fused;
    uint64_t expect;
  } cases[] = {
      {"mov %r2, 3\nadd %r1, %r2\nldxb %r0, [%r1+1]\nexit", Kind::ADD64_REG_LDX8, 0x14},
      {"mov %r2, 2\nadd %r1, %r2\nldxh %r0, [%r1+0]\nexit", Kind::ADD64_REG_LDX16, 0x1312},
      {"mov %r2, 4\nadd %r1, %r2\nldxw %r0, [%r1+4]\nexit", Kind::ADD64_REG_LDX32, 0x1b1a1918},
      {"mov %r2, 8\nadd %r1, %r2\nldxdw %r0, [%r1+0]\nexit", Kind::ADD64_REG_LDX64, 0x1f1e1d1c1b1a1918ull},
      // the load's base register is the one the add wrote
      {"mov %r0, %r1\nmov %r2, 8\nadd %r2, %r0\nldxb %r0, [%r2+0]\nexit", Kind::ADD64_REG_LDX8, 0x18},
  };
  for (const auto& c : cases) {
    auto tp = verified_form(c.text);
    ASSERT_TRUE(tp);
    const size_t at = tp->code[1].kind == c.fused ? 1 : 2;
    EXPECT_EQ(tp->code[at].kind, c.fused) << c.text;
    EXPECT_EQ(run_form(*tp, &mem).value_or(0), c.expect) << c.text;
  }
  // The load (the second half) faults: its own pc, not the add's.
  auto bad = verified_form("mov %r2, 16\nadd %r1, %r2\nldxb %r0, [%r1+0]\nexit");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->code[1].kind, Kind::ADD64_REG_LDX8);
  expect_error(run_form(*bad, &mem), ErrorCode::ExecOutOfBounds, 2);
}

TEST(Fuse, PairAfterLocalCall) {
  // The call returns to the pair at code index 2, whose first half is the return point.
  auto tp = verified_form("mov %r6, 4\ncall fn\nmov %r0, %r6\nadd %r0, 1\nexit\nfn:\nmov %r0, 0\nexit");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->code[2].kind, Kind::MOV64_REG_ADD64_IMM);
  EXPECT_EQ(run_form(*tp).value_or(0), 5u);
}

}  // namespace
}  // namespace decade::test
