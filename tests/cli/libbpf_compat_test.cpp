// SPDX-License-Identifier: Apache-2.0
// `decade run --map-init FILE`, `--btf PATH` and bpf_printk output, run as
// a user runs them (both engines).
#include <gtest/gtest.h>

#include <string>

#include "cli_test_util.hpp"

namespace {

// UDP from 10.0.0.2:0x1234 to the virtual service 10.0.0.1:53.
const std::string kToService =
    "aa bb cc dd ee ff 11 22 33 44 55 66 08 00\n"
    "45 00 00 1c 00 00 00 00 40 11 00 00 0a 00 00 02 0a 00 00 01\n"
    "12 34 00 35 00 08 00 00\n";

// What `decade map dump` prints for the two tables, typed through BTF
// (services) and, for backends, the element written as hex bytes.
const std::string kTables =
    "# the load balancer's tables\n"
    "services (hash):\n"
    "{\"key\": {\"vip\": 16777226, \"port\": 13568, \"proto\": 17, \"pad\": 0}, \"value\": 1}\n"
    "\n"
    "backends (array):\n"
    "{\"key\": 1, \"value\": {\"ip\": 33685514, \"mac\": [2, 0, 0, 0, 0, 9], \"weight\": 1}}\n"
    "{\"map\": \"backends\", \"key\": 2, \"value\": \"0a 00 02 03 02 00 00 00 00 0a 01 00 00 00 00 00 00 00 00 00\"}\n";

TEST(CliMapInit, LoadBalancerTablesFromDumpLines) {
  const std::string o = obj("cli/progs/lb_table.bpf.o");
  const std::string pkt = temp_file("lb_udp.hex", kToService);
  const std::string init = temp_file("lb_tables.jsonl", kTables);
  for (const char* engine : {"interp", "jit"}) {
    auto r = decade("run " + o + " --engine " + engine + " --data-hex " + pkt);
    if (r.out.find("not available in this build") != std::string::npos) continue;
    EXPECT_EQ(r.out, "retval: 2\n") << engine;  // no service: XDP_PASS
    r = decade("run " + o + " --engine " + engine + " --data-hex " + pkt + " --map-init " + init);
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out, "retval: 3\n") << engine;  // XDP_TX to the backend
  }
  // The dump of the filled table reads back as it was written.
  auto r = decade("map dump " + o + " --map backends");
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST(CliMapInit, ErrorsNameTheLine) {
  const std::string o = obj("cli/progs/lb_table.bpf.o");
  const std::string pkt = temp_file("lb_udp2.hex", kToService);
  const std::pair<const char*, const char*> cases[] = {
      {"services (hash):\n{\"key\": {\"vip\": 1}, \"value\": 70000000000}\n", ":2)"},  // does not fit a u32
      {"backends (array):\n\n{\"key\": 9, \"value\": {}}\n", ":3)"},                     // index past max_entries
      {"{\"key\": 1, \"value\": 2}\n", ":1)"},                                            // no map named
      {"backends (array):\n{\"key\": 1, \"value\": {\"weight\": 1}\n", ":2)"},              // unterminated
  };
  int i = 0;
  for (const auto& [text, where] : cases) {
    const std::string init = temp_file("bad_init" + std::to_string(i++) + ".jsonl", text);
    auto r = decade("run " + o + " --data-hex " + pkt + " --map-init " + init);
    EXPECT_EQ(r.code, 2) << text << r.out;
    EXPECT_NE(r.out.find(init + where), std::string::npos) << text << r.out;
  }
}

TEST(CliTrace, PrintkLinesAfterTheRunOrStreamed) {
  const std::string o = obj("api/progs/printk.bpf.o");
  const std::string pkt = temp_file("printk.hex", kToService);
  for (const char* engine : {"interp", "jit"}) {
    for (const char* mode : {"", " --trace-pipe"}) {
      auto r = decade("run " + o + " --engine " + engine + mode + " --data-hex " + pkt);
      if (r.out.find("not available in this build") != std::string::npos) continue;
      EXPECT_EQ(r.code, 0) << r.out;
      const std::string lines = "trace: len 42\ntrace: done 7 x\n";
      EXPECT_EQ(r.out, *mode ? lines + "retval: 2\n" : "retval: 2\n" + lines) << engine << mode;
    }
  }
}

// CO-RE against the object's own BTF says so; --btf names the target.
TEST(CliBtf, TargetBtfAndTheOwnBtfWarning) {
  const std::string o = obj("api/progs/core_libbpf.bpf.o");
  auto r = decade("verify " + o + " --btf none");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("CO-RE relocations resolved against the object's own BTF"), std::string::npos)
      << r.out;
  r = decade("verify " + o + " --btf " + obj("api/progs/hosts/core_libbpf_host.bpf.o"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
  r = decade("verify " + o + " --btf " + temp_file("not_btf.bin", "nope"));
  EXPECT_EQ(r.code, 2) << r.out;
}

}  // namespace
