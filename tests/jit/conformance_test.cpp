// SPDX-License-Identifier: Apache-2.0
// Every file of the BPF conformance suite (../shared/conformance/tests) runs
// under the checked JIT and must produce its `-- result`.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "asm/asm.hpp"
#include "jit_test_util.hpp"
#include "conformance_files.hpp"

namespace decade::jit::test {
namespace {

TEST(JitConformance, AllFilesPass) {
  const auto files = ::decade::test::conformance_files();
  ASSERT_EQ(files.size(), 313u) << "conformance suite missing at " << DECADE_CONFORMANCE_DIR;
  size_t passed = 0;
  for (const auto& path : files) {
    std::ifstream f(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto df = parse_data_file(text);
    ASSERT_TRUE(df.has_value()) << path << ": " << df.error().to_string();
    ASSERT_FALSE(df->skip) << path;
    ASSERT_TRUE(df->result.has_value()) << path;
    auto prog = decode(std::span<const RawInsn>(df->code));
    ASSERT_TRUE(prog.has_value()) << path << ": " << prog.error().to_string();
    for (const JitOptions& opts : {JitOptions{}, JitOptions{true}}) {
      auto exe = compile_checked(*prog, env_of(), opts);
      ASSERT_TRUE(exe.has_value()) << path << ": " << exe.error().to_string();
      std::vector<uint8_t> mem = df->mem;
      RunRequest req;
      req.r1 = mem.empty() ? 0 : reinterpret_cast<uint64_t>(mem.data());
      req.r2 = mem.size();
      if (!mem.empty()) req.regions.push_back({req.r1, mem.size(), true});
      auto r = (*exe)->run(req);
      EXPECT_TRUE(r.has_value()) << path.filename() << ": " << r.error().to_string();
      if (!r) continue;
      EXPECT_EQ(*r, *df->result) << path.filename() << " blind=" << opts.blind_constants;
      if (*r == *df->result && !opts.blind_constants) ++passed;
    }
  }
  EXPECT_EQ(passed, 313u);
  std::printf("jit conformance: %zu passed, %zu failed\n", passed, files.size() - passed);
}

}  // namespace
}  // namespace decade::jit::test
