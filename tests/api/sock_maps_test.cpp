// SPDX-License-Identifier: Apache-2.0
// Socket maps and bpf_check_mtu on every engine (api/progs/sock_maps.bpf.c):
// the host inserts its sockets by descriptor through BpfMap::update, a
// program's lookup, update and release move them between maps, sk_skb
// redirects are reported as socket redirects, and bpf_check_mtu gives the
// kernel's results (compared with the kernel's BPF_PROG_TEST_RUN where bpf()
// is allowed).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace decade {
namespace {

constexpr uint64_t kXdpDrop = 1, kXdpPass = 2, kTcActOk = 0, kTcActShot = 2, kSkDrop = 0, kSkPass = 1;

uint64_t cookie_of(int fd) {
  uint64_t c = 0;
  socklen_t len = sizeof(c);
  EXPECT_EQ(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len), 0);
  return c;
}

class SockMaps : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(test::obj("api/progs/sock_maps.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair_), 0);
    ASSERT_TRUE(map("socks").update(uint32_t{1}, uint64_t(pair_[0])));
    ASSERT_TRUE(map("sock_hash").update(uint32_t{3}, uint64_t(pair_[1])));
  }
  void TearDown() override {
    close(pair_[0]);
    close(pair_[1]);
  }
  BpfMap map(const char* name) { return *obj_->map(name); }
  TestRunResult run(const char* prog, std::array<uint8_t, 64> packet) {
    auto p = obj_->program(prog);
    EXPECT_TRUE(p) << prog;
    if (!p) return {};
    auto r = p->test_run({.data = packet});
    EXPECT_TRUE(r) << prog << ": " << r.error().to_string();
    return r ? *r : TestRunResult{};
  }
  std::optional<BpfObject> obj_;
  int pair_[2] = {-1, -1};
};

TEST_P(SockMaps, ProgramsMoveSocketsBetweenMaps) {
  TestRunResult r = run("copy_sock", {1});
  EXPECT_EQ(r.retval, kXdpPass);
  EXPECT_EQ(r.data_out[1], 1);  // the update succeeded
  auto c = map("sock_hash").lookup<uint32_t, uint64_t>(101);  // the socket's cookie
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(*c, cookie_of(pair_[0]));
  EXPECT_EQ(run("copy_sock", {2}).retval, kXdpDrop);  // no socket at key 2
  EXPECT_EQ(run("drop_sock", {1}).retval, kTcActOk);
  EXPECT_EQ(run("drop_sock", {1}).retval, kTcActShot);
  EXPECT_FALSE((map("socks").lookup<uint32_t, uint64_t>(1)));
}

TEST_P(SockMaps, SkSkbRedirectsAreReported) {
  TestRunResult r = run("to_sock", {1, 1});
  EXPECT_EQ(r.retval, kSkPass);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->kind, Redirect::Kind::Socket);
  EXPECT_EQ(r.redirect->cookie, cookie_of(pair_[0]));
  EXPECT_EQ(r.redirect->flags, 1u);  // BPF_F_INGRESS
  EXPECT_EQ(r.redirect->map, "socks");
  EXPECT_EQ(r.redirect->key, 1u);
  r = run("to_sock", {2, 0});  // no socket: SK_DROP, nothing reported
  EXPECT_EQ(r.retval, kSkDrop);
  EXPECT_FALSE(r.redirect);
  r = run("to_hashed_sock", {3, 0});
  EXPECT_EQ(r.retval, kSkPass);
  ASSERT_TRUE(r.redirect);
  EXPECT_EQ(r.redirect->cookie, cookie_of(pair_[1]));
  EXPECT_EQ(r.redirect->flags, 0u);
  EXPECT_EQ(run("to_hashed_sock", {3, 2}).retval, kSkDrop);  // flags beyond BPF_F_INGRESS
}

TEST_P(SockMaps, HostUpdatesNeedSockets) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  auto s = map("socks").update(uint32_t{0}, uint64_t(p[0]));
  close(p[0]);
  close(p[1]);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument) << s.error().to_string();  // -ENOTSOCK
}

// A C host inserts its sockets the same way (decade_map_update) and reads cookies.
TEST(SockMapsCApi, UpdateWithADescriptor) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(test::obj("api/progs/sock_maps.bpf.o").c_str(), &o), 0) << decade_last_error();
  ASSERT_EQ(decade_object_load(o, nullptr), 0) << decade_last_error();
  decade_map* m = decade_object_find_map(o, "sock_hash");
  ASSERT_NE(m, nullptr);
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair), 0);
  const uint32_t k = 9;
  const uint64_t fd = static_cast<uint64_t>(pair[0]);
  EXPECT_EQ(decade_map_update(m, &k, &fd, 0), 0) << decade_last_error();
  uint64_t cookie = 0;
  EXPECT_EQ(decade_map_lookup(m, &k, &cookie), 0) << decade_last_error();
  EXPECT_EQ(cookie, cookie_of(pair[0]));
  close(pair[0]);
  close(pair[1]);
  decade_object_close(o);
}

// One bpf_check_mtu case: the packet's words in, the result and MTU out.
struct MtuCase {
  const char* name;
  uint32_t ifindex, mtu_in;
  int32_t len_diff;
  uint32_t flags;
  int32_t ret;         // the kernel's
  uint32_t mtu_out;    // *mtu_len after the call
  std::ostream& print(std::ostream& os) const { return os << name; }
};
std::ostream& operator<<(std::ostream& os, const MtuCase& c) { return c.print(os); }

// Against the test run's device (loopback: ifindex 1, MTU 65536) and a
// 64-byte packet, as the kernel's test run has them.
const MtuCase kMtuCases[] = {
    {"packet_dev", 0, 0, 0, 0, 0, 65536},       {"loopback", 1, 0, 0, 0, 0, 65536},
    {"no_device", 7, 0, 0, 0, -19, 0},          {"l3_len_fits", 0, 65536, 0, 0, 0, 65536},
    {"l3_len_too_big", 0, 65537, 0, 0, 1, 65536}, {"grown_fits", 0, 0, 65486, 0, 0, 65536},
    {"grown_too_big", 0, 0, 65487, 0, 1, 65536}, {"shrunk", 0, 0, -100, 0, 0, 65536},
    {"bad_flags", 0, 0, 0, 2, -22, 0},
};
// The flags each program type takes differently: xdp none, tc BPF_MTU_CHK_SEGS.
const MtuCase kSegsXdp = {"segs_xdp", 0, 0, 0, 1, -22, 0};
const MtuCase kSegsTc = {"segs_tc", 0, 0, 0, 1, 0, 65536};
const MtuCase kSegsTcWithLen = {"segs_tc_len", 0, 5, 0, 1, -22, 5};

std::array<uint8_t, 64> mtu_packet(const MtuCase& c, size_t off) {
  std::array<uint8_t, 64> p{};
  const uint32_t w[4] = {c.ifindex, c.mtu_in, static_cast<uint32_t>(c.len_diff), c.flags};
  std::memcpy(p.data() + off, w, sizeof(w));
  return p;
}

void expect_mtu(const MtuCase& c, const std::vector<uint8_t>& out, size_t off, const char* prog) {
  ASSERT_GE(out.size(), off + 8) << c << " " << prog;
  int32_t ret = 0;
  uint32_t mtu = 0;
  std::memcpy(&ret, out.data() + off, 4);
  std::memcpy(&mtu, out.data() + off + 4, 4);
  EXPECT_EQ(ret, c.ret) << c << " " << prog;
  EXPECT_EQ(mtu, c.mtu_out) << c << " " << prog;
}

TEST_P(SockMaps, CheckMtuGivesTheKernelsResults) {
  auto check = [&](const MtuCase& c, const char* prog, size_t off) {
    expect_mtu(c, run(prog, mtu_packet(c, off)).data_out, off, prog);
  };
  for (const MtuCase& c : kMtuCases) {
    check(c, "mtu_xdp", 0);
    check(c, "mtu_tc", 6);
  }
  check(kSegsXdp, "mtu_xdp", 0);
  check(kSegsTc, "mtu_tc", 6);
  check(kSegsTcWithLen, "mtu_tc", 6);
}

// The host's interfaces (the FibTable) give other devices' MTUs.
TEST_P(SockMaps, CheckMtuReadsTheHostsInterfaces) {
  auto o = BpfObject::open(test::obj("api/progs/sock_maps.bpf.o"));
  ASSERT_TRUE(o);
  FibTable fib;
  ASSERT_TRUE(fib.parse("dev 5 mac 02:00:00:00:00:05 mtu 1400\n"));
  ASSERT_TRUE(o->set_fib(fib));
  ASSERT_TRUE(o->load({.engine = GetParam()}));
  const MtuCase fits = {"dev5", 5, 1400, 0, 0, 0, 1400}, big = {"dev5_big", 5, 1401, 0, 0, 1, 1400};
  for (const MtuCase& c : {fits, big}) {
    auto r = o->program("mtu_xdp")->test_run({.data = mtu_packet(c, 0)});
    ASSERT_TRUE(r) << r.error().to_string();
    expect_mtu(c, r->data_out, 0, "mtu_xdp");
  }
}

INSTANTIATE_TEST_SUITE_P(Api, SockMaps, ::testing::ValuesIn(engines()));

// The same cases in the kernel's BPF_PROG_TEST_RUN (bpftool prog run).
std::optional<std::vector<uint8_t>> kernel_run(const std::string& pin, const std::array<uint8_t, 64>& in) {
  const std::string base = (std::filesystem::temp_directory_path() / ("decade_sock_" + std::to_string(getpid()))).string();
  {
    std::ofstream f(base + ".in", std::ios::binary);
    f.write(reinterpret_cast<const char*>(in.data()), in.size());
  }
  const std::string cmd = "bpftool prog run pinned " + pin + " data_in " + base + ".in data_out " + base + ".out >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return std::nullopt;
  auto out = test::read_bytes(base + ".out");
  std::error_code ec;
  std::filesystem::remove(base + ".in", ec);
  std::filesystem::remove(base + ".out", ec);
  return out;
}

TEST(SockMapsKernel, CheckMtuCasesAreTheKernels) {
  if (geteuid() != 0) GTEST_SKIP() << "not root: no bpf()";
  const std::string dir = "/sys/fs/bpf/decade_sock_maps_" + std::to_string(getpid());
  const std::string load = "bpftool prog loadall " + test::obj("api/progs/sock_maps.bpf.o") + " " + dir + " >/dev/null 2>&1";
  if (std::system(load.c_str()) != 0) GTEST_SKIP() << "bpftool prog loadall failed (no bpftool or bpf() refused)";
  auto check = [&](const MtuCase& c, const char* prog, size_t off) {
    auto out = kernel_run(dir + "/" + prog, mtu_packet(c, off));
    ASSERT_TRUE(out) << c << " " << prog;
    expect_mtu(c, *out, off, prog);
  };
  for (const MtuCase& c : kMtuCases) {
    check(c, "mtu_xdp", 0);
    check(c, "mtu_tc", 6);
  }
  check(kSegsXdp, "mtu_xdp", 0);
  check(kSegsTc, "mtu_tc", 6);
  check(kSegsTcWithLen, "mtu_tc", 6);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace decade
