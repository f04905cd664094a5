// SPDX-License-Identifier: Apache-2.0
// The C corpus of tests/loader/progs (each file states `// expect:` at its
// top), loaded and run through the embedding API under every engine.
#include <gtest/gtest.h>

#include <cstring>

#include "api_test_util.hpp"

namespace decade {
namespace {

using test::obj;

struct RetvalCase {
  const char* file;
  const char* prog;
  uint64_t retval;
};

const RetvalCase kRetvalCases[] = {
    {"loader/progs/arena.v4.bpf.o", "arena_rw", 42},
    {"loader/progs/callback_loop.bpf.o", "callback_loop", 45},
    {"loader/progs/global_data.bpf.o", "global_data", 42},
    {"loader/progs/iter_num.bpf.o", "iter_num", 15},
    {"loader/progs/res_lock.bpf.o", "res_lock", 1},
    {"loader/progs/legacy_maps.bpf.o", "", 9},
    {"loader/progs/map_array.bpf.o", "map_array", 42},
    {"loader/progs/map_bloom.bpf.o", "map_bloom", 1},
    {"loader/progs/map_hash.bpf.o", "map_hash", 10},
    {"loader/progs/map_in_map.bpf.o", "map_in_map", 5},
    {"loader/progs/map_lpm.bpf.o", "map_lpm", 16},
    {"loader/progs/map_queue_stack.bpf.o", "map_queue_stack", 12},
    {"loader/progs/map_ringbuf.bpf.o", "map_ringbuf", 0},
    {"loader/progs/subprogs.bpf.o", "sub_a", 21},
    {"loader/progs/subprogs.bpf.o", "sub_b", 7},
    {"loader/progs/subprogs.bpf.o", "sub_c", 6},
    {"loader/progs/tail_call.bpf.o", "tail_call", 42},
    {"loader/progs/tail_call_values.bpf.o", "tail_call_values", 42},  // value size from __array(values)
    {"loader/progs/tail_call_wide_index.bpf.o", "tail_call_wide_index", 42},  // the index is a u32
    {"loader/progs/weak_kfunc.bpf.o", "weak_kfunc", 3},
};

class Corpus : public ::testing::TestWithParam<std::tuple<RetvalCase, std::string>> {};

TEST_P(Corpus, Retval) {
  const auto& [c, engine] = GetParam();
  auto o = BpfObject::open(obj(c.file));
  ASSERT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.engine = engine;
  auto st = o->load(lo);
  ASSERT_TRUE(st) << st.error().to_string();
  auto p = o->program(c.prog);
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->engine(), engine);
  auto r = p->test_run({});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, c.retval);
}

std::string case_name(const ::testing::TestParamInfo<Corpus::ParamType>& info) {
  const auto& [c, engine] = info.param;
  std::string f = c.file;
  f = f.substr(f.find_last_of('/') + 1);
  f = f.substr(0, f.find('.'));
  std::string n = f + "_" + (c.prog[0] ? c.prog : "first") + "_" + engine;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Api, Corpus, ::testing::Combine(::testing::ValuesIn(kRetvalCases), ::testing::ValuesIn(engines())),
                         case_name);

class CorpusEngine : public ::testing::TestWithParam<std::string> {
 protected:
  Result<BpfObject> load(const char* file) {
    auto o = BpfObject::open(obj(file));
    if (!o) return o;
    LoadOptions lo;
    lo.engine = GetParam();
    if (auto s = o->load(lo); !s) return std::unexpected(s.error());
    return o;
  }
};

// Global data read and written from the host: .rodata configured before
// load, .bss/.data read after a run, .data written after load.
TEST_P(CorpusEngine, GlobalDataFromHost) {
  auto o = BpfObject::open(obj("loader/progs/global_data.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto limit = o->global_var("limit");
  ASSERT_TRUE(limit) << limit.error().to_string();
  ASSERT_EQ(limit->size(), 4u);
  int32_t fifty = 50;
  std::memcpy(limit->data(), &fifty, 4);
  LoadOptions lo;
  lo.engine = GetParam();
  ASSERT_TRUE(o->load(lo));
  auto p = o->program("global_data");
  ASSERT_TRUE(p);
  auto r = p->test_run({});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 52u);  // limit 50 (set by the host) + bias 2

  auto counter = o->global_var("counter");
  ASSERT_TRUE(counter);
  uint64_t c = 0;
  std::memcpy(&c, counter->data(), 8);
  EXPECT_EQ(c, 1u);
  auto bias = o->global_var("bias");
  ASSERT_TRUE(bias);
  int32_t b = 0;
  std::memcpy(&b, bias->data(), 4);
  EXPECT_EQ(b, 3);
  auto stats = o->global(".data.stats");
  ASSERT_TRUE(stats) << stats.error().to_string();
  uint32_t hits = 0;
  std::memcpy(&hits, stats->data(), 4);
  EXPECT_EQ(hits, 11u);

  // Writing .data after load changes what the next run sees.
  int32_t ten = 10;
  std::memcpy(bias->data(), &ten, 4);
  r = p->test_run({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->retval, 60u);
  // .rodata is frozen after load: read-only to the host too.
  auto ro = o->global(".rodata");
  ASSERT_FALSE(ro);
  EXPECT_EQ(ro.error().code, ErrorCode::MapBadFlags);
  auto view = o->global_view(".rodata");
  ASSERT_TRUE(view);
  int32_t seen = 0;
  std::memcpy(&seen, view->data(), 4);
  EXPECT_EQ(seen, 50);
}

TEST_P(CorpusEngine, RingBufferConsumption) {
  auto o = load("loader/progs/map_ringbuf.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  auto m = o->map("rb");
  ASSERT_TRUE(m);
  std::vector<uint64_t> seen;
  auto rb = RingBuffer::create(*m, [&](std::span<const uint8_t> rec) {
    EXPECT_EQ(rec.size(), 8u);
    uint64_t v = 0;
    std::memcpy(&v, rec.data(), std::min<size_t>(8, rec.size()));
    seen.push_back(v);
    return 0;
  });
  ASSERT_TRUE(rb) << rb.error().to_string();
  EXPECT_GE(rb->fd(), 0);
  auto p = o->program("map_ringbuf");
  ASSERT_TRUE(p);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p->test_run({}));
  auto n = rb->poll(1000);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(seen, (std::vector<uint64_t>{7, 7, 7}));
  auto again = rb->consume();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
}

// A prog_array filled from the host with a program id, as libbpf does with fds.
TEST_P(CorpusEngine, TailCallSlotFilledByHost) {
  auto o = load("loader/progs/tail_call.bpf.o");
  ASSERT_TRUE(o) << o.error().to_string();
  auto jmp = o->map("jmp");
  ASSERT_TRUE(jmp);
  auto caller = o->program("tail_call");
  auto callee = o->program("callee");
  ASSERT_TRUE(caller && callee);
  uint32_t slot0 = 0, id = 0;
  ASSERT_TRUE((jmp->lookup(test::as_bytes(slot0), std::span<uint8_t>(reinterpret_cast<uint8_t*>(&id), 4))));
  EXPECT_EQ(id, callee->id());  // filled statically from `.values = {[0] = &callee}`
  ASSERT_TRUE(jmp->erase(test::as_bytes(slot0)));
  auto r = caller->test_run({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->retval, 1u);  // empty slot: the tail call falls through
  uint32_t cid = callee->id();
  ASSERT_TRUE(jmp->update(test::as_bytes(slot0), test::as_bytes(cid)));
  r = caller->test_run({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->retval, 42u);
}

// CO-RE across two host layouts of struct host_cfg, with the context laid
// out as each host has it.
TEST_P(CorpusEngine, CoreAcrossHostLayouts) {
  struct Own { int32_t id; uint16_t port; int64_t limit; uint32_t flags; };
  struct V1 { int64_t limit; uint32_t port; int32_t id; };
  struct V2 { char reserved[16]; uint32_t flags; int32_t limit; uint16_t port; int32_t id; };
  auto run = [&](const std::string& target, std::span<const uint8_t> ctx) -> Result<uint64_t> {
    auto o = BpfObject::open(obj("loader/progs/core_read.bpf.o"));
    if (!o) return std::unexpected(o.error());
    if (auto s = o->grant(Grant::ReadHostMemory); !s) return std::unexpected(s.error());  // core_probe
    if (!target.empty()) {
      if (auto s = o->set_target_btf_file(obj(target)); !s) return std::unexpected(s.error());
    }
    LoadOptions lo;
    lo.engine = GetParam();
    if (auto s = o->load(lo); !s) return std::unexpected(s.error());
    auto p = o->program("core_read");
    if (!p) return std::unexpected(p.error());
    auto r = p->test_run({.ctx = ctx});
    if (!r) return std::unexpected(r.error());
    return r->retval;
  };
  Own own{1, 2, 3, 0};
  V1 v1{3, 2, 1};
  V2 v2{};
  v2.id = 1;
  v2.port = 2;
  v2.limit = 3;
  auto a = run("", test::as_bytes(own));
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(*a, 1130u);
  auto b = run("loader/progs/hosts/host_v1.bpf.o", test::as_bytes(v1));
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(*b, 122u);
  auto c = run("loader/progs/hosts/host_v2.bpf.o", test::as_bytes(v2));
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(*c, 1038u);
}

INSTANTIATE_TEST_SUITE_P(Api, CorpusEngine, ::testing::ValuesIn(engines()));

// Objects the corpus expects to fail, at open or at load.
TEST(CorpusErrors, ExpectedLoadErrors) {
  const std::pair<const char*, ErrorCode> cases[] = {
      {"loader/progs/missing_kfunc.bpf.o", ErrorCode::ElfMissingSymbol},
      {"loader/progs/unknown_section.bpf.o", ErrorCode::ElfUnknownSection},
  };
  for (const auto& [file, code] : cases) {
    auto o = BpfObject::open(obj(file));
    if (!o) {
      EXPECT_EQ(o.error().code, code) << file << ": " << o.error().to_string();
      continue;
    }
    auto s = o->load();
    ASSERT_FALSE(s) << file;
    EXPECT_EQ(s.error().code, code) << file << ": " << s.error().to_string();
  }
}

}  // namespace
}  // namespace decade
