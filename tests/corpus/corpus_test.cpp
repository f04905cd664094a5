// SPDX-License-Identifier: Apache-2.0
// The vendored public corpus (tests/corpus/README.md): every xdp and tc
// program of xdp-project/xdp-tutorial and xdp-project/xdp-tools, built
// unchanged (tests/corpus.cmake), runs in both Decade engines on the packets
// below and, where bpf() works, in the kernel's BPF_PROG_TEST_RUN on the
// same packets with the same map contents: the return values and output
// bytes must be the same everywhere, and both engines must report the same
// redirect target (the kernel's test run reports none).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "corpus_kernel.hpp"
#include "corpus_packets.hpp"
#include "decade/decade.hpp"

namespace decade {
namespace {

using corpus::Fill;
using corpus::Packet;

std::string obj_path(const std::string& rel) { return std::string(DECADE_BINARY_DIR) + "/bpf/corpus/" + rel; }

struct ObjectCase {
  const char* object;        // under build/bpf/corpus/
  const char* default_type;  // for programs whose section names no type (bpftool's `type`), "" for none
  std::vector<Fill> fills;   // written after load, before the runs, on both sides
};

// Map contents the programs read: redirect maps pointing at the loopback
// device (ifindex 1, which the kernel's test runs have too), the MAC table
// of the tutorial's redirect programs, and xdp-filter's rules matching some
// of the packets (by port 80, source 10.0.0.1, fd00::1 and the source MAC).
Fill devmap_lo(const char* map) { return {map, corpus::u32(0), corpus::u32(1)}; }
Fill devmap_val_lo(const char* map) { return {map, corpus::u32(0), corpus::u32s({1, 0})}; }
const std::vector<Fill> kTutorialRedirect = {
    devmap_lo("tx_port"), {"redirect_params", corpus::kDstMac, corpus::kRedirectMac}};
const std::vector<Fill> kFilter = {
    {"filter_ports", corpus::u32(0x5000), corpus::u64(0xe), true},          // port 80: dst, tcp, udp
    {"filter_ipv4", corpus::u32(0x0100000a), corpus::u64(0x1), true},       // 10.0.0.1 as source
    {"filter_ipv6", corpus::kSrcIp6, corpus::u64(0x1), true},               // fd00::1 as source
    {"filter_ethernet", corpus::kSrcMac, corpus::u64(0x1), true},           // 02:00:00:00:00:01 as source
};

const std::vector<ObjectCase> kObjects = {
    {"xdp-tutorial/basic01-xdp-pass/xdp_pass_kern.o", "", {}},
    {"xdp-tutorial/basic02-prog-by-name/xdp_prog_kern.o", "", {}},
    {"xdp-tutorial/basic03-map-counter/xdp_prog_kern.o", "", {}},
    {"xdp-tutorial/basic04-pinning-maps/xdp_prog_kern.o", "", {}},
    {"xdp-tutorial/packet01-parsing/xdp_prog_kern.o", "", {}},
    {"xdp-tutorial/packet02-rewriting/xdp_prog_kern.o", "", {}},
    {"xdp-tutorial/packet03-redirecting/xdp_prog_kern.o", "", kTutorialRedirect},  // tx_port pinned by name
    {"xdp-tutorial/packet-solutions/xdp_prog_kern_02.o", "xdp", {}},
    {"xdp-tutorial/packet-solutions/xdp_prog_kern_03.o", "xdp", kTutorialRedirect},
    {"xdp-tutorial/packet-solutions/xdp_vlan01_kern.o", "xdp", {}},
    {"xdp-tutorial/packet-solutions/xdp_vlan02_kern.o", "xdp", {}},
    {"xdp-tutorial/packet-solutions/tc_reply_kern_02.o", "", {}},
    {"xdp-tutorial/experiment01-tailgrow/xdp_prog_kern.o", "xdp", {}},
    {"xdp-tutorial/experiment01-tailgrow/xdp_prog_kern2.o", "xdp", {}},
    {"xdp-tutorial/experiment01-tailgrow/xdp_prog_kern3.o", "xdp", {}},
    {"xdp-tutorial/experiment01-tailgrow/xdp_prog_kern4.o", "xdp", {}},
    {"xdp-tutorial/advanced03-AF_XDP/af_xdp_kern.o", "", {}},
    {"xdp-tutorial/tracing01-xdp-simple/xdp_prog_kern.o", "", {}},
    {"xdp-tutorial/tracing03-xdp-debug-print/xdp_prog_kern.o", "", {}},
    {"xdp-tutorial/tracing04-xdp-tcpdump/xdp_sample_pkts_kern.o", "", {}},
    {"xdp-tools/xdp-filter/xdpfilt_alw_all.o", "", kFilter},
    {"xdp-tools/xdp-filter/xdpfilt_alw_eth.o", "", kFilter},
    {"xdp-tools/xdp-filter/xdpfilt_alw_ip.o", "", kFilter},
    {"xdp-tools/xdp-filter/xdpfilt_alw_tcp.o", "", kFilter},
    {"xdp-tools/xdp-filter/xdpfilt_alw_udp.o", "", kFilter},
    {"xdp-tools/xdp-filter/xdpfilt_dny_all.o", "", kFilter},
    {"xdp-tools/xdp-filter/xdpfilt_dny_eth.o", "", kFilter},
    {"xdp-tools/xdp-filter/xdpfilt_dny_ip.o", "", kFilter},
    {"xdp-tools/xdp-filter/xdpfilt_dny_tcp.o", "", kFilter},
    {"xdp-tools/xdp-filter/xdpfilt_dny_udp.o", "", kFilter},
    {"xdp-tools/xdp-forward/xdp_forward.bpf.o", "", {{"xdp_tx_ports", corpus::u32(1), corpus::u32(1)}}},
    {"xdp-tools/lib/util/xdpsock.bpf.o", "", {}},
    {"xdp-tools/lib/util/xdp_load_bytes.bpf.o", "", {}},
    {"xdp-tools/lib/libxdp/xsk_def_xdp_prog.o", "", {}},
    {"xdp-tools/lib/libxdp/xsk_def_xdp_prog_5.3.o", "", {}},
    {"xdp-tools/lib/libxdp/tests/xdp_pass.o", "", {}},
    {"xdp-tools/xdp-bench/xdp_basic.bpf.o", "", {}},
    {"xdp-tools/xdp-bench/xdp_redirect_basic.bpf.o", "", {}},
    {"xdp-tools/xdp-bench/xdp_redirect_cpumap.bpf.o", "",
     {{"cpu_map", corpus::u32(0), corpus::u32s({192, 0})},
      {"cpus_available", corpus::u32(0), corpus::u32(0)},
      {"cpus_count", corpus::u32(0), corpus::u32(1)},
      devmap_val_lo("tx_port")}},
    {"xdp-tools/xdp-bench/xdp_redirect_devmap.bpf.o", "", {devmap_lo("tx_port_general"), devmap_val_lo("tx_port_native")}},
    {"xdp-tools/xdp-bench/xdp_redirect_devmap_multi.bpf.o", "",
     {devmap_lo("forward_map_general"), devmap_val_lo("forward_map_native")}},
    {"xdp-tools/xdp-trafficgen/xdp_trafficgen.bpf.o", "", {}},
};

// Programs of the corpus that no engine runs, and why; every other xdp and
// tc program of the objects above must run. Rejections must be the
// kernel's too (checked where bpf() works).
const std::map<std::string, std::string> kExpectedRejections = {
    {"xdp-tutorial/packet01-parsing/xdp_prog_kern.o:xdp_parser_func",
     "the tutorial's unfinished exercise: reads the Ethernet header past the checked bound (the kernel refuses it too)"},
};

// Programs Decade does not run where the kernel does, and why
// (docs/corpus.md): none now. The last one, xdp-tutorial's
// xdp_redirect_map_func, declares its devmap LIBBPF_PIN_BY_NAME, which
// Decade pins since redirect maps can be pinned.
const std::map<std::string, std::string> kDecadeGaps = {};

// Programs that write bpf_ktime_get_ns() into the packet: the last bytes
// of their output differ on every run and are left out of the comparison
// (the length and every other byte still count).
const std::map<std::string, size_t> kClockTail = {
    {"xdp-tutorial/experiment01-tailgrow/xdp_prog_kern.o:grow_parse", 8},  // struct my_timestamp's time
};

std::vector<uint8_t> without_clock(const std::string& id, std::vector<uint8_t> bytes) {
  const auto it = kClockTail.find(id);
  if (it != kClockTail.end())
    std::fill(bytes.end() - static_cast<std::ptrdiff_t>(std::min(it->second, bytes.size())), bytes.end(), 0);
  return bytes;
}

bool is_packet_type(std::string_view t) { return t == "xdp" || t == "sched_cls"; }

// One Decade object loaded with `engine`, maps sized and filled as the
// projects' loaders do.
struct DecadeSide {
  std::optional<BpfObject> obj;
  std::vector<std::string> programs;  // the packet programs it runs
  std::map<std::string, Error> rejected;
  std::vector<std::string> gaps;  // kDecadeGaps
};

DecadeSide load_decade(const ObjectCase& c, const std::string& engine, const std::string& pin_dir) {
  DecadeSide d;
  auto o = BpfObject::open(obj_path(c.object));
  EXPECT_TRUE(o) << c.object << ": " << o.error().to_string();
  if (!o) return d;
  for (const std::string& name : o->program_names()) {
    auto p = o->program(name);
    if (*c.default_type && p && p->type().empty()) {
      EXPECT_TRUE(o->set_program_type(name, c.default_type)) << name;
    }
  }
  (void)o->grant(Grant::Privileged);  // bpftool as root: the kernel's verifier rules for root
  for (const std::string& m : o->map_names()) {
    auto map = o->map(m);
    if (map && map->max_entries() == 0 && map->type() != 4 /* perf_event_array: one slot per CPU */) {
      EXPECT_TRUE(o->set_max_entries(m, corpus::possible_cpus())) << m;
    }
  }
  // The packet programs load together; the expected rejections are
  // verified on their own (and must be rejected), the other types of the
  // objects (tracepoints) are left out.
  for (const std::string& name : o->program_names()) {
    auto p = o->program(name);
    const std::string id = std::string(c.object) + ":" + name;
    if (!p || !is_packet_type(p->type())) {
      (void)o->set_autoload(name, false);
    } else if (kDecadeGaps.contains(id)) {
      (void)o->set_autoload(name, false);
      d.gaps.push_back(name);
    } else if (kExpectedRejections.contains(id)) {
      (void)o->set_autoload(name, false);
      auto reports = o->verify_programs(name);
      EXPECT_TRUE(reports && reports->size() == 1 && !reports->front().accepted) << id << " was expected to be rejected";
      if (reports && reports->size() == 1) d.rejected[name] = reports->front().error;
    } else {
      d.programs.push_back(name);
    }
  }
  LoadOptions lo;
  lo.engine = engine;
  lo.pin_dir = pin_dir;  // pinned maps (xdp-filter's, the tutorial's) are the test's own
  auto st = o->load(lo);
  EXPECT_TRUE(st) << c.object << " (" << engine << "): " << st.error().to_string();
  if (!st) return d;
  // Rules for maps the object has and creates (xdp-filter's variants have
  // some of its four tables; a map only a program Decade does not load
  // uses is not created).
  for (const Fill& f : c.fills) {
    auto map = o->map(f.map);
    if (!map || map->id() == 0) continue;
    const auto value = f.percpu ? corpus::per_cpu(f.value, map->host_value_size()) : f.value;
    auto s = map->update(std::span<const uint8_t>(f.key), std::span<const uint8_t>(value));
    EXPECT_TRUE(s) << c.object << ": fill " << f.map << ": " << s.error().to_string();
  }
  d.obj = std::move(*o);
  return d;
}

std::string describe(const std::optional<Redirect>& r) {
  if (!r) return "none";
  std::string s = std::to_string(static_cast<int>(r->kind)) + ":";
  for (uint32_t t : r->targets) s += std::to_string(t) + ",";
  return s + r->map + "/" + std::to_string(r->key);
}

TEST(Corpus, EveryProgramRunsInBothEnginesAsInTheKernel) {
  const std::vector<Packet> packets = corpus::packets();
  const std::vector<std::string> engs = engines();
  corpus::Kernel kernel;
  if (!kernel.available())
    std::cout << "[ corpus ] kernel comparison skipped: " << kernel.why_unavailable() << "\n";
  size_t programs = 0, decade_runs = 0, kernel_loads = 0, kernel_runs = 0, compared = 0;
  const auto pins = std::filesystem::temp_directory_path() / ("decade_corpus_" + std::to_string(getpid()));
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{pins};
  for (const ObjectCase& c : kObjects) {
    std::vector<DecadeSide> sides;
    for (const std::string& e : engs) {
      // A pin directory per object and engine: each load starts from empty maps, as the kernel's does.
      const auto dir = pins / (std::to_string(sides.size()) + "_" + std::to_string(&c - kObjects.data()));
      std::filesystem::create_directories(dir);
      sides.push_back(load_decade(c, e, dir.string()));
    }
    if (sides.empty() || !sides[0].obj) continue;
    DecadeSide& first = sides[0];
    std::vector<std::string> all = first.programs;
    for (const auto& [name, err] : first.rejected) all.push_back(name);
    all.insert(all.end(), first.gaps.begin(), first.gaps.end());
    for (const std::string& name : all) {
      ++programs;
      const std::string id = std::string(c.object) + ":" + name;
      const bool runs = !first.rejected.contains(name) && !kDecadeGaps.contains(id);
      if (runs) ++decade_runs;
      std::optional<corpus::KernelProgram> kp;
      if (kernel.available()) {
        kp = kernel.load(obj_path(c.object), name, c.default_type, c.fills);
        if (kp->loaded) ++kernel_loads;
        if (!kDecadeGaps.contains(id)) {
          EXPECT_EQ(kp->loaded, runs) << id << ": kernel " << (kp->loaded ? "loads" : "refuses: " + kp->error)
                                      << ", Decade " << (runs ? "runs it" : "refuses");
        }
      }
      if (!runs) continue;
      bool kernel_ran = false;
      for (const Packet& pkt : packets) {
        std::vector<TestRunResult> results;
        for (size_t i = 0; i < sides.size(); ++i) {
          auto p = sides[i].obj->program(name);
          ASSERT_TRUE(p) << id;
          TestRunOptions o;
          o.data = pkt.bytes;
          auto r = p->test_run(o);
          ASSERT_TRUE(r) << id << " on " << pkt.name << " (" << engs[i] << "): " << r.error().to_string();
          results.push_back(std::move(*r));
        }
        for (size_t i = 1; i < results.size(); ++i) {
          EXPECT_EQ(results[i].retval, results[0].retval) << id << " on " << pkt.name << ": " << engs[i];
          EXPECT_EQ(without_clock(id, results[i].data_out), without_clock(id, results[0].data_out))
              << id << " on " << pkt.name << ": " << engs[i];
          EXPECT_EQ(describe(results[i].redirect), describe(results[0].redirect)) << id << " on " << pkt.name;
        }
        if (!kp || !kp->loaded) continue;
        auto k = kernel.run(*kp, pkt.bytes);
        if (!k.ran) continue;  // the kernel cannot test-run it (devmap and cpumap programs): Decade alone
        kernel_ran = true;
        ++compared;
        EXPECT_EQ(static_cast<uint32_t>(results[0].retval), k.retval) << id << " on " << pkt.name << " vs the kernel";
        EXPECT_EQ(without_clock(id, results[0].data_out), without_clock(id, k.data_out))
            << id << " on " << pkt.name << " vs the kernel";
      }
      if (kernel_ran) ++kernel_runs;
    }
  }
  std::cout << "[ corpus ] " << programs << " xdp/tc programs: Decade runs " << decade_runs << " (both engines)";
  if (kernel.available())
    std::cout << ", the kernel loads " << kernel_loads << " and test-runs " << kernel_runs << "; " << compared
              << " program-and-packet runs compared with the kernel";
  std::cout << "\n";
  RecordProperty("programs", static_cast<int>(programs));
  RecordProperty("decade_runs", static_cast<int>(decade_runs));
  RecordProperty("kernel_loads", static_cast<int>(kernel_loads));
}

// xdp-bench declares its per-CPU counters without max_entries and sizes
// them before load (libbpf's bpf_map__set_max_entries): the load fails
// without the size, as the kernel's map creation does, and holds it after.
TEST(Corpus, SetMaxEntriesSizesMapsTheLoaderSizes) {
  for (const std::string& engine : engines()) {
    auto plain = BpfObject::open(obj_path("xdp-tools/xdp-bench/xdp_basic.bpf.o"));
    ASSERT_TRUE(plain) << plain.error().to_string();
    auto st = plain->load({.engine = engine});
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::MapBadMaxEntries);

    auto o = BpfObject::open(obj_path("xdp-tools/xdp-bench/xdp_basic.bpf.o"));
    ASSERT_TRUE(o);
    EXPECT_EQ(o->set_max_entries("no_such_map", 4).error().code, ErrorCode::MapNotFound);
    EXPECT_EQ(o->set_max_entries(".rodata", 4).error().code, ErrorCode::MapBadType);
    for (const std::string& m : o->map_names()) {
      if (o->map(m)->max_entries() == 0) {
        ASSERT_TRUE(o->set_max_entries(m, 3)) << m;
      }
    }
    for (const std::string& name : o->program_names()) {
      if (o->program(name)->type() != "xdp") {
        ASSERT_TRUE(o->set_autoload(name, false));  // its tp_btf statistics programs (docs/corpus.md)
      }
    }
    auto st2 = o->load({.engine = engine});
    ASSERT_TRUE(st2) << engine << ": " << st2.error().to_string();
    EXPECT_EQ(o->map("rx_cnt")->max_entries(), 3u);
    EXPECT_EQ(o->set_max_entries("rx_cnt", 4).error().code, ErrorCode::InvalidArgument);  // after load
    auto r = o->program("xdp_basic_prog")->test_run({.data = corpus::packets()[0].bytes});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->retval, 1u);  // XDP_DROP, the default action of its .rodata
  }
}

}  // namespace
}  // namespace decade
