// SPDX-License-Identifier: Apache-2.0
// Subcommand registry for the `decade` CLI. Each cmd_*.cpp registers itself
// with a static DECADE_COMMAND so adding a subcommand touches one file.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "decade/error.hpp"

namespace decade::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;  // a program failed (verify rejected, run faulted)
inline constexpr int kExitBadInput = 2;  // malformed input or arguments

struct Command {
  std::string name;
  std::string summary;
  // Adds options to `sub` and returns the action run when the subcommand is chosen.
  std::function<std::function<int()>(CLI::App& sub)> setup;
};

std::vector<Command>& registry();

struct Registrar {
  explicit Registrar(Command c) { registry().push_back(std::move(c)); }
};

// Print an error value to stderr in the standard form; returns `exit_code`.
int report(const Error& e, int exit_code = kExitBadInput);

// Read a whole file; errors name the path.
Result<std::vector<uint8_t>> read_file(const std::string& path);
Result<std::string> read_text(const std::string& path);

}  // namespace decade::cli

#define DECADE_CLI_CONCAT2(a, b) a##b
#define DECADE_CLI_CONCAT(a, b) DECADE_CLI_CONCAT2(a, b)
#define DECADE_COMMAND(...) \
  static ::decade::cli::Registrar DECADE_CLI_CONCAT(decade_cmd_, __LINE__)(::decade::cli::Command{__VA_ARGS__})
