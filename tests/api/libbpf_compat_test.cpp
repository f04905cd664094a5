// SPDX-License-Identifier: Apache-2.0
// What libbpf programs need of the API beyond loading: CO-RE as libbpf
// resolves it (bitfields, flavours, built-in kconfig, the warning when no
// target BTF is set), maps filled from dump text (parse_key/parse_value,
// array values of any size), and bpf_printk into the object's trace buffer.
// Programs run in every engine.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "api_test_util.hpp"

namespace decade::test {
namespace {

class LibbpfEngine : public ::testing::TestWithParam<std::string> {};

// struct net_cfg as the host (hosts/core_libbpf_host.bpf.c) lays it out.
struct HostNetCfg {
  uint64_t flags : 9;
  uint64_t prio : 12;
  uint64_t mode : 4;
  uint64_t spare : 39;
  uint16_t pad;
  uint32_t id;
};

TEST_P(LibbpfEngine, CoreBitfieldsFlavourAndKconfig) {
  auto o = BpfObject::open(obj("api/progs/core_libbpf.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(o->warnings().size(), 1u);  // relocated against its own BTF so far
  ASSERT_TRUE(o->set_target_btf_file(obj("api/progs/hosts/core_libbpf_host.bpf.o")));
  LoadOptions lo;
  lo.engine = GetParam();
  auto s = o->load(lo);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_TRUE(o->warnings().empty());
  HostNetCfg cfg{};
  cfg.flags = 0x1ff;
  cfg.prio = 300;
  cfg.mode = 5;
  cfg.spare = (uint64_t{1} << 39) - 1;
  cfg.id = 7;
  auto r = o->program("read_cfg")->test_run({.ctx = {reinterpret_cast<const uint8_t*>(&cfg), sizeof cfg}});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 1073005u);  // 5 + 300 * 10 + 7 * 10000 + 1000000 (LINUX_HAS_SYSCALL_WRAPPER)
}

// Against its own BTF the object keeps the compiler's layout: the flavour
// is no ambiguity, and the warning stays.
TEST_P(LibbpfEngine, OwnBtfKeepsTheCompilersLayout) {
  auto o = BpfObject::open(obj("api/progs/core_libbpf.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto s = o->load({.engine = GetParam()});
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(o->warnings().size(), 1u);
  struct Own { uint32_t bits; uint32_t id; } own{5u | (300u << 3), 7};
  auto r = o->program("read_cfg")->test_run({.ctx = {reinterpret_cast<const uint8_t*>(&own), sizeof own}});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 1073005u);
}

TEST_P(LibbpfEngine, PrintkGoesToTheTraceBuffer) {
  auto o = BpfObject::open(obj("api/progs/printk.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto s = o->load({.engine = GetParam()});
  ASSERT_TRUE(s) << s.error().to_string();
  std::vector<uint8_t> pkt(60, 0);
  auto prog = o->program("say");
  ASSERT_TRUE(prog->test_run({.data = pkt, .repeat = 3}));
  const std::vector<std::string> want = {"len 60", "done 7 x", "len 60", "done 7 x", "len 60", "done 7 x"};
  EXPECT_EQ(o->drain_trace(), want);
  EXPECT_TRUE(o->drain_trace().empty());
  // More lines than the ring holds: the rest are dropped and counted.
  ASSERT_TRUE(prog->test_run({.data = pkt, .repeat = 2100}));
  EXPECT_EQ(o->drain_trace().size(), 4096u);
  EXPECT_EQ(o->trace_dropped(), 4200u - 4096u);
  // A callback instead of the ring.
  std::vector<std::string> seen;
  ASSERT_TRUE(o->set_trace_callback([&](std::string_view line) { seen.emplace_back(line); }));
  ASSERT_TRUE(prog->test_run({.data = pkt}));
  EXPECT_EQ(seen, (std::vector<std::string>{"len 60", "done 7 x"}));
  EXPECT_TRUE(o->drain_trace().empty());
}

// A hash keyed by a struct, an array of 20-byte values: filled from the
// text `dump()` prints, then the program's table lookup uses them.
TEST_P(LibbpfEngine, MapsFilledFromDumpText) {
  auto o = BpfObject::open(obj("cli/progs/lb_table.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto s = o->load({.engine = GetParam()});
  ASSERT_TRUE(s) << s.error().to_string();
  auto backends = o->map("backends");
  ASSERT_TRUE(backends);
  EXPECT_EQ(backends->value_size(), 20u);
  EXPECT_EQ(backends->host_value_size(), 20u);  // not round_up(20, 8)
  auto key = backends->parse_key("1");
  ASSERT_TRUE(key) << key.error().to_string();
  auto value = backends->parse_value(
      R"({"ip": 33685514, "mac": [2, 0, 0, 0, 0, 9], "weight": 1, "flags": 0, "hits": 0})");
  ASSERT_TRUE(value) << value.error().to_string();
  ASSERT_EQ(value->size(), 20u);
  ASSERT_TRUE(backends->update(std::span<const uint8_t>(*key), std::span<const uint8_t>(*value)));
  std::vector<uint8_t> back(20);
  ASSERT_TRUE(backends->lookup(std::span<const uint8_t>(*key), std::span<uint8_t>(back)));
  EXPECT_EQ(back, *value);
  EXPECT_EQ(backends->format_value(back), R"({"ip": 33685514, "mac": [2, 0, 0, 0, 0, 9], "weight": 1, "flags": 0, "hits": 0})");
  auto services = o->map("services");
  auto skey = services->parse_key(R"({"vip": 16777226, "port": 13568, "proto": 17, "pad": 0})");
  ASSERT_TRUE(skey) << skey.error().to_string();
  auto svalue = services->parse_value("1");
  ASSERT_TRUE(svalue) << svalue.error().to_string();
  ASSERT_TRUE(services->update(std::span<const uint8_t>(*skey), std::span<const uint8_t>(*svalue)));
  // Errors are values naming what does not fit.
  EXPECT_EQ(backends->parse_value(R"({"weight": 70000})").error().code, ErrorCode::ValueTextMalformed);
  EXPECT_EQ(backends->parse_value(R"({"nope": 1})").error().code, ErrorCode::ValueTextMalformed);
  EXPECT_EQ(backends->parse_value("\"00 01\"").error().code, ErrorCode::ValueTextMalformed);
  EXPECT_EQ(services->parse_key("{\"vip\": ").error().code, ErrorCode::ValueTextMalformed);
  // UDP to 10.0.0.1:13 -> backend 10.0.2.2 with MAC 02:..:09, sent back out.
  std::vector<uint8_t> pkt = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x08, 0x00,
                              0x45, 0,    0,    28,   0,    0,    0,    0,    64,   17,   0,    0,    10,   0,
                              0,    2,    10,   0,    0,    1,    0x12, 0x34, 0x00, 0x35, 0,    8,    0,    0};
  auto r = o->program("lb")->test_run({.data = pkt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 3u);  // XDP_TX
  EXPECT_EQ(std::vector<uint8_t>(r->data_out.begin(), r->data_out.begin() + 6),
            (std::vector<uint8_t>{2, 0, 0, 0, 0, 9}));
  EXPECT_EQ(std::vector<uint8_t>(r->data_out.begin() + 30, r->data_out.begin() + 34),
            (std::vector<uint8_t>{10, 0, 2, 2}));
  ASSERT_TRUE(backends->lookup(std::span<const uint8_t>(*key), std::span<uint8_t>(back)));
  EXPECT_EQ(back[16], 1);  // hits
}

INSTANTIATE_TEST_SUITE_P(Api, LibbpfEngine, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade::test
