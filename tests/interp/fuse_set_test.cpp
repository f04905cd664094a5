// SPDX-License-Identifier: Apache-2.0
// Every superinstruction of fusion.def, whichever the profile chose: formed
// where its parts stand, and the same result, stores and errors as the
// checked translation (never fused), with operands forwarded from the part
// before and not, and with a fault in each memory part naming that part.
#include <algorithm>
#include <array>
#include <string>

#include "interp/fuse.hpp"
#include "interp/threaded.hpp"
#include "interp_test_util.hpp"

namespace decade::test {
namespace {

using interp::detail::Kind;

// The assembly of one part: D and S stand for the destination and source
// registers, M for the operand at offset `off` of the 32-byte buffer at r1.
std::string part(Kind k, const std::string& d, const std::string& s, int off) {
  static const std::pair<Kind, const char*> kText[] = {
      {Kind::MOV64_REG, "mov D, S"}, {Kind::MOV64_IMM, "mov D, -7"}, {Kind::LD_CONST, "lddw D, 0x123456789"},
      {Kind::ADD64_IMM, "add D, 13"}, {Kind::ADD64_REG, "add D, S"}, {Kind::SUB64_REG, "sub D, S"},
      {Kind::MUL64_IMM, "mul D, 7"}, {Kind::MUL64_REG, "mul D, S"}, {Kind::AND64_IMM, "and D, 0x3f7"},
      {Kind::AND64_REG, "and D, S"}, {Kind::OR64_IMM, "or D, 0x50"}, {Kind::OR64_REG, "or D, S"},
      {Kind::XOR64_IMM, "xor D, 0x55"}, {Kind::XOR64_REG, "xor D, S"}, {Kind::LSH64_IMM, "lsh D, 3"},
      {Kind::RSH64_IMM, "rsh D, 2"}, {Kind::ARSH64_IMM, "arsh D, 1"}, {Kind::LDX8, "ldxb D, M"},
      {Kind::LDX16, "ldxh D, M"}, {Kind::LDX32, "ldxw D, M"}, {Kind::LDX64, "ldxdw D, M"},
      {Kind::STX8, "stxb M, D"}, {Kind::STX16, "stxh M, D"}, {Kind::STX32, "stxw M, D"},
      {Kind::STX64, "stxdw M, D"},
      // Branches skip the add32 after the run when taken.
      {Kind::JEQ64_IMM, "jeq D, 24, +1"}, {Kind::JEQ64_REG, "jeq D, S, +1"}, {Kind::JGT64_IMM, "jgt D, 24, +1"},
      {Kind::JGT64_REG, "jgt D, S, +1"}, {Kind::JGE64_IMM, "jge D, 24, +1"}, {Kind::JGE64_REG, "jge D, S, +1"},
      {Kind::JSET64_IMM, "jset D, 24, +1"}, {Kind::JSET64_REG, "jset D, S, +1"}, {Kind::JNE64_IMM, "jne D, 24, +1"},
      {Kind::JNE64_REG, "jne D, S, +1"}, {Kind::JSGT64_IMM, "jsgt D, 24, +1"}, {Kind::JSGT64_REG, "jsgt D, S, +1"},
      {Kind::JSGE64_IMM, "jsge D, 24, +1"}, {Kind::JSGE64_REG, "jsge D, S, +1"}, {Kind::JLT64_IMM, "jlt D, 24, +1"},
      {Kind::JLT64_REG, "jlt D, S, +1"}, {Kind::JLE64_IMM, "jle D, 24, +1"}, {Kind::JLE64_REG, "jle D, S, +1"},
      {Kind::JSLT64_IMM, "jslt D, 24, +1"}, {Kind::JSLT64_REG, "jslt D, S, +1"},
      {Kind::JSLE64_IMM, "jsle D, 24, +1"}, {Kind::JSLE64_REG, "jsle D, S, +1"},
  };
  for (const auto& [kind, text] : kText) {
    if (kind != k) continue;
    std::string out;
    for (const char* c = text; *c; ++c) {
      if (*c == 'D') out += d;  // mnemonics and constants are lower case
      else if (*c == 'S') out += s;
      else if (*c == 'M') out += "[%r1+" + std::to_string(off) + "]";
      else out += *c;
    }
    return out;
  }
  ADD_FAILURE() << "no part text for kind " << static_cast<int>(k);
  return "";
}

struct Member {
  const char* name;
  Kind fused;
  std::vector<Kind> parts;
};

const Member kSet[] = {
#define DECADE_FUSE_PAIR(A, B) {#A "_" #B, Kind::A##_##B, {Kind::A, Kind::B}},
#define DECADE_FUSE_TRIPLE(A, B, C) {#A "_" #B "_" #C, Kind::A##_##B##_##C, {Kind::A, Kind::B, Kind::C}},
    DECADE_FUSE_PAIRS DECADE_FUSE_TRIPLES
#undef DECADE_FUSE_PAIR
#undef DECADE_FUSE_TRIPLE
};

// mov32 and add32 are never parts: the run under test starts at code index 3
// and nothing after it can join it. A taken branch skips the add32.
std::string program_of(const Member& r, const std::array<const char*, 2>& regs, const std::array<int, 3>& offs) {
  std::string text = "mov32 %r2, 0x1234\nmov32 %r3, 37\nmov32 %r0, 11\n";
  for (size_t i = 0; i < r.parts.size(); ++i) text += part(r.parts[i], regs[0], regs[1], offs[i]) + "\n";
  return text + "add32 %r0, 1\nexit\n";
}

class FusionSetMember : public ::testing::TestWithParam<Member> {};

TEST_P(FusionSetMember, AgreesWithItsParts) {
  const Member& r = GetParam();
  // dst and src: distinct, src written last by the prologue (forwarded), the same register.
  const std::array<std::array<const char*, 2>, 4> regs = {{{"%r0", "%r2"}, {"%r3", "%r0"}, {"%r0", "%r0"}, {"%r2", "%r3"}}};
  for (const auto& rg : regs) {
    std::vector<uint8_t> mem(32);
    for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(0x11 * i + 3);
    const std::string text = program_of(r, rg, {0, 8, 16});
    auto v = expect_translations_agree(text, mem);
    ASSERT_TRUE(v) << text;
    EXPECT_EQ(v->code[3].kind, r.fused) << text;
  }
  // A fault in each memory part names that part's instruction (lddw takes two slots).
  for (size_t bad = 0; bad < r.parts.size(); ++bad) {
    const Kind k = r.parts[bad];
    if (!(k >= Kind::LDX8 && k <= Kind::LDX64) && !(k >= Kind::STX8 && k <= Kind::STX64)) continue;
    std::array<int, 3> offs = {0, 8, 16};
    offs[bad] = 40;
    std::vector<uint8_t> mem(32);
    const std::string text = program_of(r, {"%r0", "%r2"}, offs);
    auto v = expect_translations_agree(text, mem);
    ASSERT_TRUE(v) << text;
    EXPECT_EQ(v->code[3].kind, r.fused) << text;
    const auto wide = std::count(r.parts.begin(), r.parts.begin() + static_cast<ptrdiff_t>(bad), Kind::LD_CONST);
    expect_error(run_translated(*v, mem), ErrorCode::ExecOutOfBounds, static_cast<int64_t>(3 + bad + wide));
  }
}

INSTANTIATE_TEST_SUITE_P(Interp, FusionSetMember, ::testing::ValuesIn(kSet),
                         [](const auto& info) { return std::string(info.param.name); });

// Every superinstruction is a label of the verified loop, and that one
// function's compile time grows faster than its label count: the cross
// product of the parts (1,623 superinstructions) took exec.cpp to minutes
// and 3.5 GB. A set chosen from profiles stays within this bound.
TEST(FusionSet, StaysSmall) {
  EXPECT_EQ(std::size(kSet), interp::detail::kKindCount - interp::detail::kFusedBegin);
  EXPECT_LE(std::size(kSet), 64u);
}

}  // namespace
}  // namespace decade::test
