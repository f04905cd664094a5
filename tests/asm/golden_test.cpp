// SPDX-License-Identifier: Apache-2.0
// Golden encodings and texts for every table row (tests/asm/golden.txt, one
// row per line: NAME | hex bytes | LLVM text | classic text), and round trips
// bytes -> disassembly -> assembly -> bytes in both syntaxes.
// Run with DECADE_BLESS=1 to rewrite golden.txt after an intended change.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "asm_test_util.hpp"
#include "row_samples.hpp"

namespace decade {
namespace {

const char* kGolden = DECADE_SOURCE_DIR "/tests/asm/golden.txt";

std::string hex(const std::vector<RawInsn>& raw) {
  std::string s;
  for (uint8_t b : to_bytes(raw)) s += fmt::format("{}{:02x}", s.empty() ? "" : " ", b);
  return s;
}

std::string golden_line(const OpInfo& i) {
  const Insn in = test::sample_insn(i);
  std::vector<RawInsn> raw;
  encode(in, raw);
  return fmt::format("{} | {} | {} | {}", i.name, hex(raw), disassemble(in, {Syntax::Llvm, false}),
                     disassemble(in, {Syntax::Classic, false}));
}

TEST(Golden, EveryRowMatchesGoldenFile) {
  std::string now;
  for (const OpInfo& i : kOps) now += golden_line(i) + "\n";
  if (std::getenv("DECADE_BLESS")) {
    std::ofstream(kGolden) << now;
    GTEST_SKIP() << "blessed " << kGolden;
  }
  std::map<std::string, std::string> want;
  std::istringstream in(test::slurp(kGolden));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) want[line.substr(0, line.find(' '))] = line;
  EXPECT_EQ(want.size(), kOpCount) << "golden.txt must have one line per row";
  for (const OpInfo& i : kOps) {
    SCOPED_TRACE(std::string(i.name));
    auto it = want.find(std::string(i.name));
    ASSERT_NE(it, want.end()) << "row missing from golden.txt (bless with DECADE_BLESS=1)";
    EXPECT_EQ(golden_line(i), it->second);
  }
}

// A placeholder the assembler and disassembler do not know would print as
// nothing; every row's template may use only these.
TEST(Golden, TemplatesUseKnownPlaceholders) {
  const std::set<std::string> known = {"rd", "wd", "rs", "ws", "imm", "imm64", "imm2", "off", "tgt", "as_dst", "as_src"};
  for (const OpInfo& i : kOps) {
    SCOPED_TRACE(std::string(i.name));
    const std::string_view t = i.llvm;
    EXPECT_FALSE(t.empty());
    for (size_t k = t.find('{'); k != std::string_view::npos; k = t.find('{', k + 1)) {
      const size_t e = t.find('}', k);
      ASSERT_NE(e, std::string_view::npos);
      EXPECT_TRUE(known.contains(std::string(t.substr(k + 1, e - k - 1)))) << t;
    }
  }
}

void round_trip(Syntax syntax, bool labels) {
  for (const OpInfo& i : kOps) {
    SCOPED_TRACE(std::string(i.name));
    const Insn in = test::sample_insn(i);
    std::vector<RawInsn> want;
    encode(in, want);
    // The bytes decode back to the same row.
    auto dec = decode_one(want, 0);
    ASSERT_TRUE(dec.has_value()) << dec.error().to_string();
    EXPECT_EQ(dec->op, i.op);
    std::string text = disassemble(*dec, {syntax, labels});
    if (labels && has_target(i.op)) {
      // Give the label a home: pad with exits up to the target.
      const int64_t target = dec->target;
      if (target < 0) continue;  // a backward jump before slot 0 has no label; covered without labels
      for (int64_t pc = dec->slots(); pc < target; ++pc) text += "\nexit";
      text += fmt::format("\nL{}:\nexit", target);
    }
    auto back = assemble(text, {syntax, {}});
    ASSERT_TRUE(back.has_value()) << text << "\n" << back.error().to_string();
    back->code.resize(want.size());
    EXPECT_EQ(hex(back->code), hex(want)) << text;
    // Automatic syntax detection reads our own output the same way.
    auto detected = assemble(text);
    ASSERT_TRUE(detected.has_value()) << text << "\n" << detected.error().to_string();
    detected->code.resize(want.size());
    EXPECT_EQ(hex(detected->code), hex(want)) << text;
  }
}

TEST(RoundTrip, EveryRowLlvm) { round_trip(Syntax::Llvm, false); }
TEST(RoundTrip, EveryRowClassic) { round_trip(Syntax::Classic, false); }
TEST(RoundTrip, EveryRowLlvmLabels) { round_trip(Syntax::Llvm, true); }
TEST(RoundTrip, EveryRowClassicLabels) { round_trip(Syntax::Classic, true); }

// Extreme field values survive the round trip too.
TEST(RoundTrip, ExtremeValues) {
  const Insn cases[] = {
      make_insn(Op::MOV64_IMM, 9, 0, 0, INT32_MIN),
      make_insn(Op::MOV32_IMM, 9, 0, 0, -1),
      make_insn(Op::LDDW, 3, 0, 0, 0, 0x8000000000000000ULL),
      make_insn(Op::LDDW, 3, 0, 0, 0, ~0ULL),
      make_insn(Op::LDXDW, 0, 10, -32768),
      make_insn(Op::STXB, 10, 1, 32767),
      make_insn(Op::STDW, 10, 0, -512, INT32_MIN),
      make_insn(Op::JEQ64_IMM, 1, 0, -32768, INT32_MAX),
      make_insn(Op::JA32, 0, 0, 0, INT32_MIN),
      make_insn(Op::CALL_HELPER, 0, 0, 0, -1),
      make_insn(Op::CALL_LOCAL, 0, 0, 0, -1),
      make_insn(Op::CALL_LOCAL, 0, 0, 0, 0),
      make_insn(Op::CALL_KFUNC, 0, 0, -3, -7),
      make_insn(Op::ADDR_SPACE_CAST, 1, 1, 0, 0x10000),
      // Second-slot imm of pseudo forms whose template does not print it (fuzz find).
      make_insn(Op::LDDW_BTF_ID, 3, 0, 0, 0, 0x200000),
      make_insn(Op::LDDW_MAP_FD, 1, 0, 0, 5, 0xffffffff),
      make_insn(Op::LDDW_FUNC, 1, 0, 0, 2, 7),
  };
  for (Syntax s : {Syntax::Llvm, Syntax::Classic}) {
    for (const Insn& c : cases) {
      std::vector<RawInsn> want;
      encode(c, want);
      auto dec = decode_one(want, 0);
      ASSERT_TRUE(dec.has_value());
      const std::string text = disassemble(*dec, {s, false});
      auto back = assemble(text, {s, {}});
      ASSERT_TRUE(back.has_value()) << text << "\n" << back.error().to_string();
      EXPECT_EQ(hex(back->code), hex(want)) << text;
    }
  }
}

}  // namespace
}  // namespace decade
