// SPDX-License-Identifier: Apache-2.0
// Assembler behaviour: labels, comments, syntax detection, llvm-objdump
// lines, and the error code, line and slot of each kind of mistake.
#include <gtest/gtest.h>

#include "asm_test_util.hpp"

namespace decade {
namespace {

Program program(std::string_view text, std::optional<Syntax> s = std::nullopt) {
  auto a = assemble(text, {s, {}});
  EXPECT_TRUE(a.has_value()) << a.error().to_string();
  if (!a) return {};
  auto p = decode(std::span<const RawInsn>(a->code));
  EXPECT_TRUE(p.has_value()) << p.error().to_string();
  return p ? *p : Program{};
}

TEST(Assembler, LabelsCommentsAndBothSyntaxes) {
  const char* text =
      "start:            # classic comment\n"
      "  mov %r0, 0      ; semicolon comment\n"
      "  r1 = 0x10       // slash comment\n"
      "loop: r1 -= 1\n"
      "  if r1 != 0 goto loop\n"
      "  jne %r1, 0, loop\n"
      "  r2 = 0x1122334455667788 ll\n"
      "  goto done\n"
      "  exit\n"
      "done:\n"
      "  call local sub\n"
      "  exit\n"
      "sub: w0 = 7\n"
      "  exit\n";
  const Program p = program(text);
  ASSERT_EQ(p.insns.size(), 12u);
  EXPECT_EQ(p.insns[0].op, Op::MOV64_IMM);
  EXPECT_EQ(p.insns[3].op, Op::JNE64_IMM);
  EXPECT_EQ(p.insns[3].target, 2);
  EXPECT_EQ(p.insns[4].target, 2);
  EXPECT_EQ(p.insns[5].op, Op::LDDW);
  EXPECT_EQ(p.insns[5].imm64, 0x1122334455667788ULL);
  EXPECT_EQ(p.insns[6].target, 9);  // lddw takes two slots
  EXPECT_EQ(p.insns[8].op, Op::CALL_LOCAL);
  EXPECT_EQ(p.insns[8].target, 11);
  EXPECT_EQ(p.subprograms.size(), 2u);
}

TEST(Assembler, SourceLinesPerSlot) {
  auto a = assemble("\n# c\nr1 = 1 ll\n\nexit\n");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->source_lines, (std::vector<uint32_t>{3, 0, 5}));
}

TEST(Assembler, ImplicitExitLabel) {
  const Program p = program("jgt %r1, 6, exit\nmov %r0, 1\nexit\nmov %r0, 2\nexit\n");
  EXPECT_EQ(p.insns[0].target, 2);
}

TEST(Assembler, ReadsLlvmObjdumpLines) {
  const char* text =
      "t.o:\tfile format elf64-bpf\n"
      "\n"
      "Disassembly of section xdp:\n"
      "\n"
      "0000000000000000 <prog>:\n"
      "       0:\tb7 01 00 00 05 00 00 00\tr1 = 0x5\n"
      "       1:\t18 02 00 00 cd ab 78 56 00 00 00 00 34 12 00 00\tr2 = 0x12345678abcd ll\n"
      "\t\t0000000000000008:  R_BPF_64_64\tsome_map\n"
      "       3:\t15 01 01 00 00 00 00 00\tif r1 == 0x0 goto +0x1 <prog+0x28>\n"
      "       4:\tbc 21 00 00 00 00 00 00\tw1 = w2\n"
      "       5:\tgoto -0x6 <prog>\n"
      "       6:\t95 00 00 00 00 00 00 00\texit\n";
  const Program p = program(text);
  ASSERT_EQ(p.insns.size(), 6u);
  EXPECT_EQ(p.insns[1].imm64, 0x12345678abcdULL);
  EXPECT_EQ(p.insns[2].target, 5);
  EXPECT_EQ(p.insns[3].op, Op::MOV32_REG);
  EXPECT_EQ(p.insns[4].target, 0);
}

TEST(Assembler, CallSpellings) {
  const Program p = program("call 0x5\ncall -0x1\ncall %r2\ncallx r3\ncall local +0\nexit\n");
  ASSERT_EQ(p.insns.size(), 6u);
  EXPECT_EQ(p.insns[0].op, Op::CALL_HELPER);
  EXPECT_EQ(p.insns[1].op, Op::CALL_LOCAL);  // llvm-objdump's text for a relocated local call
  EXPECT_EQ(p.insns[2].op, Op::CALLX);
  EXPECT_EQ(p.insns[2].dst, 2);
  EXPECT_EQ(p.insns[3].op, Op::CALLX);
  EXPECT_EQ(p.insns[4].op, Op::CALL_LOCAL);
}

TEST(Assembler, MemoryValueRegisterEitherWidth) {
  const Program p = program("w0 = *(u32 *)(r1 + 0x10)\n*(u8 *)(r10 - 0x1) = w3\nlock *(u32 *)(r1 + 0x8) += r2\nexit\n");
  EXPECT_EQ(p.insns[0].op, Op::LDXW);
  EXPECT_EQ(p.insns[1].op, Op::STXB);
  EXPECT_EQ(p.insns[1].src, 3);
  EXPECT_EQ(p.insns[2].op, Op::ATOMIC_ADD32);
}

TEST(Assembler, ClassicAliases) {
  const Program p = program("add64 %r1, 2\nswap16 %r1\njeq64 %r1, 0, +0\nlock fetch add [%r10-8], %r1\nexit\n");
  EXPECT_EQ(p.insns[0].op, Op::ADD64_IMM);
  EXPECT_EQ(p.insns[1].op, Op::BSWAP16);
  EXPECT_EQ(p.insns[2].op, Op::JEQ64_IMM);
  EXPECT_EQ(p.insns[3].op, Op::ATOMIC_FETCH_ADD64);
}

struct ErrCase {
  const char* text;
  std::optional<Syntax> syntax;
  ErrorCode code;
  uint32_t line;
  int64_t insn;
};

TEST(Assembler, ErrorsCarryCodeLineAndSlot) {
  const ErrCase cases[] = {
      {"exit\nr1 = = 2\n", std::nullopt, ErrorCode::AsmSyntax, 2, 1},
      {"exit\nfrob r1, r2\n", Syntax::Llvm, ErrorCode::AsmUnknownMnemonic, 2, 1},
      {"r1 = 1 ll\nfoo %r1\n", std::nullopt, ErrorCode::AsmUnknownMnemonic, 2, 2},
      {"mov %r1, [%r2]\n", std::nullopt, ErrorCode::AsmBadOperand, 1, 0},
      {"mov %r11, 1\n", std::nullopt, ErrorCode::AsmBadRegister, 1, 0},
      {"r12 = 1\n", std::nullopt, ErrorCode::AsmBadRegister, 1, 0},
      {"add %r1\n", std::nullopt, ErrorCode::AsmOperandCount, 1, 0},
      {"r1 = 0x100000000\n", std::nullopt, ErrorCode::AsmImmediateRange, 1, 0},
      {"mov %r1, 2147483648\n", std::nullopt, ErrorCode::AsmImmediateRange, 1, 0},
      {"r1 = *(u64 *)(r2 + 0x8000)\n", std::nullopt, ErrorCode::AsmOffsetRange, 1, 0},
      {"exit\ngoto nowhere\n", std::nullopt, ErrorCode::AsmUnknownLabel, 2, 1},
      {"a:\nexit\na:\nexit\n", std::nullopt, ErrorCode::AsmDuplicateLabel, 3, 1},
      {"goto +0x8000\n", std::nullopt, ErrorCode::AsmOffsetRange, 1, 0},
      {"r1 = -r2\n", std::nullopt, ErrorCode::AsmBadOperand, 1, 0},
      {"lock\n", std::nullopt, ErrorCode::AsmOperandCount, 1, 0},
      {"w1 = r2\n", std::nullopt, ErrorCode::AsmSyntax, 1, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto a = assemble(c.text, {c.syntax, "prog.s"});
    ASSERT_FALSE(a.has_value());
    EXPECT_EQ(a.error().code, c.code) << a.error().to_string();
    EXPECT_EQ(a.error().where.line, c.line);
    EXPECT_EQ(a.error().insn, c.insn);
    EXPECT_EQ(a.error().where.file, "prog.s");
  }
}

TEST(Assembler, EmptyTextGivesNoCode) {
  auto a = assemble("# nothing\n\n");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->code.empty());
}

TEST(Disassembler, ProgramListingWithLabels) {
  const Program p = program("r0 = 0\nif r1 > 3 goto +1\nr0 = 1\nexit\n");
  EXPECT_EQ(disassemble(p), "   0: r0 = 0x0\n   1: if r1 > 0x3 goto +0x1\n   2: r0 = 0x1\n   3: exit\n");
  const std::string labelled = disassemble(p, {Syntax::Classic, true});
  EXPECT_EQ(labelled, "   0: mov %r0, 0\n   1: jgt %r1, 3, L3\n   2: mov %r0, 1\nL3:\n   3: exit\n");
  // Our own listing assembles back.
  auto back = assemble(labelled);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(to_bytes(back->code), to_bytes(encode(p)));
}

}  // namespace
}  // namespace decade
