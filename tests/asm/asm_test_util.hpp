// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "asm/asm.hpp"
#include "isa/decode.hpp"
#include "isa/encode.hpp"

namespace decade::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

inline std::vector<std::filesystem::path> data_files(const std::string& dir) {
  std::vector<std::filesystem::path> v;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".data") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

inline std::vector<uint8_t> bytes_of(const std::vector<RawInsn>& raw) { return to_bytes(raw); }

}  // namespace decade::test
