// SPDX-License-Identifier: Apache-2.0
// Embedding Decade from C++: the host side of demo/packet_filter.bpf.c.
// Opens the filter, sets its `const volatile` configuration, loads it (the
// verifier proves it safe), blocks a prefix in its LPM trie, runs it over
// packet files (hex text, '#' comments) and prints verdicts, per-protocol
// statistics (pretty-printed from BTF) and the global counters.
//
//   packet_filter_host [--engine jit|interp] [--drop-icmp] filter.bpf.o PACKET.hex...
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "decade/decade.hpp"

namespace {

std::vector<uint8_t> read_hex(const std::string& path, bool& ok) {
  std::ifstream f(path);
  ok = static_cast<bool>(f);
  std::vector<uint8_t> out;
  std::string line;
  while (std::getline(f, line)) {
    line = line.substr(0, line.find('#'));
    std::string digits;
    for (char c : line) {
      if (std::isxdigit(static_cast<unsigned char>(c))) digits += c;
    }
    for (size_t i = 0; i + 1 < digits.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

const char* verdict_name(uint64_t v) {
  static const char* names[] = {"ABORTED", "DROP", "PASS", "TX", "REDIRECT"};
  return v < 5 ? names[v] : "?";
}

int fail(const decade::Error& e) {
  std::fprintf(stderr, "packet_filter_host: %s\n", e.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string engine, object;
  bool drop_icmp = false;
  std::vector<std::string> packets;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--engine" && i + 1 < argc) {
      engine = argv[++i];
    } else if (a == "--drop-icmp") {
      drop_icmp = true;
    } else if (object.empty()) {
      object = a;
    } else {
      packets.push_back(a);
    }
  }
  if (object.empty()) {
    std::fprintf(stderr, "usage: %s [--engine jit|interp] [--drop-icmp] filter.bpf.o PACKET.hex...\n", argv[0]);
    return 2;
  }

  auto obj = decade::BpfObject::open(object);
  if (!obj) return fail(obj.error());
  // Configuration: skeleton-style access to `const volatile` globals.
  auto icmp = obj->global_var("drop_icmp");
  if (!icmp) return fail(icmp.error());
  (*icmp)[0] = drop_icmp ? 1 : 0;
  if (auto s = obj->load({.engine = engine}); !s) return fail(s.error());

  auto prog = obj->program("packet_filter");
  auto blocklist = obj->map("blocklist");
  auto stats = obj->map("proto_stats");
  if (!prog) return fail(prog.error());
  if (!blocklist) return fail(blocklist.error());
  if (!stats) return fail(stats.error());
  std::printf("loaded %s: program %s (%s, %zu insns) on the %s engine\n", object.c_str(),
              std::string(prog->name()).c_str(), std::string(prog->type()).c_str(), prog->insn_count(),
              std::string(prog->engine()).c_str());

  // Block 203.0.113.0/24 (address in network byte order, as on the wire).
  struct {
    uint32_t prefixlen;
    uint8_t addr[4];
  } key{24, {203, 0, 113, 0}};
  uint64_t hits = 0;
  if (auto s = blocklist->update(key, hits); !s) return fail(s.error());
  std::printf("blocked 203.0.113.0/24; drop_icmp = %d\n\n", drop_icmp ? 1 : 0);

  for (const auto& path : packets) {
    bool ok = false;
    auto pkt = read_hex(path, ok);
    if (!ok) {
      std::fprintf(stderr, "packet_filter_host: cannot read %s\n", path.c_str());
      return 2;
    }
    auto r = prog->test_run({.data = pkt});
    auto slash = path.find_last_of('/');
    const std::string name = path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (!r) {
      // Like the kernel's BPF_PROG_TEST_RUN, a frame shorter than an Ethernet
      // header is refused before the program sees it.
      std::printf("%-22s %4zu bytes  not run: %s\n", name.c_str(), pkt.size(), r.error().to_string().c_str());
      continue;
    }
    std::printf("%-22s %4zu bytes  %s\n", name.c_str(), pkt.size(), verdict_name(r->retval));
  }

  std::printf("\nproto_stats (packets and bytes per IP protocol):\n");
  auto dump = stats->dump();
  if (!dump) return fail(dump.error());
  std::fputs(dump->c_str(), stdout);
  std::printf("blocklist (drops per prefix):\n");
  dump = blocklist->dump();
  if (!dump) return fail(dump.error());
  std::fputs(dump->c_str(), stdout);

  std::printf("counters (.bss):\n");
  const char* names[] = {"packets_passed", "packets_dropped", "packets_runt", "packets_non_ip"};
  for (const char* n : names) {
    auto v = obj->global_var(n);
    if (!v) return fail(v.error());
    uint64_t x = 0;
    std::memcpy(&x, v->data(), sizeof x);
    std::printf("  %-16s %llu\n", n, static_cast<unsigned long long>(x));
  }
  return 0;
}
