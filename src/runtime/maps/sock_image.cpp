// SPDX-License-Identifier: Apache-2.0
// What programs read through socket pointers (struct bpf_sock and struct
// bpf_tcp_sock, uapi layouts), filled from the host socket each time a
// program is handed the pointer, and the registry of live sockets that
// bpf_sk_lookup_* search. Every value comes from the socket: addresses from
// getsockname/getpeername, mark, priority and bound device from
// getsockopt, TCP counters from TCP_INFO. TCP_INFO has no sequence numbers
// (rcv_nxt, snd_nxt, snd_una), ECN flags or delivery-rate sample
// (rate_delivered, rate_interval_us): those read 0; srtt_us is
// tcpi_rtt << 3 (the kernel keeps it scaled by 8; TCP_INFO drops the low
// three bits), and rx_queue_mapping is -1 (no receive queue recorded).
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <mutex>
#include <set>

#include "runtime/maps/sock_map.hpp"

namespace decade {
namespace {

constexpr int kTcpEstablished = 1, kTcpClose = 7;

// The registry: every HostSocket between open and destruction.
std::mutex& registry_mu() {
  static std::mutex mu;
  return mu;
}
std::set<HostSocket*>& registry() {
  static std::set<HostSocket*> live;
  return live;
}

template <typename T>
void put_at(uint8_t* image, size_t off, T v) {
  std::memcpy(image + off, &v, sizeof(v));
}

// struct bpf_sock offsets (uapi).
enum SockOff : size_t {
  kBoundDevIf = 0, kFamily = 4, kType = 8, kProtocol = 12, kMark = 16, kPriority = 20, kSrcIp4 = 24, kSrcIp6 = 28,
  kSrcPort = 44, kDstPort = 48, kDstIp4 = 52, kDstIp6 = 56, kState = 72, kRxQueueMapping = 76,
};

// An address into the image: ip4 (network order) or ip6, and the port
// (network order); an IPv6 socket's v4-mapped address is also its ip4.
void put_addr(uint8_t* image, const sockaddr_storage& a, size_t ip4, size_t ip6, uint16_t* port) {
  if (a.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(a);
    std::memcpy(image + ip4, &in.sin_addr, 4);
    *port = in.sin_port;
  } else if (a.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(a);
    std::memcpy(image + ip6, &in6.sin6_addr, 16);
    if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) std::memcpy(image + ip4, in6.sin6_addr.s6_addr + 12, 4);
    *port = in6.sin6_port;
  }
}

}  // namespace

int sockopt_int(int fd, int level, int name, int fallback) {
  int v = 0;
  socklen_t len = sizeof(v);
  return getsockopt(fd, level, name, &v, &len) == 0 ? v : fallback;
}

bool HostSocket::inet() const { return domain_ == AF_INET || domain_ == AF_INET6; }
bool HostSocket::tcp() const { return inet() && protocol_ == IPPROTO_TCP; }

int HostSocket::tcp_state() const {
  tcp_info info{};
  socklen_t len = sizeof(info);
  return getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 ? info.tcpi_state : -1;
}

bool HostSocket::local_addr(sockaddr_storage* a) const {
  *a = {};
  socklen_t len = sizeof(*a);
  return getsockname(fd_, reinterpret_cast<sockaddr*>(a), &len) == 0;
}

bool HostSocket::peer_addr(sockaddr_storage* a) const {
  *a = {};
  socklen_t len = sizeof(*a);
  return getpeername(fd_, reinterpret_cast<sockaddr*>(a), &len) == 0;
}

int HostSocket::state() const {
  if (tcp()) {
    const int st = tcp_state();
    if (st >= 0) return st;
  }
  sockaddr_storage peer{};
  return peer_addr(&peer) ? kTcpEstablished : kTcpClose;
}

void HostSocket::fill_sock_image() {
  uint8_t* im = image_.sock;
  std::memset(im, 0, SockImage::kSockSize);
  put_at<uint32_t>(im, kBoundDevIf, static_cast<uint32_t>(sockopt_int(fd_, SOL_SOCKET, SO_BINDTOIFINDEX, 0)));
  put_at<uint32_t>(im, kFamily, static_cast<uint32_t>(domain_));
  put_at<uint32_t>(im, kType, static_cast<uint32_t>(type_));
  put_at<uint32_t>(im, kProtocol, static_cast<uint32_t>(protocol_));
  put_at<uint32_t>(im, kMark, static_cast<uint32_t>(sockopt_int(fd_, SOL_SOCKET, SO_MARK, 0)));
  put_at<uint32_t>(im, kPriority, static_cast<uint32_t>(sockopt_int(fd_, SOL_SOCKET, SO_PRIORITY, 0)));
  sockaddr_storage a{};
  uint16_t port = 0;
  if (local_addr(&a)) put_addr(im, a, kSrcIp4, kSrcIp6, &port);
  put_at<uint32_t>(im, kSrcPort, ntohs(port));  // host byte order, as the kernel's skc_num
  port = 0;
  if (peer_addr(&a)) put_addr(im, a, kDstIp4, kDstIp6, &port);
  put_at<uint16_t>(im, kDstPort, port);  // network byte order
  put_at<uint32_t>(im, kState, static_cast<uint32_t>(state()));
  put_at<int32_t>(im, kRxQueueMapping, -1);
}

void HostSocket::fill_tcp_image() {
  tcp_info t{};
  socklen_t len = sizeof(t);
  if (getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &t, &len) != 0) t = {};
  uint8_t* im = image_.tcp;
  std::memset(im, 0, SockImage::kTcpSockSize);
  // struct bpf_tcp_sock, field by field (uapi offsets).
  const struct {
    size_t off;
    uint32_t v;
  } words[] = {
      {0, t.tcpi_snd_cwnd},    {4, t.tcpi_rtt << 3},       {8, t.tcpi_min_rtt},         {12, t.tcpi_snd_ssthresh},
      {28, t.tcpi_snd_mss},    {44, t.tcpi_unacked},       {48, t.tcpi_retrans},        {52, t.tcpi_total_retrans},
      {56, t.tcpi_segs_in},    {60, t.tcpi_data_segs_in},  {64, t.tcpi_segs_out},       {68, t.tcpi_data_segs_out},
      {72, t.tcpi_lost},       {76, t.tcpi_sacked},        {96, t.tcpi_dsack_dups},     {100, t.tcpi_delivered},
      {104, t.tcpi_delivered_ce}, {108, t.tcpi_retransmits},
  };
  for (const auto& w : words) put_at<uint32_t>(im, w.off, w.v);
  put_at<uint64_t>(im, 80, t.tcpi_bytes_received);
  put_at<uint64_t>(im, 88, t.tcpi_bytes_acked);
}

uint64_t HostSocket::program_ptr() {
  image_.sock_owner = this;
  fill_sock_image();
  return reinterpret_cast<uint64_t>(image_.sock);
}

uint64_t HostSocket::tcp_program_ptr() {
  if ((domain_ != AF_INET && domain_ != AF_INET6) || protocol_ != IPPROTO_TCP) return 0;
  image_.tcp_owner = this;
  fill_tcp_image();
  return reinterpret_cast<uint64_t>(image_.tcp);
}

void HostSocket::registry_add(HostSocket* s) {
  const std::lock_guard g(registry_mu());
  registry().insert(s);
}

void HostSocket::registry_remove(HostSocket* s) {
  const std::lock_guard g(registry_mu());
  registry().erase(s);
}

// The next live socket after `after` (the first for nullptr), with a
// reference taken; sockets whose last reference is gone (being destroyed,
// not yet out of the registry) are skipped.
HostSocket* HostSocket::registry_next(HostSocket* after) {
  const std::lock_guard g(registry_mu());
  auto& live = registry();
  for (auto it = after ? live.upper_bound(after) : live.begin(); it != live.end(); ++it) {
    uint32_t n = (*it)->refs_.load(std::memory_order_relaxed);
    while (n && !(*it)->refs_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel)) {
    }
    if (n) return *it;
  }
  return nullptr;
}

}  // namespace decade
