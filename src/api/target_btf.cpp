// SPDX-License-Identifier: Apache-2.0
// Target BTF for CO-RE (raw .BTF bytes, or an ELF file
// whose .BTF section describes the host, as `pahole -J` writes it).
#include "api/object_impl.hpp"

namespace decade::api {

Result<std::shared_ptr<const Btf>> parse_target_btf(std::span<const uint8_t> bytes) { return load_btf_file(bytes); }

}  // namespace decade::api
