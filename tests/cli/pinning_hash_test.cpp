// SPDX-License-Identifier: Apache-2.0
// Pinned hash, LRU hash and per-CPU maps (tests/cli/progs/pinned_hash.bpf.c)
// outlive a run and are shared by concurrent processes on both engines;
// bpftool's map lookup / update / delete / pin on `pinned PATH`, with
// bpftool's output.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "cli_test_util.hpp"

namespace {

const std::string kHash = obj("cli/progs/pinned_hash.bpf.o");

std::string fresh_dir(const std::string& name) {
  const std::string d = std::string(DECADE_BINARY_DIR) + "/cli_hpins_" + name + "_" + std::to_string(getpid());
  std::filesystem::remove_all(d);
  return d;
}

std::string packet(size_t len) { return temp_file("hpin_pkt" + std::to_string(len) + ".hex", std::string(len * 2, '0')); }

// The u64 at `key` of the pin, summed over CPUs for per-CPU maps, read by
// `map lookup` in a separate process; -1 when absent.
int64_t count_in(const std::string& pin, uint32_t key) {
  auto r = decade("map lookup pinned " + pin + " key " + std::to_string(key) + " 0 0 0");
  if (r.code != 0) return -1;
  int64_t sum = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const size_t v = line.find("value");
    if (v == std::string::npos) continue;
    std::istringstream bytes(line.substr(line.find(':', v) + 1));
    int64_t n = 0;
    unsigned b = 0;
    for (int i = 0; i < 8 && (bytes >> std::hex >> b); ++i) n |= int64_t{b} << (8 * i);
    sum += n;
  }
  return sum;
}

const char* kMaps[] = {"flows", "recent", "pcpu", "lru_pcpu", "pcpu_arr"};

TEST(CliPinHash, EveryKindOutlivesTheRunOnBothEngines) {
  const std::string dir = fresh_dir("kinds");
  for (const char* engine : {"interp", "jit", "interp"}) {
    auto r = decade("run " + kHash + " --pin-dir " + dir + " --engine " + engine + " --data-hex " + packet(40));
    if (r.out.find("not available in this build") != std::string::npos) continue;
    EXPECT_EQ(r.code, 0) << engine << ": " << r.out;
  }
  for (const char* m : kMaps) EXPECT_EQ(count_in(dir + "/" + m, 40), 3) << m;
  auto r = decade("map dump pinned " + dir + "/flows");
  EXPECT_EQ(r.out, "key: 28 00 00 00  value: 03 00 00 00 00 00 00 00\nFound 1 element\n");
  r = decade("-j map dump pinned " + dir + "/recent");
  EXPECT_EQ(r.out, "[{\"key\":[\"0x28\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x03\",\"0x00\",\"0x00\",\"0x00\","
                   "\"0x00\",\"0x00\",\"0x00\",\"0x00\"]}]\n");
  std::filesystem::remove_all(dir);
}

TEST(CliPinHash, ConcurrentProcessesShareEveryKind) {
  const std::string dir = fresh_dir("shared");
  auto one = [&](size_t len, const char* engine) {
    return std::string(DECADE_BINARY_DIR) + "/decade run " + kHash + " --pin-dir " + dir + " --engine " + engine +
           " --repeat 20000 --data-hex " + packet(len) + " > /dev/null";
  };
  // Two lengths: the processes insert keys concurrently as well as count.
  const std::string all = "(" + one(40, "jit") + " & " + one(41, "interp") + " & " + one(40, "interp") + " & " +
                          one(41, "jit") + " & wait)";
  ASSERT_EQ(std::system(all.c_str()), 0);
  for (const char* m : kMaps) {
    EXPECT_EQ(count_in(dir + "/" + m, 40), 40000) << m;
    EXPECT_EQ(count_in(dir + "/" + m, 41), 40000) << m;
  }
  std::filesystem::remove_all(dir);
}

TEST(CliPinHash, LookupUpdateDeleteAndPinAsBpftool) {
  const std::string dir = fresh_dir("ops");
  ASSERT_EQ(decade("run " + kHash + " --pin-dir " + dir + " --data-hex " + packet(40)).code, 0);
  const std::string flows = dir + "/flows";
  EXPECT_EQ(decade("map update pinned " + flows + " key 7 0 0 0 value hex 01 02 03 04 05 06 07 08").out, "");
  EXPECT_EQ(decade("map lookup pinned " + flows + " key 0x07 0 0 0").out,
            "key: 07 00 00 00  value: 01 02 03 04 05 06 07 08\n");
  EXPECT_EQ(decade("-j map lookup pinned " + flows + " key 7 0 0 0").out,
            "{\"key\":[\"0x07\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x01\",\"0x02\",\"0x03\",\"0x04\",\"0x05\","
            "\"0x06\",\"0x07\",\"0x08\"]}\n");
  auto r = decade("map update pinned " + flows + " key 7 0 0 0 value 0 0 0 0 0 0 0 0 noexist");
  EXPECT_EQ(r.code, 1) << r.out;  // the key exists: EEXIST
  EXPECT_EQ(decade("map update pinned " + flows + " key 7 0 0 value 0 0 0 0 0 0 0 0").code, 2);  // 3-byte key
  EXPECT_EQ(decade("map update pinned " + flows + " key 7 0 0 300 value 0 0 0 0 0 0 0 0").code, 2);
  // A second name for the same pin: both see one map.
  EXPECT_EQ(decade("-j map pin pinned " + flows + " " + dir + "/flows2").out, "null\n");
  EXPECT_EQ(decade("map delete pinned " + dir + "/flows2 key 7 0 0 0").code, 0);
  r = decade("map lookup pinned " + flows + " key 7 0 0 0");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "key:\n07 00 00 00\n\nNot found\n");
  EXPECT_EQ(decade("map delete pinned " + flows + " key 7 0 0 0").code, 1);
  EXPECT_NE(decade("map pin pinned " + flows + " " + dir + "/flows2").code, 0);  // exists
  // A per-CPU value given once goes to every CPU.
  EXPECT_EQ(decade("map update pinned " + dir + "/pcpu key 9 0 0 0 value 2 0 0 0 0 0 0 0").code, 0);
  r = decade("map lookup pinned " + dir + "/pcpu key 9 0 0 0");
  EXPECT_NE(r.out.find("value (CPU 00): 02 00 00 00 00 00 00 00\n"), std::string::npos) << r.out;
  // An object's map pinned by name: another name for its pin.
  const std::string again = dir + "/again";
  EXPECT_EQ(decade("map pin " + kHash + " name flows " + again + " --pin-dir " + dir).code, 0);
  EXPECT_EQ(count_in(again, 40), 1);
  // An object's unpinned map: copied into a new pin of its type and sizes.
  const std::string copy = dir + "/copy";
  EXPECT_EQ(decade("map pin " + obj("cli/progs/shapes.bpf.o") + " name rawmap " + copy).code, 0);
  EXPECT_EQ(decade("map dump pinned " + copy).out, "Found 0 elements\n");
  EXPECT_EQ(decade("map update pinned " + copy + " key 1 0 0 0 value 1 0 0 0 0 0 0 0").code, 0);
  EXPECT_EQ(count_in(copy, 1), 1);
  // Map types that cannot be pinned are named.
  r = decade("map pin " + obj("examples/event_counter.bpf.o") + " name alerts " + dir + "/alerts");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("E607"), std::string::npos) << r.out;  // MapBadType: ringbuf
  EXPECT_FALSE(std::filesystem::exists(dir + "/alerts"));
  std::filesystem::remove_all(dir);
}

}  // namespace
