// SPDX-License-Identifier: Apache-2.0
// Socket lookups by tuple (bpf_sk_lookup_tcp, bpf_sk_lookup_udp,
// bpf_skc_lookup_tcp), the socket casts (bpf_sk_fullsock, bpf_tcp_sock,
// bpf_get_listener_sock, bpf_skc_to_*) and socket storage
// (bpf_sk_storage_get / delete, runtime/maps/sk_storage.hpp), with the
// kernel's prototypes.
//
// User-space meaning: the sockets a lookup can find are the host's own
// sockets Decade knows of, those a socket map holds or a program holds a
// reference to (the HostSocket registry, runtime/maps/sock_map.hpp), in
// the host's network namespace. The tuple is the packet's: source = the
// peer, destination = the socket's local address. A TCP lookup finds the
// established socket with that local and peer address, else a socket
// listening on the destination (its address or a wildcard); a UDP lookup
// a socket bound to the destination whose peer, if connected, is the
// source. As in the kernel: a tuple of 12 bytes is IPv4, of 36 bytes IPv6,
// any other size finds nothing; flags must be 0; netns is BPF_F_CURRENT_NETNS
// (u64 -1) or a namespace id, and the host's namespace has none, so an id
// finds nothing. A found socket comes with a reference (bpf_sk_release).
// Every socket here is a full socket, so bpf_sk_lookup_* and
// bpf_skc_lookup_tcp find the same ones and bpf_sk_fullsock returns its
// argument.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/sk_storage.hpp"
#include "runtime/maps/sock_map.hpp"

namespace decade {
namespace {

constexpr uint64_t kCurrentNetns = ~uint64_t{0};
constexpr int kTcpListen = 10;
constexpr int kIpprotoMptcp = 262;

// struct bpf_sock_tuple: ipv4 {saddr, daddr, sport, dport} (12 bytes) or
// ipv6 {saddr[4], daddr[4], sport, dport} (36 bytes), network byte order.
struct Tuple {
  int family = 0;
  uint8_t saddr[16] = {}, daddr[16] = {};
  uint16_t sport = 0, dport = 0;
};

bool read_tuple(const uint8_t* t, uint64_t size, Tuple* out) {
  const size_t alen = size == 12 ? 4 : size == 36 ? 16 : 0;
  if (!alen) return false;
  out->family = alen == 4 ? AF_INET : AF_INET6;
  std::memcpy(out->saddr, t, alen);
  std::memcpy(out->daddr, t + alen, alen);
  std::memcpy(&out->sport, t + 2 * alen, 2);
  std::memcpy(&out->dport, t + 2 * alen + 2, 2);
  return true;
}

// a's address (ip, alen bytes) and port, for the tuple's family; false
// when a is of another family.
bool addr_of(const sockaddr_storage& a, int family, const uint8_t** ip, uint16_t* port) {
  if (a.ss_family != family) return false;
  if (family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(a);
    *ip = reinterpret_cast<const uint8_t*>(&in.sin_addr);
    *port = in.sin_port;
  } else {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(a);
    *ip = in6.sin6_addr.s6_addr;
    *port = in6.sin6_port;
  }
  return true;
}

bool is_any(const uint8_t* ip, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (ip[i]) return false;
  return true;
}

// How well s matches the tuple: 2 an exact (connected) match, 1 a
// listener or unconnected socket on the destination, 0 none.
int match(HostSocket& s, const Tuple& t, int protocol) {
  if (s.domain() != t.family || s.protocol() != protocol) return 0;
  const size_t alen = t.family == AF_INET ? 4 : 16;
  sockaddr_storage local{}, peer{};
  const uint8_t* ip = nullptr;
  uint16_t port = 0;
  if (!s.local_addr(&local) || !addr_of(local, t.family, &ip, &port) || port != t.dport) return 0;
  const bool local_exact = std::memcmp(ip, t.daddr, alen) == 0;
  if (!local_exact && !is_any(ip, alen)) return 0;
  if (s.peer_addr(&peer) && addr_of(peer, t.family, &ip, &port))
    return std::memcmp(ip, t.saddr, alen) == 0 && port == t.sport && local_exact ? 2 : 0;
  if (protocol == IPPROTO_TCP && s.state() != kTcpListen) return 0;
  return 1;
}

uint64_t lookup(const uint64_t tuple, uint64_t size, uint64_t netns, uint64_t flags, int protocol) {
  Tuple t;
  if (flags || (static_cast<int32_t>(netns) < 0 && netns != kCurrentNetns)) return 0;
  if (netns != kCurrentNetns) return 0;  // the host's namespace has no id for itself
  if (!read_tuple(reinterpret_cast<const uint8_t*>(tuple), size, &t)) return 0;
  // An established (exact) match first, as the kernel's lookup.
  for (int want : {2, 1}) {
    HostSocket* s = HostSocket::find_registered([&](HostSocket& x) { return match(x, t, protocol) == want; });
    if (s) return HostSocket::held_by_run(s) ? s->program_ptr() : 0;
  }
  return 0;
}

uint64_t sk_lookup_tcp(uint64_t, uint64_t tuple, uint64_t size, uint64_t netns, uint64_t flags) {
  return lookup(tuple, size, netns, flags, IPPROTO_TCP);
}
uint64_t sk_lookup_udp(uint64_t, uint64_t tuple, uint64_t size, uint64_t netns, uint64_t flags) {
  return lookup(tuple, size, netns, flags, IPPROTO_UDP);
}

// bpf_sk_fullsock: every host socket is a full socket.
uint64_t sk_fullsock(uint64_t sk, uint64_t, uint64_t, uint64_t, uint64_t) { return sk; }

uint64_t tcp_sock(uint64_t sk, uint64_t, uint64_t, uint64_t, uint64_t) {
  return HostSocket::from_program(sk)->tcp_program_ptr();
}

// bpf_get_listener_sock: the socket itself when it is a TCP listener.
uint64_t get_listener_sock(uint64_t sk, uint64_t, uint64_t, uint64_t, uint64_t) {
  HostSocket& s = *HostSocket::from_program(sk);
  return s.tcp() && s.state() == kTcpListen ? sk : 0;
}

// The bpf_skc_to_* casts: the socket when it is of the kind named, else
// NULL. The result points at the same image (programs may only pass it
// on: Decade has no kernel struct tcp_sock to read).
template <int Domain, int Protocol>
uint64_t skc_to(uint64_t sk, uint64_t, uint64_t, uint64_t, uint64_t) {
  if (!sk) return 0;
  const HostSocket& s = *HostSocket::from_program(sk);
  const bool domain_ok = Domain == 0 ? s.inet() : s.domain() == Domain;
  return domain_ok && (Protocol == 0 || s.protocol() == Protocol) ? sk : 0;
}
// Timewait and request sockets are kernel-internal: a host socket is never one.
uint64_t skc_to_none(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return 0; }

// bpf_sk_storage_get(map, sk, init, flags): the socket's value, made from
// init (or zeros) with BPF_SK_STORAGE_GET_F_CREATE; other flags give NULL.
constexpr uint64_t kStorageGetFCreate = 1;
uint64_t sk_storage_get(uint64_t map, uint64_t sk, uint64_t init, uint64_t flags, uint64_t) {
  if (flags > kStorageGetFCreate) return 0;
  void* v = decade::sk_storage_get(*reinterpret_cast<Map*>(map), *HostSocket::from_program(sk),
                                   reinterpret_cast<const void*>(init), flags == kStorageGetFCreate);
  return reinterpret_cast<uint64_t>(v);
}
uint64_t sk_storage_delete(uint64_t map, uint64_t sk, uint64_t, uint64_t, uint64_t) {
  return static_cast<uint64_t>(decade::sk_storage_delete(*reinterpret_cast<Map*>(map), *HostSocket::from_program(sk)));
}

FuncProto sock_ret(FuncProto p, const char* type) {
  p.ret_btf_type = type;
  return p;
}

}  // namespace

void append_sk_lookup_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  const std::initializer_list<ArgKind> by_tuple = {A::PtrToCtx, A::PtrToMem, A::ConstSize, A::Scalar, A::Scalar};
  out.push_back(sock_ret(make_proto("bpf_sk_lookup_tcp", kHelperSkLookupTcp, sk_lookup_tcp, R::BtfIdOrNull, by_tuple, kHelperAcquire), "bpf_sock"));
  out.push_back(sock_ret(make_proto("bpf_sk_lookup_udp", kHelperSkLookupUdp, sk_lookup_udp, R::BtfIdOrNull, by_tuple, kHelperAcquire), "bpf_sock"));
  out.push_back(sock_ret(make_proto("bpf_skc_lookup_tcp", kHelperSkcLookupTcp, sk_lookup_tcp, R::BtfIdOrNull, by_tuple, kHelperAcquire),
                         "sock_common"));
  out.push_back(sock_ret(make_proto("bpf_sk_fullsock", kHelperSkFullsock, sk_fullsock, R::BtfIdOrNull, {A::PtrToSockCommon}, kHelperSockCast),
                         "bpf_sock"));
  out.push_back(sock_ret(make_proto("bpf_tcp_sock", kHelperTcpSock, tcp_sock, R::BtfIdOrNull, {A::PtrToSockCommon}, kHelperSockCast),
                         "bpf_tcp_sock"));
  // Not a cast: a listener is not reference counted (the kernel refuses its release).
  out.push_back(sock_ret(make_proto("bpf_get_listener_sock", kHelperGetListenerSock, get_listener_sock, R::BtfIdOrNull, {A::PtrToSockCommon}),
                         "bpf_sock"));
  const struct {
    const char* name;
    uint32_t id;
    HelperFn fn;
    const char* type;
  } casts[] = {
      {"bpf_skc_to_tcp6_sock", kHelperSkcToTcp6Sock, skc_to<AF_INET6, IPPROTO_TCP>, "tcp6_sock"},
      {"bpf_skc_to_tcp_sock", kHelperSkcToTcpSock, skc_to<0, IPPROTO_TCP>, "tcp_sock"},
      {"bpf_skc_to_tcp_timewait_sock", kHelperSkcToTcpTimewaitSock, skc_to_none, "tcp_timewait_sock"},
      {"bpf_skc_to_tcp_request_sock", kHelperSkcToTcpRequestSock, skc_to_none, "tcp_request_sock"},
      {"bpf_skc_to_udp6_sock", kHelperSkcToUdp6Sock, skc_to<AF_INET6, IPPROTO_UDP>, "udp6_sock"},
      {"bpf_skc_to_unix_sock", kHelperSkcToUnixSock, skc_to<AF_UNIX, 0>, "unix_sock"},
      {"bpf_skc_to_mptcp_sock", kHelperSkcToMptcpSock, skc_to<0, kIpprotoMptcp>, "mptcp_sock"},
  };
  // The value may be NULL (ARG_PTR_TO_MAP_VALUE_OR_NULL): kHelperNullable
  // applies to it alone, the socket argument is never NULL.
  out.push_back(make_proto("bpf_sk_storage_get", kHelperSkStorageGet, sk_storage_get, R::MapValueOrNull,
                           {A::ConstMapPtr, A::PtrToBtfSockCommon, A::PtrToMapValue, A::Scalar}, kHelperNullable));
  out.push_back(make_proto("bpf_sk_storage_delete", kHelperSkStorageDelete, sk_storage_delete, R::Integer,
                           {A::ConstMapPtr, A::PtrToBtfSockCommon}));
  for (const auto& c : casts)
    out.push_back(sock_ret(make_proto(c.name, c.id, c.fn, R::BtfIdOrNull, {A::PtrToBtfSockCommon}, kHelperSockCast), c.type));
}

}  // namespace decade
