// SPDX-License-Identifier: Apache-2.0
// What `decade run` adds for packet programs: the routing table of
// `--fib FILE` (bpf_fib_lookup) and the line saying where the packet was
// redirected.
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

}  // namespace decade::cli
