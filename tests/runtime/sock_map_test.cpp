// SPDX-License-Identifier: Apache-2.0
// Socket maps over the host's sockets (runtime/maps/sock_map.hpp): the host
// inserts descriptors, lookups return the kernel's socket cookie, programs'
// lookups take references, and the kernel's errors for unsuitable sockets,
// full maps and bad keys.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/sk_storage.hpp"
#include "runtime/maps/sock_map.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

// A descriptor closed at the end of the test.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

uint64_t cookie_of(int fd) {
  uint64_t c = 0;
  socklen_t len = sizeof(c);
  EXPECT_EQ(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len), 0);
  return c;
}

// A TCP socket listening on 127.0.0.1 (port chosen by the kernel), with SO_REUSEPORT when asked.
int tcp_listener(bool reuseport = false) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  if (reuseport) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(listen(fd, 4), 0);
  return fd;
}

long host_put(Map& m, uint32_t key, uint64_t fd, uint64_t flags = kBpfAny) { return m.host_update(&key, &fd, flags); }

TEST(SockMap, CreationRules) {
  for (MapType t : {MapType::Sockmap, MapType::ReuseportSockarray}) {
    EXPECT_TRUE(create_map(def(t, 4, 8, 4)).has_value());
    EXPECT_EQ(create_map(def(t, 8, 8, 4)).error().code, ErrorCode::MapBadKeySize);
    EXPECT_EQ(create_map(def(t, 4, 2, 4)).error().code, ErrorCode::MapBadValueSize);
    EXPECT_EQ(create_map(def(t, 4, 4, 0)).error().code, ErrorCode::MapBadMaxEntries);
    EXPECT_EQ(create_map(def(t, 4, 4, 4, kMapFNoPrealloc)).error().code, ErrorCode::MapBadFlags);
  }
  EXPECT_TRUE(create_map(def(MapType::Sockhash, 16, 4, 4)).has_value());
  EXPECT_EQ(create_map(def(MapType::Sockhash, 0, 4, 4)).error().code, ErrorCode::MapBadKeySize);
}

TEST(SockMap, HostInsertsDescriptorsAndReadsCookies) {
  auto m = make(MapType::Sockmap, 4, 8, 4);
  Fd l(tcp_listener());
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  Fd a(pair[0]), b(pair[1]);
  Fd udp(socket(AF_INET, SOCK_DGRAM, 0));
  ASSERT_EQ(host_put(*m, 0, l.fd), 0);
  ASSERT_EQ(host_put(*m, 1, a.fd), 0);
  ASSERT_EQ(host_put(*m, 2, udp.fd), 0);
  const uint64_t listener_cookie = cookie_of(l.fd);
  close(l.fd);  // the map keeps the socket alive
  l.fd = -1;
  uint64_t c = 0;
  uint32_t k = 0;
  ASSERT_EQ(m->host_lookup(&k, &c, 0), 0);
  EXPECT_EQ(c, listener_cookie);
  k = 1;
  ASSERT_EQ(m->host_lookup(&k, &c, 0), 0);
  EXPECT_EQ(c, cookie_of(a.fd));
  k = 3;
  EXPECT_EQ(m->host_lookup(&k, &c, 0), -ENOENT);
  EXPECT_EQ(m->for_each([](const void*, void*) { return true; }), 3);
  EXPECT_EQ(m->erase(&k), -ENOENT);
  k = 1;
  EXPECT_EQ(m->erase(&k), 0);
  EXPECT_EQ(m->host_lookup(&k, &c, 0), -ENOENT);
}

TEST(SockMap, KernelErrors) {
  auto m = make(MapType::Sockmap, 4, 4, 2);
  Fd l(tcp_listener());
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  Fd r(p[0]), w(p[1]);
  Fd unconnected(socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_EQ(host_put(*m, 0, w.fd), -ENOTSOCK);
  EXPECT_EQ(host_put(*m, 0, 100000), -EBADF);
  EXPECT_EQ(host_put(*m, 0, unconnected.fd), -EOPNOTSUPP);  // TCP neither established nor listening
  EXPECT_EQ(host_put(*m, 2, l.fd), -E2BIG);
  EXPECT_EQ(host_put(*m, 0, l.fd, 4), -EINVAL);
  EXPECT_EQ(host_put(*m, 0, l.fd, kBpfExist), -ENOENT);
  ASSERT_EQ(host_put(*m, 0, l.fd, kBpfNoExist), 0);
  EXPECT_EQ(host_put(*m, 0, l.fd, kBpfNoExist), -EEXIST);
  uint32_t k = 0;
  uint64_t c = 0;
  EXPECT_EQ(m->host_lookup(&k, &c, 0), -ENOSPC);  // 4-byte values have no room for the cookie
  auto h = make(MapType::Sockhash, 4, 8, 1);
  EXPECT_EQ(host_put(*h, 7, l.fd), 0);
  EXPECT_EQ(host_put(*h, 8, l.fd), -E2BIG);
  EXPECT_EQ(host_put(*h, 7, l.fd), 0);  // replacing needs no room
}

TEST(SockMap, ReuseportArrayNeedsAReuseportGroup) {
  auto m = make(MapType::ReuseportSockarray, 4, 8, 2);
  Fd plain(tcp_listener(false)), group(tcp_listener(true));
  EXPECT_EQ(host_put(*m, 0, plain.fd), -EINVAL);
  EXPECT_EQ(host_put(*m, 0, group.fd), 0);
  uint32_t k = 0;
  uint64_t c = 0;
  ASSERT_EQ(m->host_lookup(&k, &c, 0), 0);
  EXPECT_EQ(c, cookie_of(group.fd));
}

TEST(SockMap, ProgramLookupsHoldAReference) {
  auto m = make(MapType::Sockhash, 4, 8, 4);
  Fd l(tcp_listener());
  ASSERT_EQ(host_put(*m, 5, l.fd), 0);
  const uint64_t cookie = cookie_of(l.fd);
  uint32_t k = 5;
  void* p = m->lookup(&k);
  ASSERT_NE(p, nullptr);
  HostSocket* s = HostSocket::from_program(reinterpret_cast<uint64_t>(p));
  ASSERT_EQ(m->erase(&k), 0);  // the program's reference keeps the socket
  EXPECT_EQ(s->cookie(), cookie);
  EXPECT_EQ(m->update(&k, p, kBpfAny), 0);  // a program's update inserts the socket it holds
  call(kHelperSkRelease, reinterpret_cast<uint64_t>(p));
  uint64_t c = 0;
  ASSERT_EQ(m->host_lookup(&k, &c, 0), 0);
  EXPECT_EQ(c, cookie);
}

// bpf_local_storage_map_alloc_check: u32 key (a descriptor), non-zero
// value, max_entries 0, BPF_F_NO_PREALLOC (BPF_F_CLONE allowed), BTF types.
TEST(SkStorage, CreationRules) {
  auto storage = [](uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags, bool btf = true) {
    MapDef d = def(MapType::SkStorage, ks, vs, max, flags);
    if (btf) d.btf_key_type = d.btf_value_type = 1;
    return create_map(d);
  };
  EXPECT_TRUE(storage(4, 8, 0, kMapFNoPrealloc).has_value());
  EXPECT_TRUE(storage(4, 8, 0, kMapFNoPrealloc | (1u << 9)).has_value());  // BPF_F_CLONE
  EXPECT_EQ(storage(8, 8, 0, kMapFNoPrealloc).error().code, ErrorCode::MapBadKeySize);
  EXPECT_EQ(storage(4, 0, 0, kMapFNoPrealloc).error().code, ErrorCode::MapBadValueSize);
  EXPECT_EQ(storage(4, 8, 1, kMapFNoPrealloc).error().code, ErrorCode::MapBadMaxEntries);
  EXPECT_EQ(storage(4, 8, 0, 0).error().code, ErrorCode::MapBadFlags);
  EXPECT_EQ(storage(4, 8, 0, kMapFNoPrealloc | kMapFRdonly).error().code, ErrorCode::MapBadFlags);
  EXPECT_EQ(storage(4, 8, 0, kMapFNoPrealloc, false).error().code, ErrorCode::InvalidArgument);
}

// A value per socket: programs reach it by their socket pointer, the host
// by descriptor; both name the same value.
TEST(SkStorage, ValuesBySocket) {
  MapDef d = def(MapType::SkStorage, 4, 8, 0, kMapFNoPrealloc);
  d.btf_key_type = d.btf_value_type = 1;
  auto m = create_map(d);
  ASSERT_TRUE(m.has_value());
  Fd l(tcp_listener());
  HostSocket* s = nullptr;
  ASSERT_EQ(HostSocket::open(l.fd, &s), 0);
  EXPECT_EQ(sk_storage_get(**m, *s, nullptr, false), nullptr);
  const uint64_t init = 7;
  auto* v = static_cast<uint64_t*>(sk_storage_get(**m, *s, &init, true));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 7u);
  *v = 9;
  const int32_t key = l.fd;
  uint64_t got = 0;
  ASSERT_EQ((*m)->host_lookup(&key, &got, 0), 0);
  EXPECT_EQ(got, 9u);
  const uint64_t put = 11;
  ASSERT_EQ((*m)->host_update(&key, &put, kBpfExist), 0);
  EXPECT_EQ(*v, 11u);  // the same value, in place
  EXPECT_EQ(sk_storage_delete(**m, *s), 0);
  EXPECT_EQ(sk_storage_delete(**m, *s), -ENOENT);
  EXPECT_EQ((*m)->host_lookup(&key, &got, 0), -ENOENT);
  const int32_t bad = -1;
  EXPECT_EQ((*m)->host_update(&bad, &put, 0), -EBADF);
  s->put();
}

}  // namespace
}  // namespace decade::test
