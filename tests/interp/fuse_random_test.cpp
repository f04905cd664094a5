// SPDX-License-Identifier: Apache-2.0
// Differential test of the superinstructions: random programs built from the
// fused runs' parts (with forward branches landing between them) give the
// same result, or the same error code and pc, in the verified translation
// (fused) and the checked one (never fused).
#include <random>
#include <string>

#include "interp/threaded.hpp"
#include "interp_test_util.hpp"

namespace decade::test {
namespace {

constexpr int kLen = 24;  // instructions before the final exit

std::string random_program(std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* data[] = {"%r0", "%r2", "%r3", "%r4", "%r5"};
  const char* conds[] = {"jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset"};
  const char* alu[] = {"add", "sub", "mul", "and", "or", "xor", "mov"};
  const char* loads[] = {"ldxb", "ldxh", "ldxw", "ldxdw"};
  const char* stores[] = {"stxb", "stxh", "stxw", "stxdw"};
  auto reg = [&] { return std::string(data[pick(5)]); };
  auto imm = [&] { return std::to_string(pick(41) - 20); };
  auto offset = [&] { return std::to_string(pick(9) * 4); };  // mostly in bounds of the 32-byte region
  std::string text;  // branches name labels: lddw takes two slots
  for (int i = 0; i < kLen; ++i) {
    const std::string d = reg();
    auto label = [](int at) { return "L" + std::to_string(at) + ":\n"; };
    text += label(i);
    int kind = pick(13);
    if ((kind == 6 || kind == 9) && i + 2 >= kLen) kind = 0;  // three lines must fit
    switch (kind) {
      case 0: text += "mov " + d + ", " + reg() + "\n"; break;
      case 1: text += std::string(alu[pick(7)]) + " " + d + ", " + (pick(2) ? reg() : imm()) + "\n"; break;
      case 2: text += "add " + d + ", " + (pick(2) ? reg() : imm()) + "\n"; break;
      case 3: text += "lsh " + d + ", " + std::to_string(pick(64)) + "\n"; break;
      case 4: text += std::string(pick(2) ? "rsh " : "arsh ") + d + ", " + std::to_string(pick(64)) + "\n"; break;
      case 5: text += std::string(loads[pick(4)]) + " " + d + ", [%r1+" + offset() + "]\n"; break;
      case 6:  // branches may land on any of the three
        text += "mov %r5, %r1\n" + label(i + 1) + "add %r5, " + std::to_string(pick(5) * 4) + "\n" + label(i + 2) +
                "add %r5, %r4\n";
        i += 2;
        break;
      case 7: text += "ldxb %r4, [%r1+" + std::to_string(pick(4)) + "]\n"; break;
      case 8: text += std::string(stores[pick(4)]) + " [%r1+" + offset() + "], " + reg() + "\n"; break;
      case 9:  // clang's indexed access: r5 = r1; r5 += r4; load or store through r5
        text += "mov %r5, %r1\n" + label(i + 1) + "add %r5, %r4\n" + label(i + 2) +
                (pick(2) ? std::string(loads[pick(4)]) + " " + d + ", [%r5+" + std::to_string(pick(4)) + "]\n"
                         : std::string(stores[pick(4)]) + " [%r5+" + std::to_string(pick(4)) + "], " + d + "\n");
        i += 2;
        break;
      case 10: text += "lddw " + d + ", " + std::to_string(static_cast<int64_t>(rng() << 20)) + "\n"; break;
      default: {
        const int room = kLen - i;  // forward only: the program always ends
        text += std::string(conds[pick(11)]) + " " + d + ", " + (pick(2) ? reg() : imm()) + ", L" +
                std::to_string(i + 1 + pick(room)) + "\n";
      }
    }
  }
  return text + "L" + std::to_string(kLen) + ":\nexit\n";
}

TEST(FuseRandom, VerifiedTranslationAgreesWithChecked) {
  std::mt19937 rng(20261125);
  size_t fused_total = 0;
  for (int n = 0; n < 1000; ++n) {
    const std::string text = random_program(rng);
    std::vector<uint8_t> mem(32);
    for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(rng());
    auto v = expect_translations_agree(text, mem);
    ASSERT_TRUE(v) << text;
    for (const auto& t : v->code) fused_total += interp::detail::is_fused(t.kind);
  }
  EXPECT_GT(fused_total, 400u);  // the generator does exercise the fused forms
}

}  // namespace
}  // namespace decade::test
