// SPDX-License-Identifier: Apache-2.0
// Escapes through the engines, on every engine, through the public API:
// tail-call chains bounded at 33 per chain (also across engines and on a
// small host stack).
#include <gtest/gtest.h>
#include <pthread.h>

#include <cstring>
#include <functional>
#include <string>

#include "api_test_util.hpp"

namespace decade {
namespace {

class EscapeEngines : public ::testing::TestWithParam<std::string> {};

// Runs fn on a thread with a `bytes` stack and waits: a chain that nested
// without bound would overflow it.
void on_small_stack(size_t bytes, const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, bytes);
  pthread_t t;
  auto body = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&t, &attr, body, const_cast<std::function<void()>*>(&fn)), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

BpfObject load_chains(const std::string& engine) {
  auto o = BpfObject::open(test::obj("api/progs/escape_engines.bpf.o"));
  EXPECT_TRUE(o) << o.error().to_string();
  LoadOptions lo;
  lo.engine = engine;
  auto s = o->load(lo);
  EXPECT_TRUE(s) << s.error().to_string();
  return std::move(*o);
}

void put(const BpfObject& o, uint32_t slot, const BpfObject& from, const char* prog) {
  auto m = o.map("progs");
  auto p = from.program(prog);
  ASSERT_TRUE(m && p);
  ASSERT_TRUE(m->update(slot, p->id()));
}

struct ChainCtx {
  uint64_t runs = 0;
  uint64_t fails = 0;
};

// The kernel's outcome: the first run and 33 tail calls, then the tail call
// falls through and the program goes on (fails 1, retval = runs = 34).
void expect_chain_of_33(const BpfObject& o, const char* entry) {
  ChainCtx ctx;
  auto r = o.program(entry)->test_run({.ctx = test::as_bytes(ctx)});
  ASSERT_TRUE(r) << entry << ": " << r.error().to_string();
  EXPECT_EQ(r->retval, 34u) << entry;
  ASSERT_EQ(r->ctx_out.size(), sizeof(ChainCtx));
  std::memcpy(&ctx, r->ctx_out.data(), sizeof ctx);
  EXPECT_EQ(ctx.runs, 34u) << entry;
  EXPECT_EQ(ctx.fails, 1u) << entry;
}

TEST_P(EscapeEngines, TailCallChainsStopAfter33OnASmallStack) {
  BpfObject o = load_chains(GetParam());
  put(o, 0, o, "self_loop");
  put(o, 1, o, "ping");
  put(o, 2, o, "pong");
  put(o, 3, o, "via_subprog");
  on_small_stack(1 << 20, [&] {
    for (const char* entry : {"self_loop", "ping", "via_subprog"}) expect_chain_of_33(o, entry);
  });
}

// ping in one engine, pong in the other: one chain, one count.
TEST(EscapeEnginesMixed, TailCallChainAcrossEnginesStopsAfter33) {
  const auto engines = decade::engines();
  if (engines.size() < 2) GTEST_SKIP() << "one engine in this build";
  BpfObject a = load_chains(engines[0]);
  BpfObject b = load_chains(engines[1]);
  for (const BpfObject* o : {&a, &b}) {
    put(*o, 1, a, "ping");
    put(*o, 2, b, "pong");
  }
  on_small_stack(1 << 20, [&] {
    expect_chain_of_33(a, "ping");
    expect_chain_of_33(b, "pong");
  });
}

INSTANTIATE_TEST_SUITE_P(Engines, EscapeEngines, ::testing::ValuesIn(decade::engines()));

}  // namespace
}  // namespace decade
