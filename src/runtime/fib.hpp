// SPDX-License-Identifier: Apache-2.0
// bpf_fib_lookup's answer from the host's FibTable (include/decade/fib.hpp):
// the kernel's bpf_ipv4_fib_lookup / bpf_ipv6_fib_lookup semantics over the
// uapi struct bpf_fib_lookup, return codes included (docs/helpers.md).
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <vector>

#include "decade/fib.hpp"

namespace decade {

struct FibTable::State {
  mutable std::shared_mutex mu;
  std::vector<Interface> interfaces;
  std::vector<Route> routes;
  std::vector<Neighbour> neighbours;
};

// uapi sizes and values.
inline constexpr uint32_t kFibParamsSize = 64;
inline constexpr uint64_t kFibLookupDirect = 1, kFibLookupOutput = 2, kFibLookupSkipNeigh = 4, kFibLookupTbid = 8,
                          kFibLookupSrc = 16, kFibLookupMark = 32;
enum FibRet : long {
  kFibSuccess = 0, kFibBlackhole, kFibUnreachable, kFibProhibit, kFibNotFwded, kFibFwdDisabled, kFibUnsuppLwt,
  kFibNoNeigh, kFibFragNeeded, kFibNoSrcAddr,
};

// Where the lookup runs: XDP always checks the MTU against tot_len; tc
// checks it only when tot_len is set, else compares the packet's length
// (skb_len) with the output interface's MTU, as is_skb_forwardable does.
struct FibCaller {
  bool xdp = true;
  uint32_t skb_len = 0;
};

// params: plen bytes of program memory, read and rewritten in place. A
// table of nullptr is an empty namespace (every ifindex is -ENODEV).
long fib_lookup(const FibTable::State* table, uint8_t* params, uint64_t plen, uint64_t flags, FibCaller caller);

}  // namespace decade
