// SPDX-License-Identifier: Apache-2.0
#include "isa/extensions.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace decade {
namespace {

// divstack has no instruction: only objects declare it (its tag).
constexpr std::array<std::string_view, 4> kSupported = {"bitmanip", "stackargs", "divstack", "alloca"};

// The extension a table group stands for, or empty for the base ISA.
std::string_view extension_of(Group g) {
  return g == Group::bitmanip || g == Group::stackargs || g == Group::alloca ? group_name(g) : std::string_view{};
}

Status refuse(std::string_view name, bool supported, int64_t pc) {
  return make_error(ErrorCode::ElfExtensionMissing,
                    fmt::format("the program needs the Decade ISA extension '{}', which {}", name,
                                supported ? "the host disabled" : "this runtime does not support"),
                    pc);
}

Status check_one(std::string_view name, std::span<const std::string> disabled, int64_t pc) {
  const bool supported = std::find(kSupported.begin(), kSupported.end(), name) != kSupported.end();
  const bool off = std::find(disabled.begin(), disabled.end(), name) != disabled.end();
  return supported && !off ? ok() : refuse(name, supported, pc);
}

}  // namespace

std::span<const std::string_view> supported_extensions() { return kSupported; }

Status check_extensions(const Program& prog, std::span<const std::string> declared,
                        std::span<const std::string> disabled) {
  for (const Insn& in : prog.insns) {
    const std::string_view ext = extension_of(in.info().group);
    if (ext.empty()) continue;
    if (auto s = check_one(ext, disabled, in.pc); !s) return s;
  }
  for (const std::string& name : declared)
    if (auto s = check_one(name, disabled, -1); !s) return s;
  return ok();
}

}  // namespace decade
