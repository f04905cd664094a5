// SPDX-License-Identifier: Apache-2.0
// The routing table bpf_fib_lookup answers from. The kernel's helper reads
// the network namespace's interfaces, FIB tables and neighbour tables; in
// user space the host provides them: interfaces (ifindex, MAC, MTU, whether
// they forward, their addresses), routes (prefix, type, gateway, output
// interface, metric, MTU, preferred source, table) and neighbours (address,
// interface, MAC). docs/helpers.md gives the semantics and the text format
// of FibTable::parse (the CLI's `decade run --fib FILE`).
//
// A FibTable is shared by the objects it is given to (BpfObject::set_fib)
// and may be changed while programs run: each lookup sees the table before
// or after a change, never half of one.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "decade/error.hpp"

namespace decade {

struct DECADE_API IpAddr {
  uint8_t family = 0;             // 4 or 6
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 in the first 4
  // "10.0.0.1" or "fd00::1"; FibBadEntry otherwise.
  static Result<IpAddr> parse(std::string_view text);
};

using MacAddr = std::array<uint8_t, 6>;

class DECADE_API FibTable {
 public:
  struct Interface {
    uint32_t ifindex = 0;
    MacAddr mac{};
    uint32_t mtu = 1500;
    bool forwarding = true;        // net.ipv4/6.conf.IF.forwarding
    std::optional<IpAddr> ipv4;    // its address, the source BPF_FIB_LOOKUP_SRC picks
    std::optional<IpAddr> ipv6;
  };
  enum class RouteType : uint8_t { Unicast, Blackhole, Unreachable, Prohibit, Local };
  struct Route {
    IpAddr prefix;
    uint8_t prefix_len = 0;
    RouteType type = RouteType::Unicast;
    uint32_t table = 254;          // RT_TABLE_MAIN
    uint32_t oif = 0;              // unicast: the output interface (must exist)
    std::optional<IpAddr> gateway; // same family as the prefix
    uint32_t metric = 0;
    uint32_t mtu = 0;              // 0: the output interface's
    std::optional<IpAddr> prefsrc;
  };
  struct Neighbour {
    IpAddr addr;
    uint32_t ifindex = 0;
    MacAddr mac{};
  };

  FibTable();
  // Replaces an interface with the same ifindex. FibBadEntry for ifindex 0.
  Status add_interface(const Interface& i);
  // FibBadEntry for a prefix longer than its family allows, a unicast route
  // without an existing output interface, or a gateway of another family.
  Status add_route(const Route& r);
  // Replaces the entry for the same address and interface.
  Status add_neighbour(const Neighbour& n);
  void clear();

  // Adds the entries of the text format (docs/helpers.md), one per line:
  //   dev IFINDEX mac MAC [mtu N] [addr IPV4] [addr6 IPV6] [noforward]
  //   route PREFIX [via GW] [dev IFINDEX] [metric N] [mtu N] [src ADDR] [table N]
  //   route PREFIX blackhole|unreachable|prohibit|local [table N] [metric N]
  //   neigh ADDR dev IFINDEX lladdr MAC
  // FibBadEntry names the line.
  Status parse(std::string_view text);

  struct State;
  const std::shared_ptr<State>& state() const { return state_; }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace decade
