// SPDX-License-Identifier: Apache-2.0
// `decade conformance-plugin [MEM] [--engine interp|jit] [--elf]`: the plugin
// side of the BPF conformance runner's protocol (../shared/conformance/
// FORMAT.md section 4). The program arrives as hex text on stdin (an ELF
// object with --elf), the memory as hex in the first argument; r0 is printed
// in hex on stdout. Programs run unverified with every access checked, or
// verified (the raw program type) with --stack-size N.
#include <cctype>
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "decade/decade.hpp"

namespace decade::cli {
namespace {

// Hex bytes separated by any whitespace ("11  22  33  "); a token may also
// hold several bytes ("112233").
Result<std::vector<uint8_t>> parse_hex(std::string_view text, std::string_view what) {
  std::vector<uint8_t> out;
  std::string token;
  auto flush = [&]() -> Status {
    if (token.size() % 2)
      return make_error(ErrorCode::InvalidArgument, std::string(what) + ": odd number of hex digits in '" + token + "'");
    for (size_t i = 0; i < token.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoul(token.substr(i, 2), nullptr, 16)));
    token.clear();
    return ok();
  };
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (auto s = flush(); !s) return std::unexpected(s.error());
    } else if (std::isxdigit(static_cast<unsigned char>(c))) {
      token += c;
    } else {
      return make_error(ErrorCode::InvalidArgument, std::string(what) + ": '" + std::string(1, c) + "' is not a hex digit");
    }
  }
  if (auto s = flush(); !s) return std::unexpected(s.error());
  return out;
}

int run_plugin(const std::string& mem_hex, const std::string& engine, bool elf, uint32_t stack_size) {
  auto input = read_text("-");
  if (!input) return report(input.error());
  auto code = parse_hex(*input, "program");
  if (!code) return report(code.error());
  auto mem = parse_hex(mem_hex, "memory");
  if (!mem) return report(mem.error());
  auto obj = elf ? BpfObject::open(*code, "conformance") : BpfObject::from_bytecode(*code, "main", "raw");
  if (!obj) return report(obj.error());
  if (elf) (void)obj->set_program_type("main", "raw");  // the suite's ELF objects use r1 = memory, r2 = length
  LoadOptions opts;
  opts.engine = engine;
  // With a stack size (a .data file's `-- stack-size`) the program is
  // verified with it; otherwise it runs unverified with checked accesses.
  opts.unverified_checked_execution = stack_size == 0;
  if (stack_size) opts.stack_size = stack_size;
  if (auto s = obj->load(opts); !s) return report(s.error());
  auto prog = obj->program("");
  if (!prog) return report(prog.error());
  TestRunOptions run;
  run.data = *mem;
  auto res = prog->test_run(run);
  if (!res) return report(res.error(), kExitRejected);
  std::printf("%llx\n", static_cast<unsigned long long>(res->retval));
  return kExitOk;
}

DECADE_COMMAND("conformance-plugin", "Run one program for the BPF conformance runner (hex on stdin, r0 on stdout)",
                [](CLI::App& sub) -> std::function<int()> {
                  auto mem = std::make_shared<std::string>();
                  auto engine = std::make_shared<std::string>("interp");
                  auto elf = std::make_shared<bool>(false);
                  auto stack_size = std::make_shared<uint32_t>(0);
                  sub.add_option("memory", *mem, "input memory as hex bytes (\"11  22  \"); r1 points at a copy");
                  sub.add_option("--engine", *engine, "execution engine")
                      ->check(CLI::IsMember({"interp", "jit"}));
                  sub.add_flag("--elf", *elf, "stdin holds an ELF object (code in .text, function main)");
                  sub.add_option("--stack-size", *stack_size,
                                 "verify the program with this stack size (a .data file's -- stack-size) instead of "
                                 "running it unverified");
                  return [=] { return run_plugin(*mem, *engine, *elf, *stack_size); };
                });

}  // namespace
}  // namespace decade::cli
