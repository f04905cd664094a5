// SPDX-License-Identifier: Apache-2.0
// Decade's ISA extensions by name (docs/isa-extensions.md): which ones this
// build implements, which ones a program needs, and the refusal of a
// program that needs one the runtime lacks or the host disabled
// (ElfExtensionMissing, naming the extension).
//
// A program needs an extension when one of its instructions belongs to it
// (the ISA table's group) or when its object declares it: a BTF decl tag
// "decade_ext:<name>" (include/decade/bpf_ext.h puts one on every
// intrinsic), so an object built against a newer header is refused by name
// even where its calls would otherwise have stayed calls.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decade/error.hpp"
#include "isa/insn.hpp"

namespace decade {

inline constexpr std::string_view kExtensionTagPrefix = "decade_ext:";

// The extensions this build implements (every engine and the verifier).
std::span<const std::string_view> supported_extensions();

// Refuses (ElfExtensionMissing) a program that needs an extension not in
// supported_extensions() or listed in `disabled`: one its instructions use
// (the error names the first such instruction) or one in `declared`.
Status check_extensions(const Program& prog, std::span<const std::string> declared,
                        std::span<const std::string> disabled);

}  // namespace decade
