// SPDX-License-Identifier: Apache-2.0
// `decade run/verify --type TYPE` (bpftool's `type`) for sections libbpf
// does not know, and packet runs of socket filters and cgroup skb programs
// (tests/cli/progs/typed_sections.bpf.c). Every run in both engines.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "cli_test_util.hpp"

namespace {

// Ethernet (IPv4) + IPv4 (UDP, total length 28) + UDP: 42 bytes.
const std::string kUdpHex =
    "aa bb cc dd ee ff 11 22 33 44 55 66 08 00\n"
    "45 00 00 1c 00 00 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02\n"
    "00 35 00 35 00 08 00 00\n";

std::string typed() { return obj("cli/progs/typed_sections.bpf.o"); }

TEST(CliType, UnknownSectionRunsOnceTyped) {
  const std::string pkt = temp_file("udp.hex", kUdpHex);
  auto r = decade("run " + typed() + " --prog xdp_swap --data-hex " + pkt);
  EXPECT_EQ(r.code, 2) << r.out;  // SEC("xdp_redirect") names no type
  EXPECT_NE(r.out.find("E407 ElfUnknownSection"), std::string::npos) << r.out;
  const std::string out = std::string(DECADE_BINARY_DIR) + "/cli_test_xdp_swap.out";
  for (const char* engine : {"interp", "jit"}) {
    for (const char* type : {"xdp", "xdp.frags"}) {  // a type name, a libbpf section name
      r = decade("run " + typed() + " --prog xdp_swap --type " + type + " --engine " + engine + " --data-hex " + pkt +
                 " --data-out " + out);
      if (r.out.find("not available in this build") != std::string::npos) continue;
      EXPECT_EQ(r.code, 0) << engine << " " << type << ": " << r.out;
      EXPECT_EQ(r.out, "retval: 3\n") << engine << " " << type;  // XDP_TX
      std::ifstream f(out, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      ASSERT_EQ(bytes.size(), 42u);
      EXPECT_EQ(bytes.substr(0, 12), std::string("\x11\x22\x33\x44\x55\x66\xaa\xbb\xcc\xdd\xee\xff", 12));
    }
  }
}

// The kernel's test run gives socket filters, cgroup skb and lwt programs
// the packet from its network header: len 28, byte 9 the IP protocol. Linux
// 6.18 (bpftool prog run) gives the same return values: 3, 28 and 1 (for
// the socket filter and cgroup skb programs).
TEST(CliType, SocketFilterAndCgroupSkbRunOnData) {
  const std::string pkt = temp_file("udp2.hex", kUdpHex);
  for (const char* engine : {"interp", "jit"}) {
    const std::string out = std::string(DECADE_BINARY_DIR) + "/cli_test_udp_only.out";
    for (const char* type : {"socket", "socket_filter", "lwt_in", "lwt_xmit"}) {
      auto r = decade("run " + typed() + " --prog udp_only --type " + type + " --engine " + engine + " --data-hex " +
                      pkt + " --data-out " + out);
      if (r.out.find("not available in this build") != std::string::npos) continue;
      EXPECT_EQ(r.code, 0) << r.out;
      EXPECT_EQ(r.out, "retval: 28\n") << engine << " " << type;
      // As Linux 6.18's test run reports it: the Ethernet header comes back zeroed.
      std::ifstream f(out, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      ASSERT_EQ(bytes.size(), 42u);
      EXPECT_EQ(bytes.substr(0, 14), std::string(14, '\0'));
      EXPECT_EQ(bytes.substr(14, 2), std::string("\x45\x00", 2));
    }
    auto r = decade("run " + typed() + " --prog egress_v4 --engine " + engine + " --data-hex " + pkt);
    if (r.out.find("not available in this build") != std::string::npos) continue;
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out, "retval: 1\n") << engine;
  }
}

TEST(CliType, VerifyTypesOneProgramOrAll) {
  auto r = decade("verify " + typed() + " --prog xdp_swap --type xdp");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("xdp_swap: accepted (xdp,"), std::string::npos) << r.out;
  r = decade("verify " + typed() + " --prog udp_only --type classifier");  // tc: the packet is writable there too
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("udp_only: accepted (sched_cls,"), std::string::npos) << r.out;
  r = decade("verify " + typed() + " --prog egress_v4");  // typed by its section
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("egress_v4: accepted (cgroup_skb,"), std::string::npos) << r.out;
  r = decade("verify " + typed() + " --type no_such_type");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("E623 ProgramTypeNotFound"), std::string::npos) << r.out;
  r = decade("verify " + typed() + " --type xdp/foo");  // libbpf: "xdp" is an exact name
  EXPECT_EQ(r.code, 2) << r.out;
}

}  // namespace
