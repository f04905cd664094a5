// SPDX-License-Identifier: Apache-2.0
// The conformance suite (../shared/conformance/tests) through the verified
// translation: superinstructions formed (every access still checked, since no
// verifier facts are given), and the result must be the file's `-- result`,
// as it is for the checked translation the conformance runner uses.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "interp/threaded.hpp"
#include "interp_test_util.hpp"
#include "runtime/platform.hpp"
#include "conformance_files.hpp"

namespace decade::test {
namespace {

TEST(FusedConformance, EveryFileGivesItsResult) {
  static const Platform platform = Platform::standard();
  const auto files = ::decade::test::conformance_files();
  ASSERT_EQ(files.size(), 313u) << "conformance suite missing at " << DECADE_CONFORMANCE_DIR;
  size_t passed = 0, fused_files = 0;
  for (const auto& path : files) {
    std::ifstream f(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto df = parse_data_file(text);
    ASSERT_TRUE(df.has_value() && df->result.has_value()) << path;
    auto prog = decode(std::span<const RawInsn>(df->code));
    ASSERT_TRUE(prog.has_value()) << path << ": " << prog.error().to_string();
    ProgramEnv env;
    env.platform = &platform;
    auto tp = interp::detail::translate(std::move(*prog), std::move(env), false, {});
    ASSERT_TRUE(tp.has_value()) << path << ": " << tp.error().to_string();
    fused_files += std::any_of((*tp)->code.begin(), (*tp)->code.end(),
                               [](const auto& t) { return interp::detail::is_fused(t.kind); });
    std::vector<uint64_t> words(df->mem.size() / 8 + 1, 0);  // writable, 8-byte aligned copy
    auto* mem = reinterpret_cast<uint8_t*>(words.data());
    if (!df->mem.empty()) std::memcpy(mem, df->mem.data(), df->mem.size());
    RunRequest req;
    req.r1 = df->mem.empty() ? 0 : reinterpret_cast<uint64_t>(mem);
    req.r2 = df->mem.size();
    if (!df->mem.empty()) req.regions.push_back({reinterpret_cast<uintptr_t>(mem), df->mem.size(), true});
    auto r = interp::detail::run_program(**tp, req, nullptr, nullptr);
    EXPECT_TRUE(r.has_value()) << path.filename() << ": " << r.error().to_string();
    if (!r) continue;
    EXPECT_EQ(*r, *df->result) << path.filename();
    passed += *r == *df->result;
  }
  EXPECT_EQ(passed, 313u);
  // The set is chosen from loops of real programs (fusion.def); 12 of the
  // suite's mostly straight-line files contain one of its runs (every
  // member is run by fuse_set_test.cpp).
  EXPECT_GT(fused_files, 10u);
}

}  // namespace
}  // namespace decade::test
