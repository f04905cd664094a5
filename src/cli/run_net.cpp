// SPDX-License-Identifier: Apache-2.0
#include "cli/run_net.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "cli/command.hpp"

namespace decade::cli {

Status apply_fib(BpfObject& obj, const std::string& path) {
  if (path.empty()) return ok();
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  FibTable fib;
  if (auto s = fib.parse({reinterpret_cast<const char*>(text->data()), text->size()}); !s)
    return make_error(s.error().code, path + ": " + s.error().message);
  return obj.set_fib(fib);
}

void print_redirect(const Redirect& r) {
  if (r.kind == Redirect::Kind::Socket) {  // sk_skb / sk_msg: a socket of a sockmap or sockhash
    std::printf("redirect: socket cookie %llu flags 0x%llx map %s key %u\n", static_cast<unsigned long long>(r.cookie),
                static_cast<unsigned long long>(r.flags), r.map.c_str(), r.key);
    return;
  }
  const char* kind = r.kind == Redirect::Kind::Cpu ? "cpu" : r.kind == Redirect::Kind::Xsk ? "xsk queue" : "ifindex";
  std::string targets;
  for (uint32_t t : r.targets) targets += (targets.empty() ? "" : ",") + std::to_string(t);
  if (targets.empty()) targets = "none";
  std::printf("redirect: %s %s flags 0x%llx", kind, targets.c_str(), static_cast<unsigned long long>(r.flags));
  if (!r.map.empty()) {
    std::printf(" map %s key %u", r.map.c_str(), r.key);
    if (r.kind == Redirect::Kind::Cpu) std::printf(" qsize %u", r.value);
    if (r.kind == Redirect::Kind::Xsk) std::printf(" socket %u", r.value);
  }
  std::printf("\n");
}

namespace {

// An address as struct bpf_tunnel_key holds it: IPv4 in host order,
// IPv6 as four words in network order.
std::string tunnel_addr(const std::array<uint32_t, 4>& a, bool ipv6) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ipv6) {
    inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
  } else {
    const uint32_t be = htonl(a[0]);
    inet_ntop(AF_INET, &be, buf, sizeof buf);
  }
  return buf;
}

}  // namespace

void print_tunnel(const TunnelKey& t) {
  std::printf("tunnel: id %llu remote %s local %s tos %u ttl %u label %u flags 0x%llx",
              static_cast<unsigned long long>(t.id), tunnel_addr(t.remote, t.ipv6).c_str(),
              tunnel_addr(t.local, t.ipv6).c_str(), t.tos, t.ttl, t.label, static_cast<unsigned long long>(t.flags));
  if (!t.options.empty()) {
    std::printf(" opts ");
    for (uint8_t b : t.options) std::printf("%02x", b);
  }
  std::printf("\n");
}

}  // namespace decade::cli
