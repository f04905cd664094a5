// SPDX-License-Identifier: Apache-2.0
// parse_data_file and the classic assembler over the conformance suite.
#include <gtest/gtest.h>

#include "asm_test_util.hpp"

namespace decade {
namespace {

using test::data_files;
using test::slurp;

TEST(DataFile, EveryConformanceTestAssemblesAndDecodes) {
  const auto files = data_files(DECADE_CONFORMANCE_DIR "/tests");
  ASSERT_EQ(files.size(), 313u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    auto df = parse_data_file(slurp(f));
    ASSERT_TRUE(df.has_value()) << df.error().to_string();
    EXPECT_FALSE(df->skip);
    EXPECT_TRUE(df->result.has_value());
    EXPECT_FALSE(df->error.has_value());
    ASSERT_FALSE(df->code.empty());
    auto prog = decode(std::span<const RawInsn>(df->code));
    EXPECT_TRUE(prog.has_value()) << prog.error().to_string();
  }
}

TEST(DataFile, LddwRawEqualsAsm) {
  const std::string text = slurp(DECADE_CONFORMANCE_DIR "/tests/lddw.data");
  auto with_raw = parse_data_file(text);
  ASSERT_TRUE(with_raw.has_value());
  // The same file without its -- raw section: the code comes from -- asm.
  const size_t raw = text.find("-- raw");
  const size_t result = text.find("-- result");
  ASSERT_NE(raw, std::string::npos);
  ASSERT_NE(result, std::string::npos);
  auto asm_only = parse_data_file(text.substr(0, raw) + text.substr(result));
  ASSERT_TRUE(asm_only.has_value());
  EXPECT_EQ(test::bytes_of(with_raw->code), test::bytes_of(asm_only->code));
  EXPECT_EQ(with_raw->code.size(), 3u);
  EXPECT_EQ(with_raw->result, 0x1122334455667788ULL);
}

TEST(DataFile, NegativeFilesNeverCrash) {
  const auto files = data_files(DECADE_CONFORMANCE_DIR "/negative");
  ASSERT_EQ(files.size(), 60u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    auto df = parse_data_file(slurp(f));
    if (!df) {
      EXPECT_GE(static_cast<int>(df.error().code), 200);
      EXPECT_LT(static_cast<int>(df.error().code), 300);
      EXPECT_GT(df.error().where.line, 0u);
    }
  }
}

struct NegativeCase {
  const char* file;
  ErrorCode code;
};

TEST(DataFile, NegativeFilesGiveTheRightCode) {
  const NegativeCase cases[] = {
      {"invalid_imm32_dec_range.data", ErrorCode::AsmImmediateRange},
      {"invalid_imm32_hex_range.data", ErrorCode::AsmImmediateRange},
      {"invalid_label.data", ErrorCode::AsmUnknownLabel},
      {"invalid_lock.data", ErrorCode::AsmOperandCount},
      {"invalid_lock2.data", ErrorCode::AsmOperandCount},
      {"invalid_mnemonic.data", ErrorCode::AsmUnknownMnemonic},
      {"invalid_offset.data", ErrorCode::AsmBadOperand},
      {"invalid_offset_range.data", ErrorCode::AsmOffsetRange},
      {"invalid_operand_count.data", ErrorCode::AsmOperandCount},
      {"invalid_register.data", ErrorCode::AsmBadRegister},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto df = parse_data_file(slurp(std::string(DECADE_CONFORMANCE_DIR "/negative/") + c.file));
    ASSERT_FALSE(df.has_value());
    EXPECT_EQ(df.error().code, c.code);
    EXPECT_EQ(df.error().insn, 0);
  }
}

TEST(DataFile, UnknownSectionSkips) {
  auto df = parse_data_file(slurp(DECADE_CONFORMANCE_DIR "/negative/invalid_unknown_directive.data"));
  ASSERT_TRUE(df.has_value());
  EXPECT_TRUE(df->skip);
}

TEST(DataFile, RawBytesAndEmptyError) {
  auto df = parse_data_file(slurp(DECADE_CONFORMANCE_DIR "/negative/unused-call-dst.data"));
  ASSERT_TRUE(df.has_value());
  ASSERT_EQ(df->code.size(), 2u);
  EXPECT_EQ(df->code[0].code, 0x85);
  EXPECT_EQ(df->code[0].dst(), 1);
  ASSERT_TRUE(df->error.has_value());
  EXPECT_EQ(*df->error, "");
  EXPECT_FALSE(decode(std::span<const RawInsn>(df->code)).has_value());
}

TEST(DataFile, MemResultAndLineNumbers) {
  const char* text =
      "# comment\n-- asm\nmov %r0, 1\n\nbogus %r1\n-- result\n0x2a\n";
  auto df = parse_data_file(text);
  ASSERT_FALSE(df.has_value());
  EXPECT_EQ(df.error().code, ErrorCode::AsmUnknownMnemonic);
  EXPECT_EQ(df.error().where.line, 5u);
  EXPECT_EQ(df.error().insn, 1);
  auto ok = parse_data_file("-- asm\r\nexit\r\n-- mem\r\naa BB 01\n02\n-- result\n0xFFFFFFF6\n-- result\n7\n");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->mem, (std::vector<uint8_t>{0xaa, 0xbb, 0x01, 0x02}));
  EXPECT_EQ(ok->result, 7u);
}

}  // namespace
}  // namespace decade
