// SPDX-License-Identifier: Apache-2.0
// Malformed bytecode is rejected at decode with a code and the instruction index.
#include <gtest/gtest.h>

#include "isa/decode.hpp"

namespace decade {
namespace {

Result<Program> dec(std::vector<RawInsn> raw, DecodeOptions o = {}) { return decode(std::span<const RawInsn>(raw), o); }
RawInsn exit_insn() { return {0x95, 0, 0, 0}; }

struct BadCase {
  const char* name;
  std::vector<RawInsn> raw;
  ErrorCode code;
  int64_t insn;
};

TEST(Decode, RejectsMalformedBytecode) {
  const std::vector<BadCase> cases = {
      {"unknown opcode", {{0x07, 0, 0, 0}, {0xfe, 0, 0, 0}, exit_insn()}, ErrorCode::DecodeUnknownOpcode, 1},
      {"reserved offset on add", {{0x07, 0x01, 1, 0}, exit_insn()}, ErrorCode::DecodeReservedField, 0},
      {"reserved src on add imm", {{0x07, 0x21, 0, 0}, exit_insn()}, ErrorCode::DecodeReservedField, 0},
      {"reserved imm on add reg", {{0x0f, 0x21, 0, 5}, exit_insn()}, ErrorCode::DecodeReservedField, 0},
      {"div with off 2", {{0x3f, 0x21, 2, 0}, exit_insn()}, ErrorCode::DecodeReservedField, 0},
      {"exit with dst", {{0x95, 0x01, 0, 0}}, ErrorCode::DecodeReservedField, 0},
      {"register 11 (only stack arguments use it)", {{0xbf, 0x0b, 0, 0}, exit_insn()}, ErrorCode::DecodeBadStackArg, 0},
      {"register 12", {{0xbf, 0x0c, 0, 0}, exit_insn()}, ErrorCode::DecodeBadRegister, 0},
      {"lddw cut off", {exit_insn(), {0x18, 0x01, 0, 1}}, ErrorCode::DecodeLddwCutOff, 1},
      {"lddw bad second slot", {{0x18, 0x01, 0, 1}, {0x07, 0, 0, 0}, exit_insn()}, ErrorCode::DecodeLddwBadSecondSlot, 1},
      {"jump past end", {{0x05, 0, 5, 0}, exit_insn()}, ErrorCode::DecodeJumpOutOfRange, 0},
      {"jump before start", {exit_insn(), {0x05, 0, -3, 0}}, ErrorCode::DecodeJumpOutOfRange, 1},
      {"jump into lddw", {{0x05, 0, 1, 0}, {0x18, 0x01, 0, 1}, {0, 0, 0, 0}, exit_insn()}, ErrorCode::DecodeJumpIntoLddw, 0},
      {"call local out of range", {{0x85, 0x10, 0, 100}, exit_insn()}, ErrorCode::DecodeJumpOutOfRange, 0},
      {"bad addr_space_cast", {{0xbf, 0x11, 1, 7}, exit_insn()}, ErrorCode::DecodeBadImmediate, 0},
      {"bad bswap width", {{0xd7, 0x01, 0, 8}, exit_insn()}, ErrorCode::DecodeReservedField, 0},
      {"may_goto JMP32 form", {{0xe6, 0, 0, 0}, exit_insn()}, ErrorCode::DecodeUnknownOpcode, 0},
  };
  for (const auto& c : cases) {
    auto r = dec(c.raw);
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().to_string();
    EXPECT_EQ(r.error().insn, c.insn) << c.name;
  }
}

// A write to r10 decodes: the verifier refuses it where a path reaches it
// (tests/verifier cases write_to_r10, dead_write_to_r10), as the kernel does.
TEST(Decode, WritesToR10AreLeftToTheVerifier) {
  auto p = dec({{0xb7, 0x0a, 0, 0},           // r10 = 0
                {0xdb, 0xa1, 0, 0xe1},        // r10 = xchg(r1 + 0, r10)
                {0xdb, 0xa1, 0, 0xf1},        // r0 = cmpxchg(r1 + 0, r0, r10): writes r0 only
                {0xbf, 0xa1, 0, 0}, exit_insn()});  // r1 = r10
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_TRUE(writes_frame_pointer(p->insns[0]));
  EXPECT_TRUE(writes_frame_pointer(p->insns[1]));
  EXPECT_FALSE(writes_frame_pointer(p->insns[2]));
  EXPECT_FALSE(writes_frame_pointer(p->insns[3]));
}

TEST(Decode, EmptyTruncatedAndTooLong) {
  std::vector<uint8_t> none;
  EXPECT_EQ(decode(std::span<const uint8_t>(none)).error().code, ErrorCode::DecodeEmpty);
  std::vector<uint8_t> seven(7, 0);
  EXPECT_EQ(decode(std::span<const uint8_t>(seven)).error().code, ErrorCode::DecodeTruncated);
  DecodeOptions o;
  o.max_slots = 2;
  auto r = dec({exit_insn(), exit_insn(), exit_insn()}, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::DecodeTooLong);
}

TEST(Decode, CpuVersionGate) {
  DecodeOptions o;
  o.max_cpu = 3;
  auto r = dec({{0xd7, 0x01, 0, 16}, exit_insn()}, o);  // bswap16 is v4
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::DecodeNotAllowed);
}

TEST(Decode, TargetsAndSubprograms) {
  // r0 = 1; call +1; exit; (sub) r0 = 2; exit
  auto r = dec({{0xb7, 0, 0, 1}, {0x85, 0x10, 0, 1}, exit_insn(), {0xb7, 0, 0, 2}, exit_insn()});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->insns[1].target, 3);
  ASSERT_EQ(r->subprograms.size(), 2u);
  EXPECT_EQ(r->subprograms[1].start_pc, 3u);
  // lddw occupies two slots
  auto l = dec({{0x18, 0x01, 0, 1}, {0, 0, 0, 2}, exit_insn()});
  ASSERT_TRUE(l);
  EXPECT_EQ(l->insns.size(), 2u);
  EXPECT_EQ(l->insns[0].imm64, 0x0000000200000001ULL);
  EXPECT_EQ(l->slot_index[1], -1);
  EXPECT_EQ(l->insns[1].pc, 2u);
}

}  // namespace
}  // namespace decade
