// SPDX-License-Identifier: Apache-2.0
// CO-RE: computes what one .BTF.ext relocation record resolves to against a
// target BTF, with libbpf's matching rules: candidates share the root type's
// kind and name (ignoring `___flavor` suffixes), the access string is walked
// through each candidate by member name (through anonymous members), and all
// matching candidates must agree. Patching instructions is the loader's job.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "btf/btf.hpp"
#include "btf/btf_ext.hpp"
#include "decade/error.hpp"

namespace decade {

struct CoreResult {
  uint64_t orig_value = 0;  // what the compiler emitted (the local BTF's answer)
  uint64_t new_value = 0;   // the target's answer
  // Field byte offsets: the field's size locally and in the target, so a load
  // of the field can be widened or narrowed.
  uint32_t orig_size = 0, new_size = 0;
  bool size_adjustable = true;  // false when the field is not an int, enum or pointer
  // Whether the instruction must hold orig_value before patching. libbpf
  // checks every relocation but those of bitfields (offset, size and
  // shifts, not signedness), where its minimal load may differ from the
  // compiler's choice.
  bool validate = true;
};

// "task_struct___v2" -> "task_struct".
std::string_view core_essential_name(std::string_view name);

// Target types by essential name, built once per target and reused for
// every relocation (a kernel BTF has over 100k types). Refers into `target`,
// which must outlive it.
class CoreTargetIndex {
 public:
  explicit CoreTargetIndex(const Btf& target);
  const std::vector<uint32_t>& candidates(std::string_view essential_name) const;

 private:
  std::unordered_map<std::string_view, std::vector<uint32_t>> by_name_;
};

// Errors: CoreUnknownRelocKind, CoreNoMatch (no candidate for a relocation
// that needs one), CoreAmbiguous (candidates disagree), BtfExtMalformed (the
// access string does not fit the local type).
Result<CoreResult> core_relocate(const Btf& local, const Btf& target, const BtfExtCoreRelo& relo,
                                 const CoreTargetIndex* index = nullptr);

}  // namespace decade
