// SPDX-License-Identifier: Apache-2.0
// Maps that outlive a run: an array declared LIBBPF_PIN_BY_NAME lives in
// --pin-dir as a file mapped MAP_SHARED, so later runs, concurrent
// processes and `map dump pinned PATH` see the same elements, on both
// engines; a writer killed mid-run loses no acknowledged update; a map
// type that cannot be pinned is refused with MapBadType
// (tests/cli/progs/pinned*.bpf.c; hash maps: pinning_hash_test.cpp).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "cli_test_util.hpp"

namespace {

const std::string kPinned = obj("cli/progs/pinned.bpf.o");

std::string fresh_dir(const std::string& name) {
  const std::string d = std::string(DECADE_BINARY_DIR) + "/cli_pins_" + name + "_" + std::to_string(getpid());
  std::filesystem::remove_all(d);
  return d;
}

std::string packet() { return temp_file("pin_pkt.hex", std::string(40 * 3, '0')); }

// The count in element 0 of the pinned `runs`, read by a separate process.
uint64_t runs_in(const std::string& dir) {
  auto r = decade("-j map dump pinned " + dir + "/runs");
  EXPECT_EQ(r.code, 0) << r.out;
  // [{"key":["0x00",..],"value":["0xNN",...8 bytes]},...]: little-endian bytes.
  const size_t v = r.out.find("\"value\":[");
  if (v == std::string::npos) return ~uint64_t{0};
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) {
    const size_t at = v + 9 + static_cast<size_t>(i) * 7 + 3;
    n |= std::stoull(r.out.substr(at, 2), nullptr, 16) << (8 * i);
  }
  return n;
}

TEST(CliPin, ArrayOutlivesTheRunOnBothEngines) {
  const std::string dir = fresh_dir("runs");
  for (const char* engine : {"interp", "jit", "interp"}) {
    auto r = decade("run " + kPinned + " --pin-dir " + dir + " --engine " + engine + " --data-hex " + packet());
    if (r.out.find("not available in this build") != std::string::npos) continue;
    EXPECT_EQ(r.code, 0) << engine << ": " << r.out;
  }
  EXPECT_EQ(runs_in(dir), 3u);
  auto r = decade("map dump pinned " + dir + "/runs");
  EXPECT_EQ(r.out, "key: 00 00 00 00  value: 03 00 00 00 00 00 00 00\nkey: 01 00 00 00  value: 3c 00 00 00 00 00 00 00\n"
                   "Found 2 elements\n");
  // The object's own view of the pin, typed through its BTF.
  r = decade("map dump " + kPinned + " --pin-dir " + dir + " --map runs -j");
  EXPECT_NE(r.out.find("\"formatted\":{\"key\":0,\"value\":3}"), std::string::npos) << r.out;
  r = decade("map dump pinned " + dir + "/nothing");
  EXPECT_EQ(r.code, 2) << r.out;
  std::filesystem::remove_all(dir);
}

TEST(CliPin, ConcurrentProcessesShareTheArray) {
  const std::string dir = fresh_dir("shared");
  const std::string one = std::string(DECADE_BINARY_DIR) + "/decade run " + kPinned + " --pin-dir " + dir +
                          " --repeat 20000 --data-hex " + packet() + " > /dev/null";
  ASSERT_EQ(std::system(("(" + one + " & " + one + " --engine interp & " + one + " & wait)").c_str()), 0);
  EXPECT_EQ(runs_in(dir), 60000u);  // atomic adds from three processes, none lost
  std::filesystem::remove_all(dir);
}

TEST(CliPin, KilledWriterLosesNoAcknowledgedUpdate) {
  const std::string dir = fresh_dir("killed");
  const std::string run = std::string(DECADE_BINARY_DIR) + "/decade run " + kPinned + " --pin-dir " + dir +
                          " --data-hex " + packet();
  ASSERT_EQ(std::system((run + " --repeat 100000000 > /dev/null & pid=$!; sleep 0.5; kill -9 $pid; wait $pid; true").c_str()), 0);
  const uint64_t left = runs_in(dir);
  EXPECT_GT(left, 0u);
  ASSERT_EQ(std::system((run + " > /dev/null").c_str()), 0);
  EXPECT_EQ(runs_in(dir), left + 1);  // the killed writer's count stands whole; the next run adds to it
  std::filesystem::remove_all(dir);
}

TEST(CliPin, UnpinnableMapTypeIsRefused) {
  const std::string dir = fresh_dir("refused");
  auto r = decade("run " + obj("cli/progs/pinned_refused.bpf.o") + " --pin-dir " + dir + " --data-hex " + packet());
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("E607"), std::string::npos) << r.out;  // MapBadType, naming lpm_trie
  EXPECT_FALSE(std::filesystem::exists(dir + "/routes"));
  std::filesystem::remove_all(dir);
}

}  // namespace
