// SPDX-License-Identifier: Apache-2.0
// Reading files, and target BTF for CO-RE (raw .BTF bytes, or an ELF file
// whose .BTF section describes the host, as `pahole -J` writes it).
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "api/object_impl.hpp"

namespace decade::api {

Result<std::vector<uint8_t>> read_whole_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error(ErrorCode::IoError, fmt::format("cannot open {}", path));
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(f), {}};
  if (f.bad()) return make_error(ErrorCode::IoError, fmt::format("cannot read {}", path));
  return bytes;
}

Result<std::shared_ptr<const Btf>> parse_target_btf(std::span<const uint8_t> bytes) { return load_btf_file(bytes); }

}  // namespace decade::api
