// SPDX-License-Identifier: Apache-2.0
// What `decade run` adds for packet programs: the routing table of
// `--fib FILE` (bpf_fib_lookup) and the line saying where the packet was
// redirected or tunnelled.
#pragma once

#include <string>

#include "decade/decade.hpp"

namespace decade::cli {

// Reads FILE (FibTable::parse's format) and gives the table to the object;
// nothing when path is empty.
Status apply_fib(BpfObject& obj, const std::string& path);

// One line: "redirect: ifindex 3 flags 0x0", "redirect: cpu 1 flags 0x0 map
// cpus key 1 qsize 192", "redirect: xsk queue 0 flags 0x0 map xsks key 0
// socket 7"; several ifindexes (BPF_F_BROADCAST) are comma-separated.
void print_redirect(const Redirect& r);

// One line for tunnel metadata the program set: "tunnel: id 42 remote
// 10.0.0.2 local 10.0.0.1 tos 0 ttl 64 label 0 flags 0x0" (IPv6 addresses
// in their usual form), then " opts HEX" when it set options.
void print_tunnel(const TunnelKey& t);

}  // namespace decade::cli
