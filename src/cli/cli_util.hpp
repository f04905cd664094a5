// SPDX-License-Identifier: Apache-2.0
// Shared by the object-facing subcommands (run, prog, map, verify, btf):
// opening an input (ELF object or raw bytecode), reading hex files, and the
// exit code an error deserves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "decade/decade.hpp"

namespace decade::cli {

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

// "--grant NAME" of run and verify: the privileges (decade::Grant) the
// command gives the object's programs. Names: kGrantNames.
inline const std::vector<std::string> kGrantNames = {"read-host-memory"};
Status apply_grants(BpfObject& obj, const std::vector<std::string>& grants);

// 1 for a program that was rejected or faulted, 2 for malformed input.
int exit_code_for(const Error& e);

}  // namespace decade::cli
