// SPDX-License-Identifier: Apache-2.0
// The .BTF and .BTF.ext sections of an object.
#pragma once

#include <memory>
#include <optional>

#include "btf/btf.hpp"
#include "btf/btf_ext.hpp"
#include "loader/elf_image.hpp"

namespace decade {

struct ObjectBtf {
  std::shared_ptr<Btf> btf;    // null without .BTF
  std::optional<BtfExt> ext;   // empty without .BTF.ext
};

Result<ObjectBtf> read_btf_sections(const ElfImage& elf);

}  // namespace decade
