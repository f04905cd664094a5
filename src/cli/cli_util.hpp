// SPDX-License-Identifier: Apache-2.0
// Shared by the object-facing subcommands (run, prog, map, verify, btf):
// opening an input (ELF object or raw bytecode), reading hex files, the
// verifier's budget options, and the exit code an error deserves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "decade/decade.hpp"

namespace CLI {
class App;
}

namespace decade::cli {

// The verifier's budgets as `verify` and `run` take them (0: the default).
struct VerifierBudgets {
  uint64_t max_insns = 0;   // --max-insns: processed instructions
  uint64_t max_memory = 0;  // --verifier-memory: bytes (suffixes k, M, G are powers of 1024)
  uint32_t stack_size = 0;  // --stack-size: LoadOptions::stack_size
  bool strict_alignment = false;  // --strict-alignment: BPF_F_STRICT_ALIGNMENT
};
// --strict-alignment for `prog` (every program when empty).
Status apply_program_flags(BpfObject& obj, const VerifierBudgets& b, const std::string& prog);
void add_verifier_options(CLI::App& sub, VerifierBudgets& b);

bool is_elf(const std::vector<uint8_t>& bytes);

// An ELF object, or raw bytecode (8-byte slots) as one "raw" program.
Result<BpfObject> open_input(const std::string& path, bool* raw = nullptr);

// Hex bytes separated by whitespace, '#' to end of line is a comment.
Result<std::vector<uint8_t>> parse_hex_text(std::string_view text, std::string_view what);
Result<std::vector<uint8_t>> read_hex_file(const std::string& path);

// Applies "--set NAME=VALUE" before load: NAME is a global variable (e.g. a
// `const volatile` in .rodata), VALUE an integer (decimal or 0x hex) stored
// little-endian in the variable's size.
Status apply_sets(BpfObject& obj, const std::vector<std::string>& sets);

// "--max-entries MAP=N" (repeatable) of run and verify, before load:
// BpfObject::set_max_entries for maps their loader sizes at run time.
Status apply_max_entries(BpfObject& obj, const std::vector<std::string>& sizes);
void add_max_entries_option(CLI::App& sub, std::vector<std::string>& sizes);

// "--btf PATH" of run, verify and map dump: the BTF CO-RE relocations
// resolve against (BpfObject::set_target_btf_file). Empty: the running
// kernel's (kKernelBtf) when the object has CO-RE relocations and the file
// exists, as libbpf does; "none": the object's own BTF, which
// print_warnings then reports on stderr.
inline constexpr const char* kKernelBtf = "/sys/kernel/btf/vmlinux";
Status apply_target_btf(BpfObject& obj, const std::string& path);
void print_warnings(const BpfObject& obj);
void add_btf_option(CLI::App& sub, std::string& path);

// "--type TYPE" of run and verify, bpftool's `type`: the program type of
// `prog` (every program when empty), a type name or a libbpf section name
// (BpfObject::set_program_type). Nothing when type is empty.
Status apply_type(BpfObject& obj, const std::string& type, const std::string& prog);

// "--grant NAME" of run and verify: the privileges (decade::Grant) the
// command gives the object's programs. Names: kGrantNames. Like bpftool
// run by root, the commands verify with the kernel's privileged rules
// (Grant::Privileged) unless "--unpriv" asks for the unprivileged ones.
inline const std::vector<std::string> kGrantNames = {"read-host-memory"};
Status apply_grants(BpfObject& obj, const std::vector<std::string>& grants, bool unpriv);
void add_unpriv_option(CLI::App& sub, bool& unpriv);

// 1 for a program that was rejected or faulted, 2 for malformed input.
int exit_code_for(const Error& e);

// --map-memory / --object-map-memory (LoadOptions::map_memory and
// object_map_memory), sizes with an optional unit: 64MiB, 2G, 4096.
struct MemoryArgs {
  uint64_t map = 0, object = 0;
  void add_to(CLI::App& app);
  void apply(LoadOptions& lo) const {
    lo.map_memory = map;
    lo.object_map_memory = object;
  }
};

}  // namespace decade::cli
