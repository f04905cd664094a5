// SPDX-License-Identifier: Apache-2.0
// The data files of the BPF conformance suite (../shared/conformance/tests),
// sorted, for the test binaries that run the whole suite; empty when the
// suite is missing (the callers assert its size).
#pragma once

#include <algorithm>
#include <filesystem>
#include <vector>

namespace decade::test {

inline std::vector<std::filesystem::path> conformance_files() {
  std::vector<std::filesystem::path> v;
  const std::filesystem::path dir = std::filesystem::path(DECADE_CONFORMANCE_DIR) / "tests";
  if (!std::filesystem::exists(dir)) return v;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".data") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace decade::test
