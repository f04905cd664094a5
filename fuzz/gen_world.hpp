// SPDX-License-Identifier: Apache-2.0
// The fixed environment every generated program is verified and run in
// (verifier_gen.hpp, gen_shapes.hpp): a platform with a plain-context type
// "fuzz" besides the built-in xdp and sched_cls, and one list of maps that
// every program sees at the same indexes (kMap*). The prog_arrays hold
// small programs of their own type, so a program of another type that
// tail-calls into them runs code verified against a context it was not
// given. `canary` is host memory no program is given: its value showing up
// in what a program leaves behind means the program read host memory.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gen_asm.hpp"
#include "guarded_memory.hpp"
#include "interp/interp.hpp"
#include "runtime/guarded_memory.hpp"
#include "runtime/map.hpp"
#include "runtime/maps/ringbuf.hpp"
#include "runtime/platform.hpp"
#include "runtime/registry.hpp"
#include "runtime/run_context.hpp"
#include "verifier/verifier.hpp"

namespace decade::fuzzgen {

inline constexpr uint32_t kCtxSize = 64;

// Map indexes (ld_imm64 map_idx imm). kMapSelf and kMapHuge are per case.
enum : uint32_t {
  kMapArray = 0,   // array, one 16-byte value (the plain prologue's r7)
  kMapHash,        // hash, 8-byte keys, 16-byte values, refilled before every run
  kMapRodata,      // frozen one-entry array (.rodata)
  kMapRingbuf,     // 4 KiB ring buffer, drained after every run
  kMapProgFuzz,    // prog_arrays owned by programs of type fuzz, sched_cls, xdp
  kMapProgSkb,
  kMapProgXdp,
  kMapSelf,        // per case: a prog_array holding the program itself
  kMapHuge,        // per case: the huge-map shape's map (else a 1-entry array)
  kMapResLock,     // array, two 16-byte values with a bpf_res_spin_lock at offset 0
  kMapSpinLock,    // array, one 16-byte value with a bpf_spin_lock at offset 0
  kMapDevmap,      // devmap, slot 0 -> ifindex 1 (bpf_redirect_map)
  kMapCpumap,      // cpumap, slot 0 -> qsize 192
  kMapXskmap,      // xskmap, empty (redirects fall back)
  kMapPerf,        // perf_event_array without readers (bpf_perf_event_output: -ENOENT)
  kMapFmt,         // frozen array holding a bpf_trace_printk format
  kMapSockmap,     // sockmap, 4 slots: slot 0 holds the world's socket (refilled before every run)
  kMapSockhash,    // sockhash, u32 keys: key 0 holds the world's socket (refilled likewise)
  kMapReuseport,   // reuseport_sockarray, slot 0 holds the socket (programs may not look it up)
  kMapWronly,      // array, one 16-byte value, BPF_F_WRONLY_PROG (zeroed before every run)
  kMapCount
};

inline constexpr uint64_t kCanary = 0x5ec2e7c0ffee1234ull;
inline constexpr uint32_t kHashKeys = 3;

inline MapDef map_def(const char* name, MapType type, uint32_t key, uint32_t value, uint32_t entries) {
  MapDef d;
  d.name = name;
  d.type = type;
  d.key_size = key;
  d.value_size = value;
  d.max_entries = entries;
  return d;
}

struct World {
  Platform platform = Platform::standard();
  std::vector<MapDef> defs;
  std::vector<std::shared_ptr<Map>> maps;
  // call kfunc imm 0..8: bpf_iter_num_new, _next, _destroy, bpf_throw,
  // bpf_res_spin_lock, bpf_res_spin_unlock, bpf_iter_bits_new, _next, _destroy.
  std::vector<const FuncProto*> kfuncs;
  const ProgramType* type = nullptr;     // "fuzz"
  const ProgramType* trace = nullptr;    // "fuzz_trace": the same context, a tracing type
  const ProgramType* xdp = nullptr;
  const ProgramType* skb = nullptr;
  // The tail-call targets in the prog_arrays (kernel_triage loads them too).
  struct Target {
    uint32_t map, slot;
    const ProgramType* type;
    Program prog;
    uint32_t id;  // registry id
  };
  std::vector<Target> targets;
  alignas(8) uint64_t canary = kCanary;
  // The one range of host memory the platform makes readable (under its
  // kGrantReadHostMemory) to tracing programs' bpf_probe_read_*: the canary
  // lies outside it, so a read that reaches the canary is an escape.
  alignas(8) uint64_t readable[2] = {0x0123456789abcdefull, 0x0fedcba987654321ull};
  GuardedBuffer ctx_buf{kCtxSize};       // the plain context, flush against a guard page
  // The host's own socket the socket maps hold (a UDP socket bound to
  // loopback with SO_REUSEPORT, which every socket map type accepts), and
  // the pid namespace bpf_get_ns_current_pid_tgid answers for.
  int sock_fd = -1;
  uint64_t sock_cookie = 0;  // its SO_COOKIE, as host lookups of the socket maps give it
  uint64_t ns_dev = 0, ns_ino = 0;
  // The built-in types whose contexts the ctx shape reaches (gen_cases.hpp):
  // tracing records and registers, socket addresses, lwt and sk_skb.
  std::vector<const ProgramType*> ctx_types;

  // A guarded buffer of `size` bytes for a non-packet context (the plain
  // one for kCtxSize), made on first use and reused.
  GuardedBuffer& ctx_buffer(uint32_t size) {
    if (size == 0 || size == kCtxSize) return ctx_buf;
    auto& b = ctx_bufs_[size];
    if (!b) b = std::make_unique<GuardedBuffer>(size);
    return *b;
  }
  // Kept for build()'s callers: the array map and its definition.
  MapDef& def;
  std::shared_ptr<Map>& array;

  World() : defs(kMapCount), maps(kMapCount), def(defs[kMapArray]), array(maps[kMapArray]) {
    set_trace_sink([](std::string_view) {});
    set_guard_pages(true);  // JIT stack frames against a guard page (runtime/guarded_memory.hpp)
    ProgramType t;
    t.name = "fuzz";
    t.ctx_size = kCtxSize;
    t.plain_ctx = true;
    (void)platform.add_program_type(t);
    t.name = "fuzz_trace";
    t.tracing = true;
    (void)platform.add_program_type(t);
    platform.grant(kGrantReadHostMemory);
    (void)platform.add_readable_range({reinterpret_cast<uint64_t>(readable), sizeof readable});
    type = platform.program_type("fuzz");
    trace = platform.program_type("fuzz_trace");
    xdp = platform.program_type("xdp");
    skb = platform.program_type("sched_cls");
    for (const char* n : {"kprobe", "tracepoint", "raw_tracepoint", "perf_event", "socket_filter", "cgroup_skb",
                          "lwt_in", "lwt_out", "lwt_xmit", "lwt_seg6local", "sk_skb", "cgroup_inet4_connect",
                          "cgroup_inet6_connect", "cgroup_udp4_sendmsg", "cgroup_udp6_recvmsg", "cgroup_unix_connect",
                          "cgroup_inet_sock_create", "cgroup_inet4_post_bind", "cgroup_inet6_post_bind"})
      if (const ProgramType* t = platform.program_type(n)) ctx_types.push_back(t);
    for (const char* k : {"bpf_iter_num_new", "bpf_iter_num_next", "bpf_iter_num_destroy", "bpf_throw",
                          "bpf_res_spin_lock", "bpf_res_spin_unlock", "bpf_iter_bits_new", "bpf_iter_bits_next",
                          "bpf_iter_bits_destroy"})
      kfuncs.push_back(platform.kfunc(k));
    // One entry: the kernel gives direct value access (ld_imm64 src 2) to single-entry arrays only.
    defs[kMapArray] = map_def("array", MapType::Array, 4, 16, 1);
    defs[kMapHash] = map_def("hash", MapType::Hash, 8, 16, 8);
    defs[kMapRodata] = map_def("rodata", MapType::Array, 4, 16, 1);
    defs[kMapRodata].frozen = true;
    defs[kMapRodata].map_flags = kMapFRdonlyProg;
    defs[kMapRingbuf] = map_def("ringbuf", MapType::Ringbuf, 0, 0, 4096);
    defs[kMapProgFuzz] = map_def("progs_fuzz", MapType::ProgArray, 4, 4, 4);
    defs[kMapProgSkb] = map_def("progs_skb", MapType::ProgArray, 4, 4, 4);
    defs[kMapProgXdp] = map_def("progs_xdp", MapType::ProgArray, 4, 4, 4);
    defs[kMapSelf] = map_def("progs_self", MapType::ProgArray, 4, 4, 1);
    defs[kMapHuge] = map_def("small", MapType::Array, 4, 8, 1);
    defs[kMapResLock] = map_def("res_locked", MapType::Array, 4, 16, 2);
    defs[kMapResLock].res_lock_off = 0;
    defs[kMapSpinLock] = map_def("spin_locked", MapType::Array, 4, 16, 1);
    defs[kMapSpinLock].spin_lock_off = 0;
    defs[kMapDevmap] = map_def("devmap", MapType::Devmap, 4, 4, 4);
    defs[kMapCpumap] = map_def("cpumap", MapType::Cpumap, 4, 4, 4);
    defs[kMapXskmap] = map_def("xskmap", MapType::Xskmap, 4, 4, 4);
    defs[kMapPerf] = map_def("perf", MapType::PerfEventArray, 4, 4, 4);
    defs[kMapFmt] = map_def("fmt", MapType::Array, 4, 16, 1);
    defs[kMapFmt].frozen = true;
    defs[kMapFmt].map_flags = kMapFRdonlyProg;
    defs[kMapSockmap] = map_def("sockmap", MapType::Sockmap, 4, 8, 4);
    defs[kMapSockhash] = map_def("sockhash", MapType::Sockhash, 4, 8, 4);
    defs[kMapReuseport] = map_def("reuseport", MapType::ReuseportSockarray, 4, 8, 4);
    defs[kMapWronly] = map_def("wronly", MapType::Array, 4, 16, 1);
    defs[kMapWronly].map_flags = kMapFWronlyProg;
    for (uint32_t i = 0; i < kMapCount; ++i) {
      auto m = create_map(defs[i]);
      if (!m) std::abort();
      maps[i] = std::shared_ptr<Map>(std::move(*m));
    }
    const uint32_t zero = 0;
    const uint8_t ro[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    (void)maps[kMapRodata]->host_update(&zero, ro, 0);
    const char fmt[16] = "pkt %d\n";
    (void)maps[kMapFmt]->host_update(&zero, fmt, 0);
    const uint32_t ifindex = 1, qsize = 192;
    (void)maps[kMapDevmap]->host_update(&zero, &ifindex, 0);
    (void)maps[kMapCpumap]->host_update(&zero, &qsize, 0);
    open_socket();
    for (uint32_t m : {kMapSockmap, kMapSockhash, kMapReuseport}) fill_sockets(m);
    if (sock_fd >= 0) (void)maps[kMapSockmap]->host_lookup(&zero, &sock_cookie, 0);
    struct stat ns{};
    if (stat("/proc/self/ns/pid", &ns) == 0) ns_dev = ns.st_dev, ns_ino = ns.st_ino;
    install_targets();
  }
  ~World() {
    for (const Target& t : targets) unregister_program(t.id);
    if (sock_fd >= 0) close(sock_fd);
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  std::vector<const MapDef*> def_ptrs() const {
    std::vector<const MapDef*> v;
    for (const MapDef& d : defs) v.push_back(&d);
    return v;
  }

  // Per-run state back to where every engine starts from: the hash map's
  // elements, an empty ring buffer, free locks.
  void reset_maps() {
    for (uint32_t m : {kMapResLock, kMapSpinLock})
      for (uint32_t k = 0; k < defs[m].max_entries; ++k)
        if (auto* v = static_cast<uint32_t*>(maps[m]->lookup(&k))) *v = 0;
    Map& h = *maps[kMapHash];
    uint64_t key = 0, next = 0;
    for (int guard = 0; guard < 64 && h.get_next_key(nullptr, &next); ++guard) (void)h.erase(&next);
    for (uint32_t i = 0; i < kHashKeys; ++i) {
      key = 0x1000 + i;
      uint8_t v[16] = {};
      v[0] = static_cast<uint8_t>(i);
      (void)h.host_update(&key, v, 0);
    }
    static_cast<RingBufMap&>(*maps[kMapRingbuf]).consume([](std::span<const uint8_t>) { return 0; });
    // The socket maps as the host filled them (a program may have deleted
    // the socket or put it in another slot); refilled only when changed,
    // since inserting a socket costs system calls.
    for (uint32_t m : {kMapSockmap, kMapSockhash})
      if (!sockets_as_filled(m)) fill_sockets(m);
    const uint32_t k0 = 0;
    if (auto* v = static_cast<uint8_t*>(maps[kMapWronly]->lookup(&k0))) std::memset(v, 0, 16);
  }

  // Nothing a run acquired outlives it: every lock word is free and the
  // ring buffer holds no reserved record (draining it reaches the producer).
  bool resources_free(std::string* why) {
    for (uint32_t m : {kMapResLock, kMapSpinLock})
      for (uint32_t k = 0; k < defs[m].max_entries; ++k)
        if (const auto* v = static_cast<const uint32_t*>(maps[m]->lookup(&k)); v && *v != 0) {
          if (why) *why = defs[m].name + "[" + std::to_string(k) + "]: the lock is still held after the run";
          return false;
        }
    auto& rb = static_cast<RingBufMap&>(*maps[kMapRingbuf]);
    rb.consume([](std::span<const uint8_t>) { return 0; });
    if (rb.query(2) != rb.query(3)) {  // BPF_RB_CONS_POS, BPF_RB_PROD_POS
      if (why) *why = "ring buffer: a reserved record was neither submitted nor discarded";
      return false;
    }
    return true;
  }

  // The hash map holds kHashKeys distinct keys (a program may have changed
  // values and added or deleted elements, never made two elements share a
  // key nor broken the walk).
  bool hash_intact(std::string* why) {
    Map& h = *maps[kMapHash];
    std::vector<uint64_t> seen;
    uint64_t key = 0, next = 0;
    const void* prev = nullptr;
    while (h.get_next_key(prev, &next)) {
      for (uint64_t s : seen)
        if (s == next) {
          if (why) *why = "hash map: two elements share key " + std::to_string(next);
          return false;
        }
      seen.push_back(next);
      if (seen.size() > defs[kMapHash].max_entries) {
        if (why) *why = "hash map: the walk visits more elements than max_entries";
        return false;
      }
      key = next;
      prev = &key;
    }
    return true;
  }

 private:
  void install_targets();
  // Socket map m holds the socket at key 0 and nothing else.
  bool sockets_as_filled(uint32_t m) {
    uint64_t cookie = 0;
    for (uint32_t k = 0; k < defs[m].max_entries; ++k) {
      const long rc = maps[m]->host_lookup(&k, &cookie, 0);
      if (k == 0 ? sock_fd >= 0 && (rc != 0 || cookie != sock_cookie) : rc != -ENOENT) return false;
    }
    return true;
  }
  void fill_sockets(uint32_t m) {
    for (uint32_t k = 0; k < defs[m].max_entries; ++k) (void)maps[m]->erase(&k);
    const uint32_t k0 = 0;
    const uint64_t fd = static_cast<uint64_t>(sock_fd);
    if (sock_fd >= 0) (void)maps[m]->host_update(&k0, &fd, 0);
  }
  // sock_fd: bound to 127.0.0.1, an ephemeral port, SO_REUSEPORT (the
  // reuseport array's requirement); -1 where sockets are unavailable.
  void open_socket() {
    sock_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (sock_fd >= 0 && (setsockopt(sock_fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
                         bind(sock_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)) {
      close(sock_fd);
      sock_fd = -1;
    }
  }
  Status install(uint32_t map, uint32_t slot, const ProgramType& t, Asm& a);

 private:
  std::map<uint32_t, std::unique_ptr<GuardedBuffer>> ctx_bufs_;
};

// A target verified as `t` and compiled checked, so an access outside what
// its caller was given is reported by whichever engine runs the caller.
inline Status World::install(uint32_t map, uint32_t slot, const ProgramType& t, Asm& a) {
  auto prog = a.finish();
  if (!prog) return std::unexpected(prog.error());
  VerifyInput in;
  in.program = &*prog;
  in.platform = &platform;
  in.type = &t;
  auto v = verify(in);
  if (!v) return std::unexpected(v.error());
  ProgramEnv env;
  env.platform = &platform;
  auto exe = interp::compile_checked(*prog, env);
  if (!exe) return std::unexpected(exe.error());
  auto h = std::make_shared<ProgramHandle>();
  h->executable = std::move(*exe);
  h->profile.program_type = t.name;
  h->name = t.name + "_target" + std::to_string(slot);
  const uint32_t id = register_program(h);
  targets.push_back({map, slot, &t, *prog, id});
  if (maps[map]->host_update(&slot, &id, 0) != 0) return make_error(ErrorCode::InvalidArgument, "prog_array refused");
  return ok();
}

inline void World::install_targets() {
  using O = Op;
  Asm f0;  // fuzz: reads and writes the whole plain context
  f0.emit(make_insn(O::LDXDW, 0, 1, 56));
  f0.emit(make_insn(O::STXDW, 1, 0, 0));
  f0.emit(make_insn(O::MOV64_IMM, 0, 0, 0, 1));
  f0.emit(make_insn(O::EXIT));
  Asm s0;  // sched_cls: __sk_buff fields far past an xdp_md (mark, cb[0], cb[4], tc_classid)
  s0.emit(make_insn(O::LDXW, 2, 1, 8));
  s0.emit(make_insn(O::ADD64_IMM, 2, 0, 0, 1));
  s0.emit(make_insn(O::STXW, 1, 2, 8));
  s0.emit(make_insn(O::LDXW, 3, 1, 48));
  s0.emit(make_insn(O::STXW, 1, 3, 64));
  s0.emit(make_insn(O::LDXW, 0, 1, 72));
  s0.emit(make_insn(O::EXIT));
  Asm x0, x1, x2;  // xdp: shrink the packet at the tail, at the head, grow the metadata
  const std::pair<Asm*, std::pair<int32_t, int32_t>> xs[] = {
      {&x0, {65, -8}}, {&x1, {44, 8}}, {&x2, {54, -8}}};
  for (auto [a, hd] : xs) {
    a->emit(make_insn(O::MOV64_IMM, 2, 0, 0, hd.second));
    a->emit(make_insn(O::CALL_HELPER, 0, 0, 0, hd.first));
    a->emit(make_insn(O::MOV64_IMM, 0, 0, 0, 2));
    a->emit(make_insn(O::EXIT));
  }
  bool ok = install(kMapProgFuzz, 0, *type, f0).has_value();
  ok = install(kMapProgSkb, 0, *skb, s0).has_value() && ok;
  ok = install(kMapProgXdp, 0, *xdp, x0).has_value() && ok;
  ok = install(kMapProgXdp, 1, *xdp, x1).has_value() && ok;
  ok = install(kMapProgXdp, 2, *xdp, x2).has_value() && ok;
  if (!ok) std::abort();
}

}  // namespace decade::fuzzgen
