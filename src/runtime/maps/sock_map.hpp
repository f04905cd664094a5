// SPDX-License-Identifier: Apache-2.0
// Socket maps (BPF_MAP_TYPE_SOCKMAP, SOCKHASH, REUSEPORT_SOCKARRAY) hold the
// host process's own sockets. The host inserts a socket by its descriptor,
// as bpf(BPF_MAP_UPDATE_ELEM) takes a socket fd; the map keeps a duplicate of
// the descriptor so the socket lives while an entry or a program's reference
// holds it, and host lookups return the kernel's socket cookie (SO_COOKIE),
// as the kernel's do. Programs see an entry as an opaque socket pointer
// (a HostSocket*): a lookup takes a reference the program gives back with
// bpf_sk_release, and an update from a program inserts the socket it holds
// (Map::update's value is the HostSocket*, not bytes; Map::host_update's
// is the descriptor, a u32 or u64 as value_size says).
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/map.hpp"

namespace decade {

// One host socket, reference counted: each map entry holds one reference,
// each program lookup one more until bpf_sk_release.
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
  // Where the kernel lets a redirect deliver (sock_map_redirect_allowed): a
  // TCP socket that is not listening, another socket that is connected.
  bool redirect_allowed() const;

 private:
  HostSocket() = default;
  ~HostSocket();
  int fd_ = -1;
  int domain_ = 0, type_ = 0, protocol_ = 0;
  uint64_t cookie_ = 0;
  std::atomic<uint32_t> refs_{1};
};

bool is_sock_map(MapType t);  // sockmap, sockhash, reuseport_sockarray

// The socket behind key without taking a reference, for helpers that only
// record it (bpf_sk_redirect_map): valid while the run lasts only if the
// entry is not replaced, so callers keep just its cookie. nullptr when absent.
HostSocket* sock_map_peek(Map& m, const void* key);

MapFootprint sock_map_footprint(const MapDef& def);
Result<std::unique_ptr<Map>> make_sock_map(const MapDef& def);

}  // namespace decade
