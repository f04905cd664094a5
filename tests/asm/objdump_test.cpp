// SPDX-License-Identifier: Apache-2.0
// Our LLVM-syntax disassembly against llvm-objdump's, on the objects built
// from tests/asm/progs/*.bpf.c; our assembler against llvm-objdump's output
// and against llvm-mc's encodings of the golden texts.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "asm_test_util.hpp"
#include "elf_util.hpp"
#include "row_samples.hpp"

namespace decade {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> objects() {
  std::vector<fs::path> v;
  const fs::path dir = DECADE_BINARY_DIR "/bpf/asm/progs";
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".o") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

// Section name -> the tool's text for the section (all lines).
std::map<std::string, std::string> objdump_sections(const std::string& tool, const fs::path& o, bool raw) {
  const std::string cmd = fmt::format("{} -d {} '{}' 2>/dev/null", tool, raw ? "" : "--no-show-raw-insn", o.string());
  std::map<std::string, std::string> out;
  std::istringstream in(test::run_capture(cmd));
  std::string cur;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("Disassembly of section ")) cur = line.substr(23, line.size() - 24);
    else if (!cur.empty()) out[cur] += line + "\n";
  }
  return out;
}

std::string without_annotation(std::string s) {
  if (!s.empty() && s.back() == '>') {
    const size_t lt = s.rfind(" <");
    if (lt != std::string::npos) s.resize(lt);
  }
  return s;
}

std::vector<RawInsn> slots_of(const std::vector<uint8_t>& b) {
  std::vector<RawInsn> raw(b.size() / 8);
  std::memcpy(raw.data(), b.data(), raw.size() * 8);
  return raw;
}

// Known, intended differences from llvm-objdump's text:
// - a local call with a forward target prints "call +0x5" (llvm-objdump:
//   "call 0x5", the same text as helper 5), so that it assembles back to a
//   local call;
// - llvm-objdump-19 prints the 32-bit atomic add's source as rN (19 without
//   +alu32; llvm-objdump-22 prints wN, as the table does);
// - llvm-objdump-22 (whose default cpu has alu32) prints the value register
//   of 8/16/32-bit loads and stores as wN; 19 and the table print rN. The
//   assembler accepts both.
std::string as_llvm_prints(const Insn& in, const std::string& tool) {
  std::string t = disassemble(in);
  const OpInfo& i = in.info();
  if (in.op == Op::CALL_LOCAL && t.starts_with("call +")) t.erase(5, 1);
  const bool v19 = tool == DECADE_LLVM_OBJDUMP;
  if (in.op == Op::ATOMIC_ADD32 && v19) t.replace(t.rfind('w'), 1, "r");
  if (!v19 && i.width <= 32 && i.sem == Sem::Ldx) t[0] = 'w';
  if (!v19 && i.width <= 32 && i.sem == Sem::Stx) t.replace(t.rfind('r'), 1, "w");
  return t;
}

// llvm-objdump-19 does not know load-acquire/store-release and, without
// +alu32, the 32-bit atomics other than add: it prints <unknown> or decodes
// them as a plain atomic add. Those rows are compared with llvm-objdump-22.
bool llvm19_misses(const Insn& in) {
  const OpInfo& i = in.info();
  return is_atomic(i.sem) && ((i.width < 64 && in.op != Op::ATOMIC_ADD32) || i.cpu >= 4);
}

struct Compared {
  size_t lines = 0, unknown = 0;
  std::set<Op> ops;
};

Compared compare_with(const std::string& tool) {
  const auto objs = objects();
  EXPECT_GE(objs.size(), 4u) << "BPF objects missing under " DECADE_BINARY_DIR "/bpf/asm/progs";
  const std::regex insn_line(R"(^\s*(\d+):\t(.*)$)");
  Compared c;
  for (const auto& o : objs) {
    const auto bytes = test::exec_sections(o.string());
    EXPECT_FALSE(bytes.empty()) << o;
    for (const auto& [sec, text] : objdump_sections(tool, o, false)) {
      SCOPED_TRACE(tool + " " + o.filename().string() + " " + sec);
      if (!bytes.contains(sec)) {
        ADD_FAILURE() << "no section " << sec;
        continue;
      }
      const auto raw = slots_of(bytes.at(sec));
      std::istringstream in(text);
      for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (!std::regex_match(line, m, insn_line)) continue;
        if (m[2] == "<unknown>") {
          ++c.unknown;
          continue;
        }
        const auto slot = static_cast<uint32_t>(std::stoul(m[1]));
        auto insn = decode_one(raw, slot);
        if (!insn) {
          ADD_FAILURE() << line << "\n" << insn.error().to_string();
          continue;
        }
        if (tool == DECADE_LLVM_OBJDUMP && llvm19_misses(*insn)) {
          ++c.unknown;
          continue;
        }
        EXPECT_EQ(as_llvm_prints(*insn, tool), without_annotation(m[2])) << "slot " << slot;
        c.ops.insert(insn->op);
        ++c.lines;
      }
    }
  }
  return c;
}

TEST(Objdump, OurTextEqualsLlvmObjdump19) {
  const Compared c = compare_with(DECADE_LLVM_OBJDUMP);
  EXPECT_GE(c.lines, 250u);
  EXPECT_GE(c.ops.size(), 85u);
}

// llvm-objdump-22 knows every instruction (no <unknown> lines), including
// load-acquire, store-release and gotox from the clang-22 object.
TEST(Objdump, OurTextEqualsLlvmObjdump22) {
  const Compared c = compare_with("llvm-objdump-22");
  EXPECT_EQ(c.unknown, 0u);
  EXPECT_GE(c.ops.size(), 100u);
  for (Op op : {Op::LOAD_ACQB, Op::STORE_RELDW, Op::GOTOX, Op::MAY_GOTO, Op::ADDR_SPACE_CAST, Op::LDABSW, Op::JA32,
                Op::CALL_LOCAL, Op::ATOMIC_CMPXCHG32, Op::SMOD32_REG, Op::LDXSH, Op::MOVSX16_32, Op::CALLX})
    EXPECT_TRUE(c.ops.contains(op)) << info(op).name;
}

// `decade asm` reads llvm-objdump's own output (addresses, raw bytes,
// <sym> annotations, symbol headers, `ll`) back into the section's bytes.
// The one thing the text cannot carry: "call 0x5" is a helper call, so a
// local call with a forward target comes back as one.
TEST(Objdump, AssemblerReadsObjdumpOutput) {
  for (const auto& o : objects()) {
    const auto bytes = test::exec_sections(o.string());
    for (bool raw_column : {true, false}) {
      for (const auto& [sec, text] : objdump_sections("llvm-objdump-22", o, raw_column)) {
        SCOPED_TRACE(o.filename().string() + " " + sec);
        auto want = slots_of(bytes.at(sec));
        for (auto& r : want)
          if (r.code == 0x85 && r.src() == 1 && r.imm >= 0) r.regs &= 0x0f;
        auto a = assemble(text);
        ASSERT_TRUE(a.has_value()) << a.error().to_string();
        EXPECT_EQ(to_bytes(a->code), to_bytes(want));
      }
    }
  }
}

// The golden LLVM texts, assembled by llvm-mc, give our golden bytes. Rows
// LLVM has no assembly syntax for are listed; any other rejection fails.
TEST(Objdump, LlvmMcAgreesWithGoldenEncodings) {
  const std::set<Op> no_llvm_syntax = {Op::LDDW_MAP_FD, Op::LDDW_MAP_VALUE, Op::LDDW_BTF_ID, Op::LDDW_FUNC,
                                       Op::LDDW_MAP_IDX, Op::LDDW_MAP_IDX_VALUE, Op::LDINDB, Op::LDINDH,
                                       Op::LDINDW, Op::CALL_LOCAL, Op::CALL_KFUNC};
  // llvm-mc knows no Decade extension (docs/isa-extensions.md).
  auto decade_ext = [](const OpInfo& i) {
    return i.group == Group::bitmanip || i.group == Group::stackargs || i.group == Group::alloca;
  };
  std::string text;
  std::vector<RawInsn> want;
  for (const OpInfo& i : kOps) {
    if (no_llvm_syntax.contains(i.op) || decade_ext(i)) continue;
    Insn in = test::sample_insn(i);
    if (i.op == Op::JA32) in.imm = 0x1117;  // llvm-mc reads only 16-bit literals here
    text += disassemble(in) + "\n";
    encode(in, want);
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("decade-asm-mc-{}", getpid());
  fs::create_directories(dir);
  const std::string s = (dir / "rows.s").string(), obj = (dir / "rows.o").string();
  std::ofstream(s) << text;
  int st = 0;
  const std::string diag = test::run_capture(fmt::format("llvm-mc-22 -triple bpfel -mcpu=v4 -filetype=obj '{}' -o '{}' 2>&1", s, obj), &st);
  ASSERT_EQ(st, 0) << diag;
  const auto secs = test::exec_sections(obj);
  fs::remove_all(dir);
  ASSERT_TRUE(secs.contains(".text"));
  const auto got = slots_of(secs.at(".text"));
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) EXPECT_EQ(std::memcmp(&got[k], &want[k], 8), 0) << "slot " << k;
}

}  // namespace
}  // namespace decade
