// SPDX-License-Identifier: Apache-2.0
// `decade prog dump xlated|jited OBJ`: a program's instructions as
// `bpftool prog dump xlated` prints them ("   0: (bf) r6 = r1", decimal
// immediates, "goto pc+6", "call bpf_map_lookup_elem#1", the C source line
// above the instructions it covers), and the JIT's native code disassembled
// (Zydis, AT&T syntax as bpftool's LLVM disassembler prints it) under the
// same source lines. -j gives bpftool's JSON: [{"src"?, "disasm"}, ...].
#pragma once

#include <string>

#include "decade/decade.hpp"

namespace decade::cli {

// Every program of OBJ, or `prog`; `source`: the C lines from BTF line info.
int dump_xlated(const std::string& file, const std::string& prog, bool source);
int dump_jited(const std::string& file, const std::string& prog, bool source);

}  // namespace decade::cli
