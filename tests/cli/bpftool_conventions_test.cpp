// SPDX-License-Identifier: Apache-2.0
// The CLI speaks bpftool's conventions where the concept exists: global
// -j/--json and -p/--pretty, `map dump` in bpftool's text and JSON shapes
// ("Found N elements" for untyped maps, typed elements as pretty JSON,
// global data as its DATASEC), `prog dump xlated` in the kernel's syntax,
// `prog dump jited`, `btf dump file F format c`, and global-data maps
// named by their section (--map .bss). The expected text is what bpftool
// v7.1 prints for the same maps and instructions (checked on a 6.18 kernel).
#include <gtest/gtest.h>

#include "cli_test_util.hpp"

namespace {

const std::string kShapes = obj("cli/progs/shapes.bpf.o");

std::string after_run(const std::string& flags) {
  return flags + " map dump " + kShapes + " --run shapes --data-hex " + temp_file("pkt64.hex", std::string(64 * 3, '0'));
}

TEST(CliBpftool, MapDumpText) {
  auto r = decade(after_run("") + " --map hmap");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "[{\n        \"key\": 6,\n        \"value\": {\n            \"packets\": 1,\n            \"bytes\": 2\n"
                   "        }\n    }\n]\n");
  r = decade(after_run("") + " --map rawmap");
  EXPECT_EQ(r.out, "key: 06 00 00 00  value: 09 00 00 00 00 00 00 00\nFound 1 element\n");
  r = decade("map dump " + kShapes + " --map rawempty");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "Found 0 elements\n");
  r = decade(after_run("") + " --map .data");  // the section's name, as the API takes it
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "[{\n        \"value\": {\n            \".data\": [{\n                    \"counter\": 4\n"
                   "                }\n            ]\n        }\n    }\n]\n");
}

// Every map in text: each BTF-typed map's elements are a JSON array of
// their own under its header, with no comma carried over from the map
// before it (the second and later typed maps began with ",[").
TEST(CliBpftool, MapDumpTextEveryMap) {
  auto r = decade(after_run(""));
  EXPECT_EQ(r.code, 0) << r.out;
  int typed = 0;
  for (size_t at = r.out.find("):\n"); at != std::string::npos; at = r.out.find("):\n", at + 1)) {
    const char next = r.out[at + 3];
    EXPECT_TRUE(next == '[' || next == 'k' || next == 'F') << "after a header: " << r.out.substr(at, 40);
    typed += next == '[';
  }
  EXPECT_GE(typed, 2) << r.out;
  EXPECT_EQ(r.out.find(",["), std::string::npos) << r.out;
}

TEST(CliBpftool, MapDumpJson) {
  for (const char* flags : {"-j", "--json"}) {
    auto r = decade(after_run(flags) + " --map amap");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out,
              "[{\"key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\","
              "\"0x00\",\"0x00\",\"0x00\"],\"formatted\":{\"key\":0,\"value\":0}},{\"key\":[\"0x01\",\"0x00\",\"0x00\","
              "\"0x00\"],\"value\":[\"0x2a\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\"],"
              "\"formatted\":{\"key\":1,\"value\":42}}]\n");
  }
  auto r = decade(after_run("") + " --map .rodata -j");  // the global flag after the subcommand too
  EXPECT_EQ(r.out, "[{\"key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x05\",\"0x00\",\"0x00\",\"0x00\"],"
                   "\"formatted\":{\"value\":{\".rodata\":[{\"limit\":5}]}}}]\n");
  r = decade("-j map dump " + kShapes + " --map rawempty");
  EXPECT_EQ(r.out, "[]\n");
  r = decade(after_run("-p") + " --map rawmap");
  EXPECT_EQ(r.out, "[{\n        \"key\": [\"0x06\",\"0x00\",\"0x00\",\"0x00\"\n        ],\n        \"value\": [\"0x09\","
                   "\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\"\n        ]\n    }\n]\n");
  // Every map: one JSON document, no text headers.
  r = decade(after_run("-j"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("[{\"name\":\"hmap\",\"type\":\"hash\",\"elements\":[{", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find("(hash)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - 3), "}]\n");
}

// main() builds only the chosen subcommand's options (cold start): the
// global options still work on either side of it, and help lists every command.
TEST(CliBpftool, GlobalOptionsWithOneSubcommandBuilt) {
  for (const std::string& cmd : {"-j verify " + kShapes, "verify " + kShapes + " -j", "-p verify " + kShapes}) {
    auto r = decade(cmd);
    EXPECT_EQ(r.code, 0) << cmd << ": " << r.out;
    EXPECT_NE(r.out.find("\"accepted\": true"), std::string::npos) << cmd << ": " << r.out;
  }
  auto r = decade("--help");
  EXPECT_EQ(r.code, 0) << r.out;
  for (const char* sub : {"verify", "map", "prog", "btf", "gen"}) EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  r = decade("nosuch");
  EXPECT_EQ(r.code, 2) << r.out;
}

// r1 = 6; if r1 == 0 goto +1; r1 += -4; r0 = 0; exit.
const std::string kBranchy("\xb7\x01\0\0\x06\0\0\0" "\x15\x01\x01\0\0\0\0\0" "\x07\x01\0\0\xfc\xff\xff\xff"
                           "\xb7\0\0\0\0\0\0\0" "\x95\0\0\0\0\0\0\0", 40);

TEST(CliBpftool, ProgDumpXlated) {
  const std::string expect = "   0: (b7) r1 = 6\n   1: (15) if r1 == 0x0 goto pc+1\n   2: (07) r1 += -4\n"
                             "   3: (b7) r0 = 0\n   4: (95) exit\n";
  auto r = decade("prog dump xlated " + temp_file("branchy.bin", kBranchy));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(expect), std::string::npos) << r.out;
  r = decade("prog dump " + temp_file("branchy.bin", kBranchy));  // xlated is the default
  EXPECT_NE(r.out.find(expect), std::string::npos) << r.out;
  r = decade("prog dump xlated " + kShapes);
  EXPECT_NE(r.out.find(": (85) call bpf_map_update_elem#2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; bpf_map_update_elem(&hmap, &k, &s, 0);\n"), std::string::npos) << r.out;
  r = decade("-j prog dump xlated " + temp_file("branchy.bin", kBranchy));
  EXPECT_EQ(r.out, "[{\"disasm\":\"(b7) r1 = 6\"},{\"disasm\":\"(15) if r1 == 0x0 goto pc+1\"},{\"disasm\":\"(07) r1 "
                   "+= -4\"},{\"disasm\":\"(b7) r0 = 0\"},{\"disasm\":\"(95) exit\"}]\n");
  r = decade("prog dump native " + kShapes);
  EXPECT_EQ(r.code, 2) << r.out;
}

// The kernel's bpftool prints these lines for this object (prog load, then
// prog dump xlated): each function's BTF prototype above its first instruction.
TEST(CliBpftool, ProgDumpXlatedPrintsBtfPrototypes) {
  const std::string protos = obj("cli/progs/protos.bpf.o");
  auto r = decade("prog dump xlated " + protos);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("int prog(struct xdp_md * ctx):\n", 0), 0u) << r.out;
  for (const char* line : {"\nvoid nothing():\n", "\nint sub(const char * s, __u64 x, void * * pp, unsigned int u, struct foo * f):\n",
                           "\nlong sub2(u64t t, volatile int * vp, char c, int * arr, const const struct foo * cf):\n"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << r.out;
  r = decade("-j prog dump xlated " + protos);
  EXPECT_EQ(r.out.rfind("[{\"proto\":\"int prog(struct xdp_md * ctx)\",\"src\":", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("{\"proto\":\"void nothing()\",\"src\":"), std::string::npos) << r.out;
  // Without BTF (raw bytecode) the program's name stands above it, as before.
  r = decade("prog dump xlated " + temp_file("branchy.bin", kBranchy));
  EXPECT_EQ(r.out.rfind("prog:\n   0: (b7) r1 = 6\n", 0), 0u) << r.out;
}

TEST(CliBpftool, ProgDumpJited) {
  auto r = decade("prog dump jited " + kShapes);
  if (r.out.find("not available in this build") != std::string::npos) GTEST_SKIP() << "no JIT";
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("   0:\tpush %rbp\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\tret\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; bpf_map_update_elem(&hmap, &k, &s, 0);\n"), std::string::npos) << r.out;
  r = decade("-j prog dump jited " + kShapes);
  EXPECT_EQ(r.out.rfind("[{\"pc\":\"0x0\",\"operation\":\"push %rbp\"}", 0), 0u) << r.out;
}

TEST(CliBpftool, BtfDumpFormatC) {
  auto r = decade("btf dump file " + kShapes + " format c");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("struct stats {\n\t__u64 packets;\n\t__u32 bytes;\n};\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("typedef unsigned int __u32;\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.rfind("#ifndef __VMLINUX_H__\n", 0), 0u) << r.out;
  // The stats definition comes after the typedefs it uses.
  EXPECT_LT(r.out.find("typedef unsigned long long __u64;"), r.out.find("struct stats {")) << r.out;
  r = decade("btf dump file " + kShapes + " format raw");
  EXPECT_NE(r.out.find("STRUCT 'stats' size=16 vlen=2"), std::string::npos) << r.out;
  r = decade("btf dump file " + kShapes + " format yaml");
  EXPECT_EQ(r.code, 2) << r.out;
}

}  // namespace
