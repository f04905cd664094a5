// SPDX-License-Identifier: Apache-2.0
// The object-facing `decade` subcommands, run as a user runs them: exit
// codes (0 ok, 1 rejected or faulted, 2 malformed input) and output lines.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli_test_util.hpp"

namespace {

// mov r0, r2 ; exit
const std::string kRetLen("\xbf\x20\0\0\0\0\0\0\x95\0\0\0\0\0\0\0", 16);
// r0 = *(u64 *)(r1 + 0) ; exit
const std::string kLoad("\x79\x10\0\0\0\0\0\0\x95\0\0\0\0\0\0\0", 16);
// mov r0, r3 ; exit (uninitialised r3)
const std::string kUninit("\xbf\x30\0\0\0\0\0\0\x95\0\0\0\0\0\0\0", 16);

TEST(CliRun, RawProgramPrintsR0InHex) {
  const auto prog = temp_file("retlen.bin", kRetLen);
  const auto mem = temp_file("mem.bin", std::string(42, 'x'));
  auto r = decade("run " + prog + " --mem " + mem);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "r0: 0x2a\n");
  const auto hex = temp_file("mem.hex", "# three bytes\n01 02\n03\n");
  r = decade("run " + prog + " --mem-hex " + hex + " --engine interp");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "r0: 0x3\n");
}

TEST(CliRun, UnverifiedBypassAndFaults) {
  const auto prog = temp_file("load.bin", kLoad);
  const auto mem = temp_file("word.bin", std::string("\x2b\0\0\0\0\0\0\0", 8));
  // Raw memory has a length known only at run time: the verifier accepts the
  // load and leaves its bounds check to the engine.
  const auto small = temp_file("small.bin", "ab");
  for (const std::string mode : {"", " --unverified"}) {
    auto r = decade("run " + prog + " --mem " + mem + mode);
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out, "r0: 0x2b\n");
    r = decade("run " + prog + " --mem " + small + mode);
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("error E300 ExecOutOfBounds at insn 0"), std::string::npos) << r.out;
  }
}

TEST(CliRun, RejectedAndMalformed) {
  auto r = decade("run " + temp_file("uninit.bin", kUninit));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("at insn 0"), std::string::npos) << r.out;
  r = decade("run " + temp_file("cut.bin", std::string("\xbf\x20\0", 3)));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("E101 DecodeTruncated"), std::string::npos) << r.out;
  r = decade("run /nonexistent/prog.bin");
  EXPECT_EQ(r.code, 2) << r.out;
  r = decade("run " + temp_file("retlen2.bin", kRetLen) + " --mem-hex " + temp_file("bad.hex", "zz"));
  EXPECT_EQ(r.code, 2) << r.out;
}

TEST(CliRun, UnboundedOrDirectoryInputIsAnError) {
  // A device that never ends, and a directory, as the program and as its data.
  const std::string prog = temp_file("retlen3.bin", kRetLen);
  for (const std::string& args : std::vector<std::string>{"run /dev/zero", "run " + prog + " --data /dev/zero", "run /tmp",
                                 "run " + prog + " --data /tmp", "asm /dev/zero -o /dev/null",
                                 "prog list /dev/zero"}) {
    auto r = decade(args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.out;
    EXPECT_NE(r.out.find("E2 IoError"), std::string::npos) << args << ": " << r.out;
  }
}

TEST(CliRun, ObjectProgramPrintsRetval) {
  auto r = decade("run " + obj("loader/progs/subprogs.bpf.o") + " --prog sub_b");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "retval: 7\n");
  r = decade("run " + obj("loader/progs/subprogs.bpf.o") + " --prog sub_a --repeat 100 --engine interp");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("retval: 21\nduration: ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(" ns/run\n"), std::string::npos) << r.out;
  r = decade("run " + obj("loader/progs/subprogs.bpf.o") + " --prog nope");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("E620 ProgramNotFound"), std::string::npos) << r.out;
}

// --timeout-ms: a run that would take about 30 days (two nested
// bpf_loop(1 << 23)) ends with ExecTimeout, naming its instruction, and
// exit code 1, about the time asked after it started, in both engines.
TEST(CliRun, TimeoutEndsTheRun) {
  for (const char* engine : {"interp", "jit"}) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = decade("run " + obj("api/progs/cancel.bpf.o") + " --prog nested_loops --timeout-ms 200 --engine " + engine);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("E310 ExecTimeout at insn "), std::string::npos) << r.out;
    EXPECT_GE(ms, 200) << engine;
    EXPECT_LT(ms, 200 + 2000) << engine;  // the rest is starting the process and loading
  }
}

TEST(CliRun, XdpPacketAndRodataConfig) {
  const std::string o = obj("demo/packet_filter.bpf.o");
  auto r = decade("run " + o + " --data-hex " + src("demo/packets/03_icmp_echo.hex"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "retval: 2\n");  // XDP_PASS
  r = decade("run " + o + " --set drop_icmp=1 --data-hex " + src("demo/packets/03_icmp_echo.hex"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "retval: 1\n");  // XDP_DROP
  r = decade("run " + o + " --set no_such_var=1");
  EXPECT_EQ(r.code, 2) << r.out;
}

// Where the packet went, and bpf_fib_lookup from a --fib file
// (docs/helpers.md). fib_xdp writes the lookup's code at byte 68.
TEST(CliRun, RedirectLineAndFibFile) {
  const std::string packet = temp_file("redirect.bin", std::string(72, '\0'));
  auto r = decade("run " + obj("api/progs/redirect.bpf.o") + " --prog to_ifindex --data " + packet);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "retval: 4\nredirect: ifindex 7 flags 0x0\n");
  std::string params(72, '\0');
  params[0] = 2;   // AF_INET
  params[8] = 1;   // ifindex 1
  params[32] = 10, params[33] = 1, params[34] = 5, params[35] = 5;  // 10.1.5.5
  params[64] = 4;  // BPF_FIB_LOOKUP_SKIP_NEIGH
  const std::string in = temp_file("fib_in.bin", params);
  const std::string out = std::string(DECADE_BINARY_DIR) + "/cli_test_fib_out.bin";
  const std::string fib = temp_file("fib.txt", "dev 1 mac 02:00:00:00:00:01\ndev 2 mac 02:00:00:00:00:02\n"
                                               "route 10.1.0.0/16 via 10.0.0.254 dev 2\n");
  r = decade("run " + obj("api/progs/fib.bpf.o") + " --prog fib_xdp --fib " + fib + " --data " + in + " --data-out " + out);
  EXPECT_EQ(r.code, 0) << r.out;
  std::ifstream f(out, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(f)), {});
  ASSERT_EQ(got.size(), 72u);
  EXPECT_EQ(got[68], 0);  // BPF_FIB_LKUP_RET_SUCCESS
  EXPECT_EQ(got[8], 2);   // the output interface
  r = decade("run " + obj("api/progs/fib.bpf.o") + " --prog fib_xdp --fib " + temp_file("bad_fib.txt", "route 10.0.0.0/8 dev 9\n") +
             " --data " + in);
  EXPECT_NE(r.code, 0) << r.out;  // FibBadEntry: no interface 9
}

// Tunnel metadata a tc program set is printed after the run
// (bpf_skb_set_tunnel_key / _opt; docs/helpers.md).
TEST(CliRun, TunnelLine) {
  std::string packet(96, '\0');
  packet[12] = 0x08;  // IPv4
  const uint32_t params[4] = {42, 0x0a000002, 0x0a000001, 0};  // id, remote, local, flags
  std::memcpy(packet.data() + 64, params, sizeof params);
  auto r = decade("run " + obj("api/progs/packet_helpers.bpf.o") + " --prog tc_tunnel --data " +
                  temp_file("tunnel.bin", packet));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "retval: 8\ntunnel: id 42 remote 10.0.0.2 local 10.0.0.1 tos 4 ttl 64 label 0 flags 0x0 "
                   "opts 0102030405060708\n");
}

TEST(CliProg, ListShowsProgramsAndMaps) {
  auto r = decade("prog list " + obj("demo/packet_filter.bpf.o"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("packet_filter"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("xdp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("proto_stats"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lpm_trie"), std::string::npos) << r.out;
  r = decade("prog dump " + obj("loader/progs/subprogs.bpf.o") + " --prog sub_c");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("exit"), std::string::npos) << r.out;
  r = decade("prog list " + temp_file("notelf.o", "\x7f" "ELFjunk"));
  EXPECT_EQ(r.code, 2) << r.out;
}

TEST(CliBtf, DumpListsTypes) {
  auto r = decade("btf dump " + obj("demo/packet_filter.bpf.o"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("STRUCT 'proto_stats' size=16 vlen=2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'packets' type_id="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DATASEC '.rodata'"), std::string::npos) << r.out;
}

// A program whose instructions do not decode is refused (exit 1, the
// kernel's words), the object's other programs are still verified.
TEST(CliVerify, UndecodableProgramIsRejected) {
  const std::string o = obj("api/progs/bad_jump.bpf.o");
  auto r = decade("verify " + o);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("good: accepted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad_jump: rejected"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("E107 DecodeJumpOutOfRange"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kernel: jump out of range from insn"), std::string::npos) << r.out;
  r = decade("verify " + o + " --prog good");
  EXPECT_EQ(r.code, 0) << r.out;
}

// --strict-alignment (BPF_F_STRICT_ALIGNMENT) on verify and run.
TEST(CliVerify, StrictAlignment) {
  const std::string o = obj("api/progs/strict_align.bpf.o");
  auto r = decade("verify " + o);
  EXPECT_EQ(r.code, 0) << r.out;
  r = decade("verify " + o + " --strict-alignment");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("misaligned packet access off 2+0+0+0 size 4"), std::string::npos) << r.out;
  r = decade("run " + o + " --strict-alignment --data " + temp_file("strict64.bin", std::string(64, '\0')));
  EXPECT_EQ(r.code, 1) << r.out;
}

TEST(CliVerify, ExitCodesAndJson) {
  auto r = decade("verify " + obj("demo/packet_filter.bpf.o"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("packet_filter: accepted"), std::string::npos) << r.out;
  r = decade("verify " + temp_file("uninit2.bin", kUninit) + " --json");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("\"accepted\": false"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"insn\": 0"), std::string::npos) << r.out;
  r = decade("verify " + obj("loader/progs/subprogs.bpf.o") + " --prog sub_a --json");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"insns_processed\": "), std::string::npos) << r.out;
  r = decade("verify " + obj("api/progs/reject_null.bpf.o"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("reject_null: rejected"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reject_null.bpf.c:17)"), std::string::npos) << r.out;
  r = decade("run " + obj("api/progs/reject_null.bpf.o"));
  EXPECT_EQ(r.code, 1) << r.out;
  r = decade("verify " + obj("loader/progs/subprogs.bpf.o") + " --prog nope");
  EXPECT_EQ(r.code, 2) << r.out;
  r = decade("verify " + temp_file("junk.o", "\x7f" "ELF\x02\x01"));
  EXPECT_EQ(r.code, 2) << r.out;
}

// `--prog NAME` answers for NAME alone: another program's section naming
// no program type (E407) or rejection cannot turn it into exit 2 or 1, and
// a write to r10 in dead code is not rejected (api/progs/autoload.bpf.c).
TEST(CliVerify, OneProgramIsVerifiedAlone) {
  const std::string o = obj("api/progs/autoload.bpf.o");
  const std::pair<const char*, int> cases[] = {{"good", 0}, {"dead_fp_write", 0}, {"optional", 0}, {"rejected", 1}, {"lost", 2}};
  for (const auto& [prog, code] : cases) {
    auto r = decade("verify " + o + " --prog " + prog);
    EXPECT_EQ(r.code, code) << prog << ": " << r.out;
  }
  auto r = decade("verify " + o);  // every autoloaded program: `lost` among them
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("E407 ElfUnknownSection"), std::string::npos) << r.out;
}

TEST(CliRun, OneProgramIsLoadedAlone) {
  const std::string o = obj("api/progs/autoload.bpf.o");
  for (const char* engine : {"interp", "jit"}) {
    const std::pair<const char*, const char*> cases[] = {{"good", "retval: 7\n"}, {"dead_fp_write", "retval: 5\n"},
                                                         {"optional", "retval: 3\n"}};
    for (const auto& [prog, out] : cases) {
      auto r = decade("run " + o + " --prog " + prog + " --engine " + engine);
      if (r.out.find("not available in this build") != std::string::npos) continue;  // no JIT here
      EXPECT_EQ(r.code, 0) << prog << " " << engine << ": " << r.out;
      EXPECT_EQ(r.out, out) << prog << " " << engine;
    }
  }
  auto r = decade("run " + o + " --prog rejected");
  EXPECT_EQ(r.code, 1) << r.out;
  r = decade("run " + o);  // the whole object: `rejected` fails it
  EXPECT_EQ(r.code, 1) << r.out;
}

TEST(CliVerify, MemoryBudget) {
  // r1 = 0; l: r1 += 1; if r1 != 0 goto l; r0 = 0; exit: a new state per iteration at insn 1.
  const auto prog = temp_file("endless.bin", std::string("\xb7\x01\0\0\0\0\0\0\x07\x01\0\0\x01\0\0\0"
                                                         "\x55\x01\xfe\xff\0\0\0\0\xb7\0\0\0\0\0\0\0"
                                                         "\x95\0\0\0\0\0\0\0", 40));
  for (const std::string cmd : {"verify ", "run "}) {
    auto r = decade(cmd + prog + " --max-insns 100000000 --verifier-memory 1M");
    EXPECT_EQ(r.code, 1) << cmd << r.out;
    EXPECT_NE(r.out.find("E731 VerifierMemoryLimit at insn 1"), std::string::npos) << cmd << r.out;
  }
  auto r = decade("verify " + prog + " --verifier-memory lots");
  EXPECT_EQ(r.code, 2) << r.out;
}

TEST(CliMap, DumpAfterRuns) {
  const std::string o = obj("demo/packet_filter.bpf.o");
  auto r = decade("map dump " + o + " --map proto_stats --run packet_filter --data-hex " +
                  src("demo/packets/01_tcp_syn.hex") + " --data-hex " + src("demo/packets/02_udp_dns.hex") +
                  " --data-hex " + src("demo/packets/01_tcp_syn.hex"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"key\": 6,\n        \"value\": {\n            \"packets\": 2,\n            \"bytes\": 108\n"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"key\": 17,\n        \"value\": {\n            \"packets\": 1,\n            \"bytes\": 71\n"),
            std::string::npos) << r.out;
  r = decade("map dump " + o + " --map nope");
  EXPECT_EQ(r.code, 2) << r.out;
  r = decade("map dump " + o);  // every map, global data included
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"drop_icmp\": 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\".rodata\": [{"), std::string::npos) << r.out;
}

// Every command that loads a program applies root's rules by default, as
// `decade run` and `verify` do; `--unpriv` asks for the other rules.
TEST(CliPrivilege, EveryLoadingCommandUsesRootsRules) {
  const std::string o = obj("cli/progs/priv_store.bpf.o");
  const std::string pkt = temp_file("priv_store.bin", std::string(64, '\0'));
  auto r = decade("verify " + o);
  EXPECT_EQ(r.code, 0) << r.out;
  r = decade("verify " + o + " --unpriv");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("E707"), std::string::npos) << r.out;
  for (const char* engine : {"interp", "jit"}) {
    r = decade(std::string("map dump ") + o + " --engine " + engine + " --map slot --run priv_store --data " + pkt);
    EXPECT_EQ(r.code, 0) << engine << ": " << r.out;
    EXPECT_EQ(r.out.find("\"value\": 0\n"), std::string::npos) << engine << ": the run stored an address: " << r.out;
    r = decade(std::string("map dump ") + o + " --engine " + engine + " --unpriv --map slot --run priv_store --data " + pkt);
    EXPECT_EQ(r.code, 1) << engine << ": " << r.out;
  }
  r = decade("prog dump jited " + o);
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST(CliHelp, EverySubcommandHasHelp) {
  for (const char* sub : {"run", "prog", "prog list", "prog dump", "btf", "btf dump", "verify", "map", "map dump", "gen",
                          "gen skeleton"}) {
    auto r = decade(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub << ": " << r.out;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub;
  }
}

}  // namespace
