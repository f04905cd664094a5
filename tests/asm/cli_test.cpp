// SPDX-License-Identifier: Apache-2.0
// `decade asm` and `decade disasm` end to end (the built binary, or the one
// DECADE_CLI names).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "asm_test_util.hpp"
#include "elf_util.hpp"

namespace decade {
namespace {

namespace fs = std::filesystem;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("DECADE_CLI");
    bin_ = env ? env : DECADE_BINARY_DIR "/decade";
    ASSERT_TRUE(fs::exists(bin_)) << bin_ << " is not built (target decade_cli)";
    dir_ = fs::temp_directory_path() / fmt::format("decade-asm-cli-{}", getpid());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `decade ARGS`; returns stdout, sets status to the exit code.
  std::string run(const std::string& args, int* status, bool with_stderr = false) {
    int st = 0;
    std::string out = test::run_capture(fmt::format("'{}' {}{}", bin_, args, with_stderr ? " 2>&1" : " 2>/dev/null"), &st);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
  }
  std::string path(const std::string& name) { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& text) { std::ofstream(path(name), std::ios::binary) << text; }

  std::string bin_;
  fs::path dir_;
};

TEST_F(Cli, AsmDisasmRoundTrip) {
  write("p.s", "mov %r0, 0\nloop: r0 += 1\nif r0 < 0xa goto loop\nr1 = 0x1122334455667788 ll\nexit\n");
  int st = 0;
  run(fmt::format("asm {} -o {}", path("p.s"), path("p.bin")), &st);
  ASSERT_EQ(st, 0);
  EXPECT_EQ(fs::file_size(path("p.bin")), 6u * 8);
  for (const char* syntax : {"llvm", "classic"}) {
    for (const char* labels : {"", "--labels"}) {
      SCOPED_TRACE(std::string(syntax) + labels);
      const std::string text = run(fmt::format("disasm --syntax {} {} {}", syntax, labels, path("p.bin")), &st);
      ASSERT_EQ(st, 0);
      write("d.s", text);
      // Stdout output, and `-` for stdin.
      run(fmt::format("asm - < {} > {}", path("d.s"), path("again.bin")), &st);
      ASSERT_EQ(st, 0);
      EXPECT_EQ(test::slurp(path("again.bin")), test::slurp(path("p.bin")));
    }
  }
}

TEST_F(Cli, ErrorsExitTwoWithCodeSlotAndLine) {
  write("bad.s", "exit\nfoo %r1\n");
  int st = 0;
  const std::string err = run(fmt::format("asm {}", path("bad.s")), &st, true);
  EXPECT_EQ(st, 2);
  EXPECT_NE(err.find("E201"), std::string::npos) << err;
  EXPECT_NE(err.find("at insn 1 (line 2)"), std::string::npos) << err;
  write("jump.s", "goto +5\nexit\n");
  run(fmt::format("asm {}", path("jump.s")), &st);
  EXPECT_EQ(st, 2);
  run(fmt::format("asm --no-check {} -o {}", path("jump.s"), path("j.bin")), &st);
  EXPECT_EQ(st, 0);
  write("odd.bin", "abc");
  run(fmt::format("disasm {}", path("odd.bin")), &st);
  EXPECT_EQ(st, 2);
  run(fmt::format("disasm {}", path("missing.bin")), &st);
  EXPECT_EQ(st, 2);
}

TEST_F(Cli, HelpForBothSubcommands) {
  int st = 0;
  EXPECT_NE(run("asm --help", &st).find("--syntax"), std::string::npos);
  EXPECT_EQ(st, 0);
  EXPECT_NE(run("disasm --help", &st).find("--section"), std::string::npos);
  EXPECT_EQ(st, 0);
}

TEST_F(Cli, DisasmElfSections) {
  const std::string obj = DECADE_BINARY_DIR "/bpf/asm/progs/mem.bpf.o";
  ASSERT_TRUE(fs::exists(obj));
  int st = 0;
  const std::string all = run("disasm " + obj, &st);
  ASSERT_EQ(st, 0);
  EXPECT_NE(all.find("Disassembly of section tc:\nmem:\n"), std::string::npos) << all;
  EXPECT_NE(all.find("Disassembly of section .text:\n"), std::string::npos);
  const auto sections = test::exec_sections(obj);
  for (const auto& [name, bytes] : sections) {
    SCOPED_TRACE(name);
    write("s.s", run(fmt::format("disasm --section {} {}", name, obj), &st));
    ASSERT_EQ(st, 0);
    // Calls leaving the section do not decode on their own: --no-check.
    run(fmt::format("asm --no-check {} -o {}", path("s.s"), path("s.bin")), &st);
    ASSERT_EQ(st, 0);
    const std::string got = test::slurp(path("s.bin"));
    EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.end()), bytes);
  }
  run("disasm --section nope " + obj, &st);
  EXPECT_EQ(st, 2);
}

TEST_F(Cli, DisasmSourceInterleavesCLines) {
  const std::string obj = DECADE_BINARY_DIR "/bpf/asm/progs/mem.bpf.o";
  int st = 0;
  const std::string out = run("disasm --source " + obj, &st);
  ASSERT_EQ(st, 0);
  EXPECT_NE(out.find("Disassembly of program mem (section tc):\n"), std::string::npos) << out;
  // A C line of the appended subprogram precedes its instructions.
  const size_t line = out.find("; static __attribute__((noinline)) __u64 mix(__u64 x, __u64 y) { return (x * 31) ^ (y >> 7); }");
  ASSERT_NE(line, std::string::npos) << out;
  EXPECT_NE(out.find("r1 *= 0x1f", line), std::string::npos) << out;
  EXPECT_EQ(run("disasm --source --section nope " + obj, &st), "");
  EXPECT_EQ(st, 2);
  // Raw bytecode has no line info; other syntaxes are not offered with --source.
  write("p.s", "r0 = 1\nexit\n");
  run(fmt::format("asm {} -o {}", path("p.s"), path("p.bin")), &st);
  ASSERT_EQ(st, 0);
  run("disasm --source " + path("p.bin"), &st);
  EXPECT_EQ(st, 2);
  run("disasm --source --syntax classic " + obj, &st);
  EXPECT_EQ(st, 2);
}

}  // namespace
}  // namespace decade
