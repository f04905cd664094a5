// SPDX-License-Identifier: Apache-2.0
// `decade run --pin-maps DIR` (LoadOptions::pin_maps): every map of the
// object lives in DIR, whatever its definition says, and later runs on
// either engine reuse the pins; a type that cannot be pinned fails the
// load, naming the map.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "cli_test_util.hpp"

namespace {

std::string fresh_dir(const std::string& name) {
  const std::string d = std::string(DECADE_BINARY_DIR) + "/cli_pinall_" + name + "_" + std::to_string(getpid());
  std::filesystem::remove_all(d);
  return d;
}

TEST(CliPinMaps, EveryMapIsPinnedAndReusedOnBothEngines) {
  const std::string dir = fresh_dir("reuse");
  const std::string pkt = temp_file("pinall_pkt.hex", std::string(40 * 2, '0'));
  for (const char* engine : {"interp", "jit", "interp"}) {
    auto r = decade("run " + obj("cli/progs/pin_all.bpf.o") + " --pin-maps " + dir + " --engine " + engine +
                    " --data-hex " + pkt);
    EXPECT_EQ(r.code, 0) << engine << ": " << r.out;
  }
  auto r = decade("map dump pinned " + dir + "/lengths");
  EXPECT_EQ(r.out, "key: 28 00 00 00  value: 03 00 00 00 00 00 00 00\nFound 1 element\n");
  r = decade("map dump pinned " + dir + "/pin_all.bss");
  EXPECT_EQ(r.out, "key: 00 00 00 00  value: 03 00 00 00 00 00 00 00\nFound 1 element\n");
  EXPECT_TRUE(std::filesystem::exists(dir + "/seen"));  // the ring buffer too
  std::filesystem::remove_all(dir);
}

TEST(CliPinMaps, AMapThatCannotBePinnedFailsTheLoad) {
  const std::string dir = fresh_dir("refused");
  const std::string pkt = temp_file("pinall_pkt.hex", std::string(40 * 2, '0'));
  auto r = decade("run " + obj("cli/progs/pinned_refused.bpf.o") + " --pin-maps " + dir + " --data-hex " + pkt);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("E607 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'routes'"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
