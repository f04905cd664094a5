// SPDX-License-Identifier: Apache-2.0
// Map operation costs through the paths BPF helpers take: Map::lookup and
// Map::update (what bpf_map_lookup_elem / bpf_map_update_elem call), plus
// the helper function pointer itself for a hash lookup. Each map holds 1024
// keys (0..1023) of 4 bytes with 8-byte values; the loop walks the keys in
// order. With 2 threads both threads hit the same map (per-CPU maps: each
// its own CPU slot). Google Benchmark reports wall and CPU time per operation
// per thread; on a shared, loaded machine the CPU time is the stable one.
//
// update_split is update with the keys divided between the threads (each
// walks its own 1024 / threads keys): what two threads cost each other
// through the map's own shared state (locks, free lists, counters), without
// the cache-line transfers of both writing the same keys.
//
// jit_lookup is the lookup inside a program: bench/map_progs/array_lookup.bpf.c
// does 4096 bpf_map_lookup_elem calls on an array in a bounded loop, which the
// JIT inlines (the path of the kernel's 0.4 ns figure). It reports
// ns_per_op = the thread's CPU time over its runs / lookups made, which
// scripts/bench.sh prints instead of the time per run. jit_loop_baseline runs
// the same loop without the lookup: the difference is the inlined lookup's
// own cost.
#include <benchmark/benchmark.h>
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "decade/decade.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/map.hpp"
#include "runtime/platform.hpp"

namespace decade::bench {
namespace {

constexpr uint32_t kKeys = 1024;

std::unique_ptr<Map> make_filled(MapType type) {
  MapDef d;
  d.name = "bench";
  d.type = type;
  d.key_size = 4;
  d.value_size = 8;
  d.max_entries = kKeys;
  auto m = create_map(d);
  if (!m) {
    std::fprintf(stderr, "create_map: %s\n", m.error().to_string().c_str());
    std::abort();
  }
  std::vector<uint8_t> value((*m)->host_value_size(), 1);
  for (uint32_t k = 0; k < kKeys; ++k) {
    if ((*m)->host_update(&k, value.data(), kBpfAny) != 0) {
      std::fprintf(stderr, "filling map failed at key %u\n", k);
      std::abort();
    }
  }
  return std::move(*m);
}

// One map per type, shared by the benchmark's threads.
Map* shared_map(MapType type) {
  static std::mutex mu;
  static std::unique_ptr<Map> maps[64];
  std::lock_guard lock(mu);
  auto& slot = maps[static_cast<uint32_t>(type) % 64];
  if (!slot) slot = make_filled(type);
  return slot.get();
}

void lookup(benchmark::State& state, MapType type) {
  Map* m = shared_map(type);
  uint32_t key = static_cast<uint32_t>(state.thread_index()) * 17;
  for (auto _ : state) {
    benchmark::DoNotOptimize(m->lookup(&key));
    key = (key + 1) & (kKeys - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void update(benchmark::State& state, MapType type) {
  Map* m = shared_map(type);
  uint32_t key = static_cast<uint32_t>(state.thread_index()) * 17;
  uint64_t value = 42;
  for (auto _ : state) {
    long rc = m->update(&key, &value, kBpfAny);
    if (rc != 0) {
      state.SkipWithError("update failed");
      break;
    }
    key = (key + 1) & (kKeys - 1);
    ++value;
  }
  state.SetItemsProcessed(state.iterations());
}

// Thread i of n updates keys [i * 1024 / n, (i + 1) * 1024 / n) only.
void update_split(benchmark::State& state, MapType type) {
  Map* m = shared_map(type);
  const uint32_t n = kKeys / static_cast<uint32_t>(state.threads());
  const uint32_t base = static_cast<uint32_t>(state.thread_index()) * n;
  uint32_t i = 0;
  uint64_t value = 42;
  for (auto _ : state) {
    uint32_t key = base + i;
    if (m->update(&key, &value, kBpfAny) != 0) {
      state.SkipWithError("update failed");
      break;
    }
    i = i + 1 == n ? 0 : i + 1;
    ++value;
  }
  state.SetItemsProcessed(state.iterations());
}

// bpf_map_lookup_elem as an engine calls it: through the helper table.
void helper_lookup(benchmark::State& state, MapType type) {
  static const Platform platform = Platform::standard();
  const FuncProto* fn = platform.helper(kHelperMapLookupElem);
  Map* m = shared_map(type);
  uint32_t key = static_cast<uint32_t>(state.thread_index()) * 17;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fn->fn(reinterpret_cast<uint64_t>(m), reinterpret_cast<uint64_t>(&key), 0, 0, 0));
    key = (key + 1) & (kKeys - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

constexpr uint64_t kProgLookups = 4096;  // array_lookup.bpf.c's kLookups

// array_lookup.bpf.o's programs: 0 = array_lookups, 1 = loop_baseline.
const BpfProgram& lookup_program(int which) {
  static std::once_flag once;
  static std::unique_ptr<BpfObject> obj;
  static std::unique_ptr<BpfProgram> progs[2];
  std::call_once(once, [] {
    auto o = BpfObject::open(std::string(DECADE_BENCH_MAP_PROGS) + "/array_lookup.bpf.o");
    LoadOptions lo;
    lo.engine = "jit";
    if (!o || !o->load(lo)) {
      std::fprintf(stderr, "array_lookup.bpf.o: %s\n", o ? "load failed" : o.error().to_string().c_str());
      std::abort();
    }
    auto arr = o->map("arr");
    for (uint32_t k = 0; arr && k < kKeys; ++k) (void)arr->update<uint32_t, uint64_t>(k, 1);
    obj = std::make_unique<BpfObject>(std::move(*o));
    const char* names[2] = {"array_lookups", "loop_baseline"};
    for (int i = 0; i < 2; ++i) {
      auto p = obj->program(names[i]);
      if (!p) std::abort();
      progs[i] = std::make_unique<BpfProgram>(*p);
    }
  });
  return *progs[which];
}

uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

// bpf_map_lookup_elem on an array from inside a JIT-compiled program
// (which = 0), or the same loop without the lookup (which = 1).
void run_lookup_program(benchmark::State& state, int which) {
  if (engines().front() != "jit") {
    state.SkipWithError("no JIT in this build");
    return;
  }
  const BpfProgram& prog = lookup_program(which);
  const uint64_t start = thread_cpu_ns();
  for (auto _ : state) {
    auto r = prog.test_run({});
    if (!r || r->retval != kProgLookups) {
      state.SkipWithError("the lookup program returned a wrong sum");
      break;
    }
  }
  const double lookups = static_cast<double>(state.iterations()) * kProgLookups;
  state.counters["ns_per_op"] =
      benchmark::Counter(static_cast<double>(thread_cpu_ns() - start) / lookups, benchmark::Counter::kAvgThreads);
  state.SetItemsProcessed(static_cast<int64_t>(lookups));
}

void jit_lookup(benchmark::State& state, MapType) { run_lookup_program(state, 0); }
void jit_loop_baseline(benchmark::State& state, MapType) { run_lookup_program(state, 1); }

#define DECADE_MAP_BENCH(fn, label, type) \
  BENCHMARK_CAPTURE(fn, label, MapType::type)->Threads(1)->Threads(2)

DECADE_MAP_BENCH(lookup, array, Array);
DECADE_MAP_BENCH(lookup, percpu_array, PercpuArray);
DECADE_MAP_BENCH(lookup, hash, Hash);
DECADE_MAP_BENCH(lookup, percpu_hash, PercpuHash);
DECADE_MAP_BENCH(lookup, lru_hash, LruHash);
DECADE_MAP_BENCH(lookup, lru_percpu_hash, LruPercpuHash);
DECADE_MAP_BENCH(update, array, Array);
DECADE_MAP_BENCH(update, percpu_array, PercpuArray);
DECADE_MAP_BENCH(update, hash, Hash);
DECADE_MAP_BENCH(update, percpu_hash, PercpuHash);
DECADE_MAP_BENCH(update, lru_hash, LruHash);
DECADE_MAP_BENCH(update, lru_percpu_hash, LruPercpuHash);
DECADE_MAP_BENCH(update_split, hash, Hash);
DECADE_MAP_BENCH(update_split, percpu_hash, PercpuHash);
DECADE_MAP_BENCH(update_split, lru_hash, LruHash);
DECADE_MAP_BENCH(update_split, lru_percpu_hash, LruPercpuHash);
DECADE_MAP_BENCH(helper_lookup, hash, Hash);
DECADE_MAP_BENCH(helper_lookup, array, Array);
DECADE_MAP_BENCH(jit_lookup, array, Array);
DECADE_MAP_BENCH(jit_loop_baseline, array, Array);

}  // namespace
}  // namespace decade::bench

BENCHMARK_MAIN();
