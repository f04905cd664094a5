// SPDX-License-Identifier: Apache-2.0
#include "api/redirect_report.hpp"

#include <cstring>

#include "runtime/map.hpp"

namespace decade::api {
namespace {

constexpr uint64_t kBpfFExcludeIngress = 1u << 4, kBpfFBroadcast = 1u << 3;

Redirect::Kind kind_of(const Map* m) {
  if (!m) return Redirect::Kind::Ifindex;
  if (m->type() == MapType::Cpumap) return Redirect::Kind::Cpu;
  if (m->type() == MapType::Xskmap) return Redirect::Kind::Xsk;
  if (m->type() == MapType::Sockmap || m->type() == MapType::Sockhash) return Redirect::Kind::Socket;
  return Redirect::Kind::Ifindex;
}

// BPF_F_BROADCAST: every devmap entry present after the run, as the kernel's
// dev_map_enqueue_multi walks the map when the program has returned.
std::vector<uint32_t> broadcast_targets(Map& m, uint64_t flags, uint32_t ingress_ifindex) {
  std::vector<uint32_t> out;
  m.for_each([&](const void*, void* value) {
    uint32_t ifindex = 0;
    std::memcpy(&ifindex, value, 4);
    if (!((flags & kBpfFExcludeIngress) && ifindex == ingress_ifindex)) out.push_back(ifindex);
    return true;
  });
  return out;
}

}  // namespace

std::optional<Redirect> redirect_report(const std::optional<RedirectInfo>& info, uint64_t retval,
                                        uint64_t redirect_action, uint32_t ingress_ifindex) {
  if (!info || retval != redirect_action) return std::nullopt;
  Redirect r;
  r.kind = kind_of(info->map);
  r.flags = info->flags;
  r.key = info->index;
  r.value = static_cast<uint32_t>(info->value);
  if (!info->map) {
    r.targets = {info->index};
    return r;
  }
  r.map = info->map->def().name;
  if (r.kind == Redirect::Kind::Socket) {
    // The socket chosen when the helper ran (its cookie), as the kernel
    // keeps the socket itself with the skb or message.
    r.cookie = info->value;
    r.value = 0;
    return r;
  }
  if (info->flags & kBpfFBroadcast) r.targets = broadcast_targets(*info->map, info->flags, ingress_ifindex);
  else r.targets = {r.kind == Redirect::Kind::Ifindex ? r.value : info->index};
  return r;
}

}  // namespace decade::api
