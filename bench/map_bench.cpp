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
// update_paired and split_paired (2 threads only) are update and
// update_split measured only while both threads really run at once. On a
// loaded machine the two threads of update/threads:2 mostly take turns on
// one CPU, and their CPU time then misses the contention (or, with a
// sleeping lock, hides it). Here both threads are released together into
// rounds of kRoundOps updates; a round counts only when neither thread lost
// its CPU during it (its CPU time is at least 95% of its wall time) and the
// two rounds overlapped by at least 90%. ns_per_op is the wall time per
// update over the counted rounds; rounds_counted says how many there were.
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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

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

// The keys a thread updates: all of them, threads starting 17 apart, or
// (split) only thread i of n's keys [i * 1024 / n, (i + 1) * 1024 / n).
class KeyWalk {
 public:
  KeyWalk(bool split, uint32_t thread, uint32_t threads)
      : n_(split ? kKeys / threads : kKeys), base_(split ? thread * n_ : 0), i_(split ? 0 : thread * 17 % kKeys) {}
  uint32_t next() {
    const uint32_t key = base_ + i_;
    i_ = i_ + 1 == n_ ? 0 : i_ + 1;
    return key;
  }

 private:
  uint32_t n_, base_, i_;
};

void updates(benchmark::State& state, MapType type, bool split) {
  Map* m = shared_map(type);
  KeyWalk keys(split, static_cast<uint32_t>(state.thread_index()), static_cast<uint32_t>(state.threads()));
  uint64_t value = 42;
  for (auto _ : state) {
    uint32_t key = keys.next();
    if (m->update(&key, &value, kBpfAny) != 0) {
      state.SkipWithError("update failed");
      break;
    }
    ++value;
  }
  state.SetItemsProcessed(state.iterations());
}

void update(benchmark::State& state, MapType type) { updates(state, type, false); }
void update_split(benchmark::State& state, MapType type) { updates(state, type, true); }

uint64_t thread_cpu_ns();

uint64_t wall_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

// Two threads meet here; spinning, so both leave at the same moment when
// both are on a CPU (yielding after a while, so a descheduled partner gets
// to run on a loaded machine).
class PairBarrier {
 public:
  void wait() {
    const uint32_t phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == 1) {
      arrived_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
      return;
    }
    for (uint32_t spins = 0; phase_.load(std::memory_order_acquire) == phase;)
      if (++spins > 4096) std::this_thread::yield();
  }

 private:
  std::atomic<uint32_t> arrived_{0}, phase_{0};
};

struct PairRound {
  uint64_t start, end, cpu;
};

constexpr uint32_t kRoundOps = 4096;

void paired(benchmark::State& state, MapType type, bool split) {
  static PairBarrier barrier;
  static PairRound rounds[2];
  static uint64_t counted, counted_wall;
  Map* m = shared_map(type);
  const int me = state.thread_index();
  if (me == 0) counted = counted_wall = 0;  // before the start barrier of the loop below
  KeyWalk keys(split, static_cast<uint32_t>(me), 2);
  uint64_t value = 42;
  for (auto _ : state) {
    barrier.wait();
    const uint64_t c0 = thread_cpu_ns(), t0 = wall_ns();
    for (uint32_t op = 0; op < kRoundOps; ++op) {
      uint32_t key = keys.next();
      if (m->update(&key, &value, kBpfAny) != 0) std::abort();
      ++value;
    }
    const uint64_t t1 = wall_ns();
    rounds[me] = {t0, t1, thread_cpu_ns() - c0};
    barrier.wait();
    if (me == 0) {
      const PairRound &a = rounds[0], &b = rounds[1];
      const uint64_t wa = a.end - a.start, wb = b.end - b.start;
      const uint64_t lo = std::max(a.start, b.start), hi = std::min(a.end, b.end);
      const bool ran = a.cpu * 100 >= wa * 95 && b.cpu * 100 >= wb * 95;
      if (ran && hi > lo && (hi - lo) * 10 >= std::max(wa, wb) * 9) {
        ++counted;
        counted_wall += wa + wb;
      }
    }
    barrier.wait();  // rounds[] is read before the next round writes it
  }
  if (me != 0) return;
  // No counted round (a machine too loaded to run both at once): NaN, not a number that means something.
  state.counters["ns_per_op"] = counted ? static_cast<double>(counted_wall) / (2.0 * kRoundOps * static_cast<double>(counted))
                                        : std::numeric_limits<double>::quiet_NaN();
  state.counters["rounds_counted"] = static_cast<double>(counted);
}

void update_paired(benchmark::State& state, MapType type) { paired(state, type, false); }
void split_paired(benchmark::State& state, MapType type) { paired(state, type, true); }

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
BENCHMARK_CAPTURE(update_paired, hash, MapType::Hash)->Threads(2);
BENCHMARK_CAPTURE(update_paired, percpu_hash, MapType::PercpuHash)->Threads(2);
BENCHMARK_CAPTURE(update_paired, lru_hash, MapType::LruHash)->Threads(2);
BENCHMARK_CAPTURE(update_paired, lru_percpu_hash, MapType::LruPercpuHash)->Threads(2);
BENCHMARK_CAPTURE(split_paired, hash, MapType::Hash)->Threads(2);
BENCHMARK_CAPTURE(split_paired, lru_hash, MapType::LruHash)->Threads(2);
DECADE_MAP_BENCH(helper_lookup, hash, Hash);
DECADE_MAP_BENCH(helper_lookup, array, Array);
DECADE_MAP_BENCH(jit_lookup, array, Array);
DECADE_MAP_BENCH(jit_loop_baseline, array, Array);

}  // namespace
}  // namespace decade::bench

BENCHMARK_MAIN();
