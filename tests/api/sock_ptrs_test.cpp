// SPDX-License-Identifier: Apache-2.0
// Socket pointers on every engine (api/progs/sock_ptrs.bpf.c): the struct
// bpf_sock and bpf_tcp_sock fields a program reads are the host socket's
// (getsockname, getpeername, TCP_INFO), bpf_sk_lookup_tcp/udp find the
// host's sockets Decade holds by tuple, bpf_sk_storage_get keeps a value
// per socket that the host reads by descriptor, and a test run's
// __sk_buff.sk is NULL.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace decade {
namespace {

struct Out {
  uint32_t family, type, protocol, src_port, state, dst_port, src_ip4, dst_ip4;
  uint32_t has_tcp, snd_cwnd, mss;
  uint64_t bytes_received;
};

sockaddr_in local_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  return a;
}

sockaddr_in loopback(uint16_t port = 0) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = port;
  return a;
}

class SockPtrs : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(test::obj("api/progs/sock_ptrs.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
    // A TCP listener, a client connected to it (and the accepted end), a bound UDP socket.
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback();
    ASSERT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ASSERT_EQ(listen(listener_, 4), 0);
    client_ = socket(AF_INET, SOCK_STREAM, 0);
    a = local_of(listener_);
    ASSERT_EQ(connect(client_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    server_ = accept(listener_, nullptr, nullptr);
    ASSERT_GE(server_, 0);
    ASSERT_EQ(write(server_, "hello", 5), 5);
    char buf[5];
    ASSERT_EQ(read(client_, buf, 5), 5);
    udp_ = socket(AF_INET, SOCK_DGRAM, 0);
    a = loopback();
    ASSERT_EQ(bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ASSERT_TRUE(map("socks").update(uint32_t{0}, uint64_t(listener_)));
    ASSERT_TRUE(map("socks").update(uint32_t{1}, uint64_t(client_)));
    ASSERT_TRUE(map("socks").update(uint32_t{2}, uint64_t(udp_)));
  }
  void TearDown() override {
    for (int fd : {listener_, client_, server_, udp_})
      if (fd >= 0) close(fd);
  }
  BpfMap map(const char* name) { return *obj_->map(name); }
  TestRunResult run(const char* prog, const std::array<uint8_t, 64>& packet) {
    auto p = obj_->program(prog);
    EXPECT_TRUE(p) << prog;
    if (!p) return {};
    auto r = p->test_run({.data = packet});
    EXPECT_TRUE(r) << prog << ": " << r.error().to_string();
    return r ? *r : TestRunResult{};
  }
  Out fields(uint8_t key) {
    TestRunResult r = run("sock_fields", {key});
    EXPECT_EQ(r.retval, 1u);
    Out o{};
    if (r.data_out.size() >= sizeof(o)) std::memcpy(&o, r.data_out.data(), sizeof(o));
    return o;
  }
  std::optional<BpfObject> obj_;
  int listener_ = -1, client_ = -1, server_ = -1, udp_ = -1;
};

TEST_P(SockPtrs, FieldsAreTheHostSockets) {
  const sockaddr_in l = local_of(listener_), c = local_of(client_);
  Out o = fields(0);
  EXPECT_EQ(o.family, unsigned{AF_INET});
  EXPECT_EQ(o.type, unsigned{SOCK_STREAM});
  EXPECT_EQ(o.protocol, unsigned{IPPROTO_TCP});
  EXPECT_EQ(o.src_port, ntohs(l.sin_port));  // host byte order
  EXPECT_EQ(o.state, 10u);                   // TCP_LISTEN
  EXPECT_EQ(o.src_ip4, htonl(INADDR_LOOPBACK));
  EXPECT_EQ(o.dst_port, 0u);
  o = fields(1);
  EXPECT_EQ(o.src_port, ntohs(c.sin_port));
  EXPECT_EQ(o.dst_port, l.sin_port);  // network byte order
  EXPECT_EQ(o.dst_ip4, htonl(INADDR_LOOPBACK));
  EXPECT_EQ(o.state, 1u);  // TCP_ESTABLISHED
  tcp_info ti{};
  socklen_t len = sizeof(ti);
  ASSERT_EQ(getsockopt(client_, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
  EXPECT_EQ(o.has_tcp, 1u);
  EXPECT_EQ(o.snd_cwnd, ti.tcpi_snd_cwnd);
  EXPECT_EQ(o.mss, ti.tcpi_snd_mss);
  EXPECT_EQ(o.bytes_received, 5u);
  o = fields(2);
  EXPECT_EQ(o.type, unsigned{SOCK_DGRAM});
  EXPECT_EQ(o.state, 7u);  // TCP_CLOSE: an unconnected UDP socket
  EXPECT_EQ(o.has_tcp, 0u);
  EXPECT_EQ(run("sock_fields", {3}).retval, 0u);  // no socket at key 3
}

// An IPv4 tuple (source = the peer, destination = the socket) and the protocol byte.
std::array<uint8_t, 64> tuple(const sockaddr_in& src, const sockaddr_in& dst, bool udp) {
  std::array<uint8_t, 64> p{};
  std::memcpy(&p[0], &src.sin_addr, 4);
  std::memcpy(&p[4], &dst.sin_addr, 4);
  std::memcpy(&p[8], &src.sin_port, 2);
  std::memcpy(&p[10], &dst.sin_port, 2);
  p[12] = udp;
  return p;
}

uint32_t found_port(const TestRunResult& r) {
  uint32_t v = 0;
  if (r.data_out.size() >= 20) std::memcpy(&v, &r.data_out[16], 4);
  return v;
}

TEST_P(SockPtrs, LookupsByTupleFindTheHostsSockets) {
  const sockaddr_in l = local_of(listener_), c = local_of(client_), u = local_of(udp_);
  // The client's connection, seen from the packet the server would send it.
  TestRunResult r = run("lookup_tuple", tuple(l, c, false));
  EXPECT_EQ(r.retval, 1u);
  EXPECT_EQ(found_port(r), ntohs(c.sin_port));
  // A new connection to the listener's port finds the listener.
  r = run("lookup_tuple", tuple(loopback(htons(40000)), l, false));
  EXPECT_EQ(r.retval, 1u);
  EXPECT_EQ(found_port(r), ntohs(l.sin_port));
  r = run("lookup_tuple", tuple(loopback(htons(40000)), u, true));
  EXPECT_EQ(r.retval, 1u);
  EXPECT_EQ(found_port(r), ntohs(u.sin_port));
  EXPECT_EQ(run("lookup_tuple", tuple(loopback(htons(40000)), u, false)).retval, 0u);  // no TCP socket there
  EXPECT_EQ(run("lookup_tuple", tuple(loopback(htons(40000)), l, true)).retval, 0u);   // no UDP socket there
}

TEST_P(SockPtrs, StorageIsKeptPerSocket) {
  EXPECT_EQ(run("count_runs", {1}).retval, 1u);
  EXPECT_EQ(run("count_runs", {1}).retval, 2u);
  EXPECT_EQ(run("count_runs", {2}).retval, 1u);
  auto v = map("counts").lookup<int32_t, uint64_t>(client_);  // the host names the socket by descriptor
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(*v, 2u);
  ASSERT_TRUE(map("counts").update(int32_t{client_}, uint64_t{40}));
  EXPECT_EQ(run("count_runs", {1}).retval, 41u);
  EXPECT_FALSE((map("counts").lookup<int32_t, uint64_t>(listener_)));
}

TEST_P(SockPtrs, TestRunSkbHasNoSocket) {
  EXPECT_EQ(run("skb_sock", {0x45}).retval, 3u);
}

INSTANTIATE_TEST_SUITE_P(Api, SockPtrs, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
