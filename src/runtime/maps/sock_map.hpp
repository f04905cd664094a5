// SPDX-License-Identifier: Apache-2.0
// Socket maps (BPF_MAP_TYPE_SOCKMAP, SOCKHASH, REUSEPORT_SOCKARRAY) hold the
// host process's own sockets. The host inserts a socket by its descriptor,
// as bpf(BPF_MAP_UPDATE_ELEM) takes a socket fd; the map keeps a duplicate of
// the descriptor so the socket lives while an entry or a program's reference
// holds it, and host lookups return the kernel's socket cookie (SO_COOKIE),
// as the kernel's do. Programs see an entry as a socket pointer (the
// socket's SockImage, HostSocket::program_ptr): a lookup takes a reference
// the program gives back with bpf_sk_release, and an update from a program
// inserts the socket it holds (Map::update's value is that pointer, not
// bytes; Map::host_update's is the descriptor, a u32 or u64 as value_size
// says).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "runtime/map.hpp"

struct sockaddr_storage;

namespace decade {

// An int socket option of fd, or `fallback` when getsockopt fails.
int sockopt_int(int fd, int level, int name, int fallback = -1);

class HostSocket;

// What a program reads through a socket pointer (verifier/sock_access.cpp):
// uapi struct bpf_sock and struct bpf_tcp_sock, each right after a pointer
// back to its HostSocket, so a program's pointer to either names the
// socket (HostSocket::from_program).
struct SockImage {
  static constexpr size_t kSockSize = 80, kTcpSockSize = 112;
  HostSocket* sock_owner = nullptr;
  alignas(8) uint8_t sock[kSockSize] = {};
  HostSocket* tcp_owner = nullptr;
  alignas(8) uint8_t tcp[kTcpSockSize] = {};
};

// One host socket, reference counted: each map entry holds one reference,
// each program lookup one more until bpf_sk_release. Every live HostSocket
// is in one registry, which bpf_sk_lookup_* search (sock_image.cpp).
class HostSocket {
 public:
  // Duplicates fd and reads what the maps check: -EBADF for a bad
  // descriptor, -ENOTSOCK for one that is not a socket, -ENOMEM. The new
  // socket has one reference.
  static long open(int fd, HostSocket** out);
  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Drops a reference; the last one closes the duplicate descriptor.
  void put();

  int fd() const { return fd_; }
  uint64_t cookie() const { return cookie_; }
  int domain() const { return domain_; }
  int type() const { return type_; }
  int protocol() const { return protocol_; }
  bool inet() const;  // AF_INET or AF_INET6
  bool tcp() const;   // an inet TCP socket
  // A TCP socket's TCP_INFO state (the kernel's numbering); -1 when the
  // kernel does not give one.
  int tcp_state() const;
  // Where the kernel lets a redirect deliver (sock_map_redirect_allowed): a
  // TCP socket that is not listening, another socket that is connected.
  bool redirect_allowed() const;

  // The pointer a program holds: the struct bpf_sock image, filled again
  // from the host socket (getsockname, getpeername, getsockopt) first.
  uint64_t program_ptr();
  // The struct bpf_tcp_sock image, filled from TCP_INFO; 0 for a socket
  // that is not TCP.
  uint64_t tcp_program_ptr();
  // The socket behind a pointer program_ptr or tcp_program_ptr gave.
  static HostSocket* from_program(uint64_t p) { return *reinterpret_cast<HostSocket* const*>(p - 8); }
  // The reference the caller just took becomes the current run's
  // (HeldResources), so a run that ends early gives it back; false (the
  // reference given back) when the run cannot record it. Outside a run: true.
  static bool held_by_run(HostSocket* s);
  // Local and peer addresses (getsockname, getpeername; family 0 when unset).
  bool local_addr(struct sockaddr_storage* a) const;
  bool peer_addr(struct sockaddr_storage* a) const;
  // The TCP state (TCP_INFO's tcpi_state, the kernel's numbering), or
  // for other sockets TCP_ESTABLISHED when connected and TCP_CLOSE when not,
  // as the kernel keeps sk_state for UDP.
  int state() const;

  // Calls fn with a reference taken on each live socket until it returns
  // true; that socket keeps the reference (returned), the others not.
  template <typename Fn>
  static HostSocket* find_registered(Fn&& fn);

 private:
  void fill_sock_image();
  void fill_tcp_image();
  static void registry_add(HostSocket* s);
  static void registry_remove(HostSocket* s);
  static HostSocket* registry_next(HostSocket* after);  // with a reference; nullptr past the last
  SockImage image_;
  HostSocket() = default;
  ~HostSocket();
  int fd_ = -1;
  int domain_ = 0, type_ = 0, protocol_ = 0;
  uint64_t cookie_ = 0;
  std::atomic<uint32_t> refs_{1};
};

template <typename Fn>
HostSocket* HostSocket::find_registered(Fn&& fn) {
  for (HostSocket* s = registry_next(nullptr); s;) {
    if (fn(*s)) return s;
    HostSocket* next = registry_next(s);
    s->put();
    s = next;
  }
  return nullptr;
}

bool is_sock_map(MapType t);  // sockmap, sockhash, reuseport_sockarray

// The socket behind key without taking a reference, for helpers that only
// record it (bpf_sk_redirect_map): valid while the run lasts only if the
// entry is not replaced, so callers keep just its cookie. nullptr when absent.
HostSocket* sock_map_peek(Map& m, const void* key);

MapFootprint sock_map_footprint(const MapDef& def);
Result<std::unique_ptr<Map>> make_sock_map(const MapDef& def);

}  // namespace decade
