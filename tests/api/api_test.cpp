// SPDX-License-Identifier: Apache-2.0
// The embedding API itself: raw bytecode, map operations and their error
// codes, batches, dumps from BTF, verification reports, packet test runs.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "api_test_util.hpp"

namespace decade {
namespace {

using test::as_bytes;
using test::obj;

// mov r0, r2 ; exit  (returns the memory length)
const uint8_t kRetLen[] = {0xbf, 0x20, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
// r0 = *(u64 *)(r1 + 0) ; exit  (reads memory without checking its length)
const uint8_t kLoad[] = {0x79, 0x10, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
// mov r0, r3 ; exit  (r3 is never initialised)
const uint8_t kUninit[] = {0xbf, 0x30, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};

class ApiEngine : public ::testing::TestWithParam<std::string> {
 protected:
  LoadOptions opts(bool unverified = false) const {
    LoadOptions lo;
    lo.engine = GetParam();
    lo.unverified_checked_execution = unverified;
    return lo;
  }
};

TEST_P(ApiEngine, RawBytecodeRuns) {
  auto o = BpfObject::from_bytecode(kRetLen);
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(o->load(opts()));
  auto p = o->program("");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type(), "raw");
  EXPECT_EQ(p->insn_count(), 2u);
  const uint8_t mem[5] = {1, 2, 3, 4, 5};
  auto r = p->test_run({.data = mem});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 5u);
  EXPECT_EQ(r->data_out, std::vector<uint8_t>(mem, mem + 5));
}

TEST_P(ApiEngine, LoadTimesAreRecorded) {
  auto o = BpfObject::from_bytecode(kRetLen);
  ASSERT_TRUE(o);
  auto before = o->program("");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->load_times().verify_ns, 0u);
  EXPECT_EQ(before->load_times().compile_ns, 0u);
  ASSERT_TRUE(o->load(opts()));
  const LoadTimes t = o->program("")->load_times();
  EXPECT_GT(t.verify_ns, 0u);
  EXPECT_GT(t.compile_ns, 0u);
  // The named bypass verifies nothing.
  auto u = BpfObject::from_bytecode(kRetLen);
  ASSERT_TRUE(u && u->load(opts(true)));
  EXPECT_EQ(u->program("")->load_times().verify_ns, 0u);
  EXPECT_GT(u->program("")->load_times().compile_ns, 0u);
}

TEST_P(ApiEngine, UncheckedLoadNeedsTheNamedBypass) {
  const uint64_t word = 0x1122334455667788ull;
  {
    auto o = BpfObject::from_bytecode(kLoad);
    ASSERT_TRUE(o);
    ASSERT_TRUE(o->load(opts(true)));
    auto p = o->program("");
    ASSERT_TRUE(p);
    EXPECT_NE(p->engine().find("checked"), std::string_view::npos) << p->engine();
    auto r = p->test_run({.data = as_bytes(word)});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->retval, word);
    // Out of bounds at run time: an error naming instruction 0, not a crash.
    const uint8_t small[4] = {};
    auto bad = p->test_run({.data = small});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::ExecOutOfBounds);
    EXPECT_EQ(bad.error().insn, 0);
  }
}

TEST_P(ApiEngine, VerifierRejectionNamesTheInstruction) {
  auto o = BpfObject::from_bytecode(kUninit);
  ASSERT_TRUE(o);
  auto s = o->load(opts());
  ASSERT_FALSE(s);
  const auto code = static_cast<unsigned>(s.error().code);
  EXPECT_GE(code, 700u);
  EXPECT_LT(code, 800u);
  EXPECT_EQ(s.error().insn, 0);
  EXPECT_FALSE(o->loaded());
  auto reports = o->verify_programs();
  ASSERT_TRUE(reports);
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_FALSE((*reports)[0].accepted);
  EXPECT_EQ((*reports)[0].error.code, s.error().code);
  EXPECT_EQ((*reports)[0].error.insn, 0);
}

TEST_P(ApiEngine, PacketFilterOverSamplePackets) {
  auto o = BpfObject::open(obj("demo/packet_filter.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto drop_icmp = o->global_var("drop_icmp");
  ASSERT_TRUE(drop_icmp) << drop_icmp.error().to_string();
  (*drop_icmp)[0] = 1;
  ASSERT_TRUE(o->load(opts()));
  auto p = o->program("packet_filter");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type(), "xdp");
  // Block 192.168.1.99/32 (network byte order, as on the wire).
  auto block = o->map("blocklist");
  ASSERT_TRUE(block);
  struct { uint32_t prefixlen; uint8_t addr[4]; } key{32, {192, 168, 1, 99}};
  uint64_t zero = 0;
  ASSERT_TRUE(block->update(as_bytes(key), as_bytes(zero)));
  const std::string dir = std::string(DECADE_SOURCE_DIR) + "/demo/packets/";
  auto verdict = [&](const char* f) {
    auto pkt = test::read_hex(dir + f);
    auto r = p->test_run({.data = pkt});
    EXPECT_TRUE(r) << f << ": " << r.error().to_string();
    if (r) {
      EXPECT_EQ(r->data_out, pkt) << f;
    }
    return r ? r->retval : 99;
  };
  constexpr uint64_t kDrop = 1, kPass = 2;
  EXPECT_EQ(verdict("01_tcp_syn.hex"), kPass);
  EXPECT_EQ(verdict("02_udp_dns.hex"), kPass);
  EXPECT_EQ(verdict("03_icmp_echo.hex"), kDrop);  // drop_icmp = 1
  // Shorter than an Ethernet header: refused before the run, as by the kernel.
  auto runt = p->test_run({.data = test::read_hex(dir + "06_runt.hex")});
  ASSERT_FALSE(runt);
  EXPECT_EQ(runt.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(verdict("05_ipv6_udp.hex"), kPass);
  auto stats = o->map("proto_stats");
  ASSERT_TRUE(stats);
  struct { uint64_t packets, bytes; } tcp{};
  uint32_t six = 6;
  ASSERT_TRUE(stats->lookup(as_bytes(six), std::span<uint8_t>(reinterpret_cast<uint8_t*>(&tcp), sizeof(tcp))));
  EXPECT_EQ(tcp.packets, 1u);
  EXPECT_EQ(tcp.bytes, 54u);
  auto dump = stats->dump();
  ASSERT_TRUE(dump) << dump.error().to_string();
  EXPECT_NE(dump->find("{\"key\": 6, \"value\": {\"packets\": 1, \"bytes\": 54}}"), std::string::npos) << *dump;
  auto bss = o->global_view(".bss");
  ASSERT_TRUE(bss);
  uint64_t passed = 0;
  std::memcpy(&passed, bss->data(), 8);  // packets_passed is the first .bss variable
  EXPECT_EQ(passed, 3u);
}

INSTANTIATE_TEST_SUITE_P(Api, ApiEngine, ::testing::ValuesIn(engines()));

class MapOps : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(obj("loader/progs/map_hash.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    ASSERT_TRUE(obj_->load());
  }
  BpfMap map(const char* name) { return *obj_->map(name); }
  std::optional<BpfObject> obj_;
};

TEST_F(MapOps, ElementOperationsAndErrorCodes) {
  BpfMap h = map("h");
  EXPECT_EQ(h.type_name(), "hash");
  EXPECT_EQ(h.key_size(), 4u);
  EXPECT_EQ(h.value_size(), 4u);
  EXPECT_EQ(h.max_entries(), 16u);
  EXPECT_NE(h.id(), 0u);
  uint32_t k = 7, v = 70, out = 0;
  auto vout = std::span<uint8_t>(reinterpret_cast<uint8_t*>(&out), 4);
  auto miss = h.lookup(as_bytes(k), vout);
  ASSERT_FALSE(miss);
  EXPECT_EQ(miss.error().code, ErrorCode::MapKeyNotFound);
  auto exist = h.update(as_bytes(k), as_bytes(v), UpdateFlag::Exist);
  ASSERT_FALSE(exist);
  EXPECT_EQ(exist.error().code, ErrorCode::MapKeyNotFound);
  ASSERT_TRUE(h.update(as_bytes(k), as_bytes(v), UpdateFlag::NoExist));
  auto again = h.update(as_bytes(k), as_bytes(v), UpdateFlag::NoExist);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::MapKeyExists);
  ASSERT_TRUE(h.lookup(as_bytes(k), vout));
  EXPECT_EQ(out, 70u);
  auto typed = h.lookup<uint32_t, uint32_t>(k);
  ASSERT_TRUE(typed);
  EXPECT_EQ(*typed, 70u);
  uint16_t short_key = 1;
  auto bad = h.lookup(as_bytes(short_key), vout);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::MapBadKeySize);
  uint64_t long_value = 1;
  auto badv = h.update(as_bytes(k), as_bytes(long_value));
  ASSERT_FALSE(badv);
  EXPECT_EQ(badv.error().code, ErrorCode::MapBadValueSize);
  ASSERT_TRUE(h.erase(as_bytes(k)));
  auto gone = h.erase(as_bytes(k));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::MapKeyNotFound);
}

TEST_F(MapOps, IterationBatchesAndDump) {
  BpfMap h = map("h");
  std::vector<uint32_t> keys = {1, 2, 3, 4, 5}, values = {10, 20, 30, 40, 50};
  auto kb = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(keys.data()), 20);
  auto vb = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(values.data()), 20);
  auto n = h.update_batch(kb, vb);
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(*n, 5u);
  size_t count = 0;
  uint32_t cur = 0, next = 0;
  auto nb = std::span<uint8_t>(reinterpret_cast<uint8_t*>(&next), 4);
  for (auto r = h.next_key({}, nb); r && *r; r = h.next_key(as_bytes(cur), nb)) {
    cur = next;
    ++count;
  }
  EXPECT_EQ(count, 5u);
  BatchCursor cursor;
  std::vector<uint32_t> ok(3), ov(3);
  uint32_t total = 0;
  while (!cursor.done) {
    auto got = h.lookup_batch(cursor, std::span<uint8_t>(reinterpret_cast<uint8_t*>(ok.data()), 12),
                              std::span<uint8_t>(reinterpret_cast<uint8_t*>(ov.data()), 12));
    ASSERT_TRUE(got) << got.error().to_string();
    for (uint32_t i = 0; i < *got; ++i) EXPECT_EQ(ov[i], ok[i] * 10);
    total += *got;
    if (*got == 0) break;
  }
  EXPECT_EQ(total, 5u);
  auto d = h.dump();
  ASSERT_TRUE(d);
  EXPECT_NE(d->find("{\"key\": 3, \"value\": 30}"), std::string::npos) << *d;
  auto del = h.delete_batch(kb.subspan(0, 8));
  ASSERT_TRUE(del);
  EXPECT_EQ(*del, 2u);
}

TEST_F(MapOps, PerCpuValuesHoldOneSlotPerCpu) {
  BpfMap ph = map("ph");
  EXPECT_EQ(ph.host_value_size() % 8, 0u);
  EXPECT_GE(ph.host_value_size(), 8u);
  uint32_t k = 9;
  std::vector<uint8_t> v(ph.host_value_size(), 0);
  v[0] = 5;
  ASSERT_TRUE(ph.update(as_bytes(k), std::span<const uint8_t>(v)));
  std::vector<uint8_t> out(ph.host_value_size());
  ASSERT_TRUE(ph.lookup(as_bytes(k), out));
  EXPECT_EQ(out, v);
  auto wrong = ph.lookup(as_bytes(k), std::span<uint8_t>(out.data(), 4));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::MapBadValueSize);
}

// A rejection from C names the instruction and its source line.
TEST(ApiObject, RejectionCarriesTheSourceLine) {
  auto o = BpfObject::open(obj("api/progs/reject_null.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto s = o->load();
  ASSERT_FALSE(s);
  const auto code = static_cast<unsigned>(s.error().code);
  EXPECT_GE(code, 700u);
  EXPECT_LT(code, 800u);
  EXPECT_GE(s.error().insn, 0);
  EXPECT_TRUE(s.error().where.file.ends_with("reject_null.bpf.c")) << s.error().to_string();
  EXPECT_EQ(s.error().where.line, 17u) << s.error().to_string();
  auto reports = o->verify_programs("reject_null");
  ASSERT_TRUE(reports);
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ((*reports)[0].error.code, s.error().code);
  EXPECT_EQ((*reports)[0].error.insn, s.error().insn);
}

TEST(ApiObject, DirectMemoryOfArraysAndGlobals) {
  auto o = BpfObject::open(obj("loader/progs/global_data.bpf.o"));
  ASSERT_TRUE(o);
  ASSERT_TRUE(o->load());
  std::optional<BpfMap> data, ro;
  for (const auto& n : o->map_names()) {
    if (n.ends_with(".data")) data = *o->map(n);
    if (n.ends_with(".rodata")) ro = *o->map(n);
  }
  ASSERT_TRUE(data && ro);
  auto mem = data->memory();
  ASSERT_TRUE(mem) << mem.error().to_string();
  auto g = o->global(".data");
  ASSERT_TRUE(g);
  EXPECT_EQ(mem->data(), g->data());  // the same live memory programs use
  auto frozen = ro->memory();
  ASSERT_FALSE(frozen);
  EXPECT_EQ(frozen.error().code, ErrorCode::MapBadFlags);
  auto h = BpfObject::open(obj("loader/progs/map_hash.bpf.o"));
  ASSERT_TRUE(h && h->load());
  auto none = h->map("h")->memory();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::MapBadType);
}

TEST(ApiObject, LookupsAndLifecycleErrors) {
  auto o = BpfObject::open(obj("loader/progs/map_hash.bpf.o"));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->name(), "map_hash");
  EXPECT_EQ(o->program_names(), std::vector<std::string>{"map_hash"});
  auto missing = o->program("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::ProgramNotFound);
  auto nomap = o->map("nope");
  ASSERT_FALSE(nomap);
  EXPECT_EQ(nomap.error().code, ErrorCode::MapNotFound);
  // Before load a map is only its definition.
  auto h = o->map("h");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->id(), 0u);
  uint32_t k = 1, v = 0;
  auto early = h->lookup(as_bytes(k), std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), 4));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::InvalidArgument);
  auto p = o->program("map_hash");
  ASSERT_TRUE(p);
  auto notyet = p->test_run({});
  ASSERT_FALSE(notyet);
  EXPECT_EQ(notyet.error().code, ErrorCode::InvalidArgument);
  auto bad_engine = o->load({.engine = "nope"});
  ASSERT_FALSE(bad_engine);
  EXPECT_EQ(bad_engine.error().code, ErrorCode::InvalidArgument);
  ASSERT_TRUE(o->load());
  auto twice = o->load();
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::InvalidArgument);
  auto late = o->add_helper({.name = "late", .id = 9999, .fn = nullptr});
  ASSERT_FALSE(late);
  // The handle taken before load works now.
  EXPECT_NE(h->id(), 0u);
  EXPECT_NE(p->id(), 0u);
  auto r = p->test_run({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->retval, 10u);
}

TEST(ApiObject, MalformedInputGivesErrors) {
  const uint8_t junk[] = {0x7f, 'E', 'L', 'F', 1, 2, 3};
  auto o = BpfObject::open(junk);
  ASSERT_FALSE(o);
  const auto code = static_cast<unsigned>(o.error().code);
  EXPECT_GE(code, 400u);
  EXPECT_LT(code, 600u);
  auto missing = BpfObject::open(std::string("/nonexistent/file.o"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::IoError);
  const uint8_t cut[] = {0xbf, 0x20, 0, 0};
  auto raw = BpfObject::from_bytecode(cut);
  ASSERT_FALSE(raw);
  EXPECT_EQ(raw.error().code, ErrorCode::DecodeTruncated);
  auto badtype = BpfObject::from_bytecode(kRetLen, "p", "no_such_type");
  ASSERT_FALSE(badtype);
  EXPECT_EQ(badtype.error().code, ErrorCode::ProgramTypeNotFound);
  auto o2 = BpfObject::open(obj("loader/progs/map_hash.bpf.o"));
  ASSERT_TRUE(o2);
  const uint8_t not_btf[] = {1, 2, 3, 4};
  auto tb = o2->set_target_btf(not_btf);
  ASSERT_FALSE(tb);
  EXPECT_GE(static_cast<unsigned>(tb.error().code), 400u);
}

}  // namespace
}  // namespace decade
