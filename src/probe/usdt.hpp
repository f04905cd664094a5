// SPDX-License-Identifier: Apache-2.0
// USDT probes (SystemTap's <sys/sdt.h>, `DTRACE_PROBE*` / `STAP_PROBE*`):
// the `.note.stapsdt` notes of a mapped binary, each a probe site (a nop
// the compiler placed where the macro was), an optional semaphore (a u16
// the program increments so that the code computing the probe's arguments
// runs), and the arguments' locations as the assembler printed them
// ("-4@%edi 8@-16(%rbp) 4@$5"). Attach-time only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "decade/error.hpp"

namespace decade::probe {

// One argument: where its value is at the probe site, as libbpf's
// usdt.bpf.h reads it (struct __bpf_usdt_arg_spec).
struct UsdtArg {
  enum class Kind : uint32_t { Const = 0, Reg = 1, RegDeref = 2 };  // BPF_USDT_ARG_*
  Kind kind = Kind::Const;
  uint64_t val_off = 0;  // Const: the value; RegDeref: the offset added to the register
  int16_t reg_off = 0;   // offset of the register in x86-64 struct pt_regs
  bool is_signed = false;
  uint8_t size = 8;      // bytes: 1, 2, 4 or 8
};

// The arguments of one note ("" for a probe without arguments).
// ProbeUsdtBadArgument names the first one it cannot express: a size other
// than 1, 2, 4, 8, an unknown register, a symbolic or index-register
// operand.
Result<std::vector<UsdtArg>> parse_usdt_args(std::string_view text);

// One site of a probe in this process.
struct UsdtSite {
  uint64_t addr = 0;       // the probe's nop, as mapped now
  uint64_t semaphore = 0;  // runtime address of its u16 semaphore; 0 when it has none
  std::vector<UsdtArg> args;
};

// Every site of provider:name in `binary` (a path or the tail of a mapped
// path; empty: the main executable). ProbeSymbolNotFound when the binary is
// not mapped or cannot be read, ProbeUsdtNotFound when it has no such
// probe, ProbeUsdtBadArgument from parse_usdt_args.
Result<std::vector<UsdtSite>> find_usdt(const std::string& binary, const std::string& provider,
                                        const std::string& name);

}  // namespace decade::probe
