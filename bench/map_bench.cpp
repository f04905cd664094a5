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
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include <thread>

#include <pthread.h>
#include <sched.h>

#include "decade/decade.hpp"
#ifndef DECADE_BENCH_NO_LIBBPF
#include "kernel_maps.hpp"
#endif
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

// ---- In-program operations, Decade's JIT beside the kernel's ----
//
// bench/map_progs/map_ops.bpf.c's XDP programs make kProgOps helper calls
// per run (lookups or updates of a 1024-key map), run kProgRepeat times per
// test run: by Decade (the default engine, through the embedding API) and by
// the kernel (libbpf, BPF_PROG_TEST_RUN), both from the benchmark's threads,
// each pinned to its own CPU. ns_per_op = the mean run duration each engine's
// test run reports (wall time around the runs, as bpftool prints it) over
// kProgOps. The thread's CPU time is no measure for the kernel here: with
// repeat > 1 its test run spends most of its wall time off the CPU between
// runs. With 2 threads they walk the same keys 17 apart, or (update_split)
// disjoint halves.

constexpr uint32_t kProgOps = 1024;  // map_ops.bpf.c's kOps
constexpr uint32_t kProgRepeat = 16;

std::string map_ops_path() { return std::string(DECADE_BENCH_MAP_PROGS) + "/map_ops.bpf.o"; }

// The packet: struct walk { base, offset, mask } (map_ops.bpf.c), padded to
// an Ethernet frame's minimum.
std::array<uint8_t, 64> walk_packet(bool split, uint32_t thread, uint32_t threads) {
  const uint32_t span = split ? kKeys / threads : kKeys;
  const uint32_t w[3] = {split ? thread * span : 0, split ? 0 : thread * 17 % kKeys, span - 1};
  std::array<uint8_t, 64> packet{};
  std::memcpy(packet.data(), w, sizeof w);
  return packet;
}

// Keeps the calling thread on CPU `cpu` (modulo the CPUs it may use) while
// alive, so two benchmark threads run on two CPUs; restores its mask after.
class PinToCpu {
 public:
  explicit PinToCpu(int index) {
    pthread_getaffinity_np(pthread_self(), sizeof saved_, &saved_);
    const int n = CPU_COUNT(&saved_);
    if (n == 0) return;
    int want = index % n;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &saved_) || want-- != 0) continue;
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      pinned_ = pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0;
      break;
    }
  }
  ~PinToCpu() {
    if (pinned_) pthread_setaffinity_np(pthread_self(), sizeof saved_, &saved_);
  }

 private:
  cpu_set_t saved_{};
  bool pinned_ = false;
};

// map_ops.bpf.o loaded by Decade (JIT), its maps filled with keys 0..1023 = 1.
const BpfObject* decade_map_ops(std::string* why) {
  static std::once_flag once;
  static std::unique_ptr<BpfObject> obj;
  static std::string reason;
  std::call_once(once, [] {
    auto o = BpfObject::open(map_ops_path());
    LoadOptions lo;
    lo.engine = engines().front();
    if (!o) {
      reason = o.error().to_string();
      return;
    }
    if (auto st = o->load(lo); !st) {
      reason = st.error().to_string();
      return;
    }
    for (const char* name : {"hash", "percpu_hash", "lru_hash", "lru_percpu_hash", "array", "percpu_array"}) {
      auto m = o->map(name);
      if (!m) std::abort();
      std::vector<uint8_t> value(m->host_value_size(), 0);
      for (size_t off = 0; off < value.size(); off += 8) value[off] = 1;
      for (uint32_t k = 0; k < kKeys; ++k) {
        if (!m->update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&k), 4), std::span<const uint8_t>(value)))
          std::abort();
      }
    }
    obj = std::make_unique<BpfObject>(std::move(*o));
  });
  if (!obj) *why = reason;
  return obj.get();
}

// Runs map_ops.bpf.o's program `prog` in Decade or the kernel. Lookups of
// hash and array must find every key (sum kProgOps); updates must not fail.
void prog_op(benchmark::State& state, const char* prog, bool kernel, bool split) {
  PinToCpu pin(state.thread_index());
  const auto packet = walk_packet(split, static_cast<uint32_t>(state.thread_index()),
                                  static_cast<uint32_t>(state.threads()));
  const std::string name(prog);
  const bool is_update = name.ends_with("_update");
  const bool must_find_all = name == "hash_lookup" || name == "array_lookup";
  auto ok = [&](uint64_t retval) { return is_update ? retval == 0 : !must_find_all || retval == kProgOps; };
  std::string why;
  double run_ns = 0;  // sum of the mean run durations of every test run
  if (kernel) {
#ifdef DECADE_BENCH_NO_LIBBPF
    state.SkipWithError("kernel: bench_maps was built without libbpf");
    return;
#else
    const KernelMapProgs* k = KernelMapProgs::get(map_ops_path(), &why);
    const int fd = k ? k->prog_fd(name) : -1;
    if (fd < 0) {
      state.SkipWithError(("kernel: " + (why.empty() ? "no program " + name : why)).c_str());
      return;
    }
    for (auto _ : state) {
      uint32_t retval = 0;
      uint64_t ns = 0;
      if (!k->run(fd, packet, kProgRepeat, &retval, &ns, &why) || !ok(retval)) {
        state.SkipWithError(("kernel: " + (why.empty() ? "wrong result" : why)).c_str());
        return;
      }
      run_ns += static_cast<double>(ns);
    }
#endif
  } else {
    const BpfObject* obj = decade_map_ops(&why);
    if (!obj) {
      state.SkipWithError(("decade: " + why).c_str());
      return;
    }
    auto p = obj->program(name);
    if (!p) {
      state.SkipWithError(("decade: " + p.error().to_string()).c_str());
      return;
    }
    TestRunOptions opts;
    opts.data = packet;
    opts.repeat = kProgRepeat;
    for (auto _ : state) {
      auto r = p->test_run(opts);
      if (!r || !ok(r->retval)) {
        state.SkipWithError(("decade: " + (r ? std::string("wrong result") : r.error().to_string())).c_str());
        return;
      }
      run_ns += static_cast<double>(r->duration_ns);
    }
  }
  const double runs = static_cast<double>(state.iterations());
  state.counters["ns_per_op"] = benchmark::Counter(run_ns / runs / kProgOps, benchmark::Counter::kAvgThreads);
  state.SetItemsProcessed(static_cast<int64_t>(runs * kProgRepeat * kProgOps));
}

#define DECADE_PROG_BENCH(op, map)                                                                \
  BENCHMARK_CAPTURE(prog_op, op/map/decade, #map "_" #op, false, false)->Threads(1)->Threads(2);  \
  BENCHMARK_CAPTURE(prog_op, op/map/kernel, #map "_" #op, true, false)->Threads(1)->Threads(2)
#define DECADE_PROG_SPLIT_BENCH(map)                                                              \
  BENCHMARK_CAPTURE(prog_op, update_split/map/decade, #map "_update", false, true)->Threads(2);   \
  BENCHMARK_CAPTURE(prog_op, update_split/map/kernel, #map "_update", true, true)->Threads(2)

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
DECADE_PROG_BENCH(lookup, array);
DECADE_PROG_BENCH(lookup, hash);
DECADE_PROG_BENCH(lookup, lru_hash);
DECADE_PROG_BENCH(lookup, percpu_hash);
DECADE_PROG_BENCH(update, array);
DECADE_PROG_BENCH(update, percpu_array);
DECADE_PROG_BENCH(update, hash);
DECADE_PROG_BENCH(update, percpu_hash);
DECADE_PROG_BENCH(update, lru_hash);
DECADE_PROG_BENCH(update, lru_percpu_hash);
DECADE_PROG_SPLIT_BENCH(hash);
DECADE_PROG_SPLIT_BENCH(lru_hash);

}  // namespace
}  // namespace decade::bench

BENCHMARK_MAIN();
