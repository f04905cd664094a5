// SPDX-License-Identifier: Apache-2.0
// `__kconfig` externs, as libbpf gives them: `extern int LINUX_KERNEL_VERSION
// __kconfig;`, `extern bool CONFIG_X __kconfig __weak;`. The compiler lists
// them in BTF's DATASEC ".kconfig"; the loader lays them out in one frozen
// single-entry array map named ".kconfig" (so the verifier folds them as
// constants), fills it from the host's configuration text, and rewrites every
// ld_imm64 of such an extern to point into that map.
//
// Configuration text is libbpf's `kconfig` option: lines "CONFIG_FOO=y",
// "CONFIG_BAR=42", "CONFIG_S=\"text\"", '#' comments and blank lines skipped.
// Values by the extern's type, as libbpf parses them:
//  - bool: y or n (m is an error); also a number (0/1).
//  - char: y, n or m stored as the character; or a number.
//  - enum libbpf_tristate: y = 1, n = 0, m = 2.
//  - integers of 1, 2, 4, 8 bytes: decimal, 0x hex or 0 octal, range-checked
//    for the extern's size and signedness.
//  - char arrays: a quoted string, truncated to fit with its NUL.
// LINUX_KERNEL_VERSION defaults to kDefaultKernelVersion (KERNEL_VERSION(6, 12, 0),
// the kernel whose helper set Decade follows) unless the text sets it;
// libbpf's other built-ins, LINUX_HAS_BPF_COOKIE and
// LINUX_HAS_SYSCALL_WRAPPER, default to 1 (true on x86-64 6.12).
// A strong extern without a value is ElfKconfigMissing naming it; a weak one
// reads as zero. A value that does not fit its extern is ElfKconfigBadValue.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.hpp"
#include "decade/error.hpp"
#include "loader/elf_image.hpp"
#include "loader/maps.hpp"

namespace decade {

inline constexpr uint32_t kDefaultKernelVersion = (6u << 16) | (12u << 8) | 0u;
inline constexpr std::string_view kKconfigSection = ".kconfig";

enum class KconfigType : uint8_t { Bool, Char, Tristate, Int, CharArray };

struct KconfigExtern {
  std::string name;
  KconfigType type = KconfigType::Int;
  uint32_t size = 0;
  uint32_t offset = 0;  // inside the .kconfig map's value
  bool is_signed = false;
  bool weak = false;
  bool set = false;
};

struct KconfigExterns {
  int32_t map = -1;  // index of the .kconfig map in CollectedMaps::defs, -1 when there are no externs
  std::vector<KconfigExtern> externs;

  const KconfigExtern* find(std::string_view name) const {
    for (const KconfigExtern& e : externs)
      if (e.name == name) return &e;
    return nullptr;
  }
};

// Finds the .kconfig externs of the object, appends their map to `maps`
// (when there is at least one) and fills it from `config`.
Result<KconfigExterns> collect_kconfig(const ElfImage& elf, const Btf* btf, std::string_view config,
                                       CollectedMaps& maps);

}  // namespace decade
