// SPDX-License-Identifier: Apache-2.0
// Emitted code checked by an independent disassembler (Zydis): every byte of
// every compiled program decodes, and golden listings (one "hex  asm" line
// per x86 instruction) pin the lowering of a few patterns. Set
// DECADE_BLESS=1 to print the current listings instead of comparing.
#include <gtest/gtest.h>

#if __has_include(<Zydis/Zydis.h>)
#include <Zydis/Zydis.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "jit_test_util.hpp"

namespace decade::jit::test {
namespace {

// Absolute 64-bit immediates (helper and map addresses: mov r64, imm64)
// change from run to run.
bool is_movabs(const uint8_t* b, size_t len) { return len == 10 && (b[0] & 0xf8) == 0x48 && b[1] >= 0xb8 && b[1] <= 0xbf; }

struct Listing {
  bool complete = true;  // every byte decoded
  std::vector<std::string> lines;
};

Listing disassemble(std::span<const uint8_t> code, uint64_t base) {
  Listing l;
  size_t off = 0;
  while (off < code.size()) {
    ZydisDisassembledInstruction di;
    if (!ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, base + off, code.data() + off, code.size() - off, &di))) {
      l.complete = false;
      return l;
    }
    std::string hex;
    char buf[4];
    for (size_t i = 0; i < di.info.length; ++i) {
      std::snprintf(buf, sizeof buf, i ? " %02x" : "%02x", code[off + i]);
      hex += buf;
    }
    std::string text = di.text;
    if (is_movabs(code.data() + off, di.info.length)) {
      hex = "<movabs>";
      text = text.substr(0, text.find(',')) + ", <address>";
    }
    l.lines.push_back(hex + "  " + text);
    off += di.info.length;
  }
  return l;
}

// The x86 code of slot `pc`'s main path (cold paths live elsewhere).
std::span<const uint8_t> slot_code(const CodeInfo& ci, uint32_t pc) {
  for (size_t i = 0; i < ci.pc_map.size(); ++i) {
    if (ci.pc_map[i].slot != static_cast<int32_t>(pc)) continue;
    const size_t end = i + 1 < ci.pc_map.size() ? ci.pc_map[i + 1].offset : ci.text_size;
    return ci.code.subspan(ci.pc_map[i].offset, end - ci.pc_map[i].offset);
  }
  return {};
}

TEST(JitEncoding, EveryProgramDecodesFully) {
  const char* programs[] = {
      "mov %r0, 1\nexit",
      "ldxdw %r2, [%r1+8]\nlock fetch or [%r1+0], %r2\nlock cmpxchg32 [%r1+0], %r2\nexit",
      "mov %r6, 3\nmov %r3, 0\ndiv %r6, %r3\nsmod32 %r6, %r3\nlsh %r6, %r4\nbe16 %r6\nmov %r0, %r6\nexit",
      "mov %r1, 2\ncall local f\nexit\nf:\nmov %r0, %r1\nmay_goto +1\nexit\nexit",
      "mov %r0, 7\nmov %r1, 4\ngotox %r1\nmov %r0, 1\nexit",
      "stdw [%r10-8], 0\nmov %r1, 5\nlddw_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\ncall 181\n"
      "lddw %r4, 0x123456789\ncallx %r4\nexit\ncb:\nmov %r0, 0\nexit",
  };
  for (const char* text : programs) {
    for (const JitOptions& opts : {JitOptions{}, JitOptions{true}}) {
      auto exe = compile_checked(assembled(text), env_of(), opts);
      ASSERT_TRUE(exe.has_value()) << exe.error().to_string();
      auto ci = inspect(**exe);
      ASSERT_TRUE(ci.has_value());
      ASSERT_GT(ci->text_size, 0u);
      const Listing l = disassemble(ci->code.first(ci->text_size), reinterpret_cast<uint64_t>(ci->code.data()));
      EXPECT_TRUE(l.complete) << text;
      EXPECT_GT(l.lines.size(), 10u);
    }
  }
}

struct Golden {
  const char* name;
  const char* text;  // the instruction of interest is at slot `pc`
  uint32_t pc;
  std::vector<std::string> expect;
};

const Golden kGolden[] = {
#include "encoding_golden.inc"
};

TEST(JitEncoding, GoldenListings) {
  const bool bless = std::getenv("DECADE_BLESS") != nullptr;
  for (const Golden& g : kGolden) {
    auto exe = compile_checked(assembled(g.text), env_of());
    ASSERT_TRUE(exe.has_value()) << exe.error().to_string();
    auto ci = inspect(**exe);
    ASSERT_TRUE(ci.has_value());
    const auto code = slot_code(*ci, g.pc);
    const uint64_t base = reinterpret_cast<uint64_t>(code.data()) - reinterpret_cast<uint64_t>(ci->code.data());
    const Listing l = disassemble(code, base);
    ASSERT_TRUE(l.complete) << g.name;
    if (bless) {
      std::string text;
      for (const char* c = g.text; *c; ++c) text += *c == '\n' ? std::string("\\n") : std::string(1, *c);
      std::printf("    {\"%s\", \"%s\", %u, {\n", g.name, text.c_str(), g.pc);
      for (const auto& line : l.lines) std::printf("        \"%s\",\n", line.c_str());
      std::printf("    }},\n");
      continue;
    }
    EXPECT_EQ(l.lines, g.expect) << g.name;
  }
}

}  // namespace
}  // namespace decade::jit::test

#else
TEST(JitEncoding, NeedsZydis) { GTEST_SKIP() << "Zydis headers not installed"; }
#endif
