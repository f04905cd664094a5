// SPDX-License-Identifier: Apache-2.0
// `decade asm FILE [-o OUT] [--syntax llvm|classic] [--no-check]`: assembly
// text (LLVM or classic syntax, llvm-objdump output included) to raw
// bytecode. FILE may be `-` for stdin; without -o the bytes go to stdout.
#include <fstream>
#include <iostream>

#include "asm/asm.hpp"
#include "cli/command.hpp"
#include "isa/decode.hpp"
#include "isa/encode.hpp"

namespace decade::cli {
namespace {

std::optional<Syntax> syntax_of(const std::string& s) {
  if (s == "llvm") return Syntax::Llvm;
  if (s == "classic") return Syntax::Classic;
  return std::nullopt;
}

int run_asm(const std::string& file, const std::string& out, const std::string& syntax, bool check) {
  auto text = read_text(file);
  if (!text) return report(text.error());
  auto code = assemble(*text, AsmOptions{syntax_of(syntax), {}});
  if (!code) return report(code.error());
  if (code->code.empty()) return report(Error{ErrorCode::DecodeEmpty, -1, file + ": no instructions", {}, {}});
  if (check) {
    // The bytes must decode: jumps inside the program, no reserved fields.
    auto prog = decode(std::span<const RawInsn>(code->code));
    if (!prog) {
      Error e = prog.error();
      if (e.insn >= 0 && static_cast<size_t>(e.insn) < code->source_lines.size()) e.where.line = code->source_lines[static_cast<size_t>(e.insn)];
      return report(e);
    }
  }
  const auto bytes = to_bytes(code->code);
  if (out.empty() || out == "-") {
    std::cout.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    return std::cout ? kExitOk : report(Error{ErrorCode::IoError, -1, "cannot write to stdout", {}, {}});
  }
  std::ofstream f(out, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) return report(Error{ErrorCode::IoError, -1, "cannot write " + out, {}, {}});
  return kExitOk;
}

DECADE_COMMAND("asm", "Assemble LLVM- or classic-syntax text into raw bytecode", [](CLI::App& sub) {
  auto file = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto syntax = std::make_shared<std::string>("auto");
  auto no_check = std::make_shared<bool>(false);
  sub.add_option("FILE", *file, "assembly text ('-' for stdin)")->required();
  sub.add_option("-o,--output", *out, "output file (default: stdout)");
  sub.add_option("--syntax", *syntax, "input syntax (default: detected per line)")->check(CLI::IsMember({"auto", "llvm", "classic"}));
  sub.add_flag("--no-check", *no_check, "write the bytes even if they do not decode (jumps out of range, reserved fields)");
  return [=] { return run_asm(*file, *out, *syntax, !*no_check); };
});

}  // namespace
}  // namespace decade::cli
