// SPDX-License-Identifier: Apache-2.0
// The raw SYN cookie helpers (bpf_tcp_raw_gen_syncookie_ipv4/6,
// bpf_tcp_raw_check_syncookie_ipv4/6; tests/api/progs/syncookie.bpf.c) on
// every engine: a SYN gets a cookie and the MSS it encodes, the ACK that
// returns it passes, anything else is refused. The cookie construction
// itself (runtime/helpers/syncookie.hpp) is tested directly for its ages.
// Where bpf() is allowed, the results that do not depend on the secret
// (-EINVAL for a bad header length, -EACCES for an ACK of no cookie) are
// compared with the kernel's BPF_PROG_TEST_RUN.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "api_test_util.hpp"
#include "kernel_pins.hpp"
#include "runtime/helpers/syncookie.hpp"

namespace decade {
namespace {

constexpr size_t kEth = 14, kOut = 96, kLenOff = 104, kPktLen = 112;
constexpr uint32_t kXdpDrop = 1, kXdpPass = 2, kXdpTx = 3;
constexpr uint32_t kSynSeq = 0x01020304;

struct Packet {
  bool v6 = false;
  std::vector<uint8_t> bytes;
  size_t ip_len() const { return v6 ? 40 : 20; }
  uint8_t* tcp() { return bytes.data() + kEth + ip_len(); }
  uint32_t get32(size_t off) { uint32_t v; std::memcpy(&v, tcp() + off, 4); return ntohl(v); }
  void set32(size_t off, uint32_t v) { v = htonl(v); std::memcpy(tcp() + off, &v, 4); }
  int64_t out() const { int64_t v; std::memcpy(&v, bytes.data() + kOut, 8); return v; }
};

// A SYN from 10.0.0.1:1000 (or 2001:db8::1) to 10.0.0.2:80 (2001:db8::2)
// with sequence kSynSeq and, when mss is not 0, an MSS option.
Packet syn(bool v6, uint16_t mss, uint16_t sport = 1000) {
  Packet p{v6, std::vector<uint8_t>(kPktLen)};
  const uint16_t proto = v6 ? 0x86dd : 0x0800;
  p.bytes[12] = static_cast<uint8_t>(proto >> 8);
  p.bytes[13] = static_cast<uint8_t>(proto);
  uint8_t* ip = p.bytes.data() + kEth;
  if (v6) {
    ip[0] = 0x60, ip[6] = 6, ip[7] = 64;
    inet_pton(AF_INET6, "2001:db8::1", ip + 8);
    inet_pton(AF_INET6, "2001:db8::2", ip + 24);
  } else {
    ip[0] = 0x45, ip[8] = 64, ip[9] = 6;
    inet_pton(AF_INET, "10.0.0.1", ip + 12);
    inet_pton(AF_INET, "10.0.0.2", ip + 16);
  }
  uint8_t* t = p.tcp();
  t[0] = static_cast<uint8_t>(sport >> 8), t[1] = static_cast<uint8_t>(sport);
  t[3] = 80;
  p.set32(4, kSynSeq);
  t[12] = mss ? 0x60 : 0x50;  // doff 6 with the option, else 5
  t[13] = 0x02;               // SYN
  if (mss) {
    t[20] = 2, t[21] = 4;
    t[22] = static_cast<uint8_t>(mss >> 8), t[23] = static_cast<uint8_t>(mss);
  }
  return p;
}

// The client's ACK answering a SYN-ACK: the SYN's endpoints again,
// seq = the SYN's + 1, ack = the cookie + 1.
Packet ack_for(bool v6, uint32_t cookie, uint16_t sport = 1000) {
  Packet p = syn(v6, 0, sport);
  p.tcp()[13] = 0x10;  // ACK
  p.set32(4, kSynSeq + 1);
  p.set32(8, cookie + 1);
  return p;
}

class Syncookie : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(test::obj("api/progs/syncookie.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
  }
  // Runs `prog` on p; p becomes the packet after the run.
  uint32_t run(const char* prog, Packet& p) {
    auto r = obj_->program(prog)->test_run({.data = p.bytes});
    EXPECT_TRUE(r) << prog << ": " << r.error().to_string();
    if (!r) return ~0u;
    p.bytes = r->data_out;
    return static_cast<uint32_t>(r->retval);
  }
  std::optional<BpfObject> obj_;
};

TEST_P(Syncookie, AckOfTheCookiePassesAndNothingElse) {
  for (bool v6 : {false, true}) {
    SCOPED_TRACE(v6 ? "ipv6" : "ipv4");
    const char* gen = v6 ? "syn_v6" : "syn_v4";
    const char* check = v6 ? "ack_v6" : "ack_v4";
    Packet s = syn(v6, 1460);
    ASSERT_EQ(run(gen, s), kXdpTx);
    const uint32_t cookie = s.get32(4);
    EXPECT_EQ(static_cast<uint32_t>(s.out()), cookie);
    EXPECT_EQ(s.get32(8), kSynSeq + 1);           // the SYN-ACK acknowledges the SYN
    EXPECT_EQ(s.tcp()[0] << 8 | s.tcp()[1], 80);  // ports swapped

    Packet a = ack_for(v6, cookie);
    EXPECT_EQ(run(check, a), kXdpPass);
    EXPECT_EQ(a.out(), 0);

    // The cookie's low 2 bits carry the MSS index added to a hash, so an
    // acknowledgement or sequence number a few units off names another MSS
    // (as with the kernel's cookies); further off it is no cookie.
    Packet wrong = ack_for(v6, cookie + 0x100);
    EXPECT_EQ(run(check, wrong), kXdpDrop);
    EXPECT_EQ(wrong.out(), -EACCES);
    Packet other_port = ack_for(v6, cookie, 1001);
    EXPECT_EQ(run(check, other_port), kXdpDrop);
    Packet other_seq = ack_for(v6, cookie);
    other_seq.set32(4, kSynSeq + 1 + 0x100);
    EXPECT_EQ(run(check, other_seq), kXdpDrop);
    // The same SYN gets the same cookie (within the same minute).
    Packet again = syn(v6, 1460);
    ASSERT_EQ(run(gen, again), kXdpTx);
    const uint32_t second = again.get32(4);
    if (second != cookie) {  // the minute turned between the two: both stay valid
      Packet a2 = ack_for(v6, second);
      EXPECT_EQ(run(check, a2), kXdpPass);
    }
  }
}

TEST_P(Syncookie, MssIsTheLargestTableValueNotAboveTheSyns) {
  struct Case { bool v6; uint16_t asked; uint16_t encoded; };
  const Case cases[] = {
      {false, 0, 536},    {false, 1000, 536},  {false, 1300, 1300}, {false, 1400, 1300}, {false, 1452, 1440},
      {false, 9000, 1460}, {false, 100, 536},  {true, 0, 1220},     {true, 1400, 1220},   {true, 1500, 1440},
      {true, 9000, 8940},  {true, 1420, 1420},
  };
  for (const Case& c : cases) {
    Packet s = syn(c.v6, c.asked);
    ASSERT_EQ(run(c.v6 ? "syn_v6" : "syn_v4", s), kXdpTx) << c.asked;
    EXPECT_EQ(static_cast<uint64_t>(s.out()) >> 32, c.encoded) << (c.v6 ? "v6 " : "v4 ") << c.asked;
    // The cookie carries that MSS: its ACK is valid.
    Packet a = ack_for(c.v6, s.get32(4));
    EXPECT_EQ(run(c.v6 ? "ack_v6" : "ack_v4", a), kXdpPass) << c.asked;
  }
}

TEST_P(Syncookie, HeaderLengthMustBeTheTcpHeaders) {
  for (bool v6 : {false, true}) {
    for (uint8_t len : {0, 19, 24, 40}) {  // doff says 20
      Packet p = syn(v6, 0);
      p.bytes[kLenOff] = len;
      ASSERT_EQ(run(v6 ? "gen_len_v6" : "gen_len_v4", p), kXdpPass);
      EXPECT_EQ(p.out(), -EINVAL) << static_cast<int>(len);
    }
    Packet p = syn(v6, 0);
    p.bytes[kLenOff] = 20;
    ASSERT_EQ(run(v6 ? "gen_len_v6" : "gen_len_v4", p), kXdpPass);
    EXPECT_EQ(static_cast<uint64_t>(p.out()) >> 32, v6 ? 1220u : 536u);
  }
}

TEST_P(Syncookie, TcHasThem) {
  Packet s = syn(false, 0);
  auto r = obj_->program("syn_tc")->test_run({.data = s.bytes});
  ASSERT_TRUE(r) << r.error().to_string();
  int64_t out;
  std::memcpy(&out, r->data_out.data() + kOut, 8);
  EXPECT_EQ(static_cast<uint64_t>(out) >> 32, 536u);
  Packet a = ack_for(false, static_cast<uint32_t>(out));
  EXPECT_EQ(run("ack_v4", a), kXdpPass);
}

// An IP header pointer with fewer bytes proven than the header's size is
// refused, as the kernel refuses it.
TEST_P(Syncookie, ShortHeaderIsRefused) {
  const test::Escape refused[] = {{"api/progs/reject_syncookie_short.bpf.o", ErrorCode::VerifierOutOfBounds, 8}};
  test::expect_refused(refused, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Api, Syncookie, ::testing::ValuesIn(engines()));

TEST(SyncookieHash, SipHash24ReferenceVectors) {
  // The reference implementation's vectors: key 00 01 .. 0f, messages
  // 00 01 .. (n - 1) bytes long.
  uint64_t k0 = 0, k1 = 0;
  for (int i = 0; i < 8; ++i) k0 |= uint64_t(i) << (8 * i), k1 |= uint64_t(i + 8) << (8 * i);
  std::vector<uint8_t> msg;
  EXPECT_EQ(syncookie::siphash24(k0, k1, msg), 0x726fdb47dd0e0e31ull);
  msg.push_back(0);
  EXPECT_EQ(syncookie::siphash24(k0, k1, msg), 0x74f839c593dc67fdull);
  for (uint8_t i = 1; i < 8; ++i) msg.push_back(i);
  EXPECT_EQ(syncookie::siphash24(k0, k1, msg), 0x93f5f5799a932462ull);  // 8 bytes
  for (uint8_t i = 8; i < 15; ++i) msg.push_back(i);
  EXPECT_EQ(syncookie::siphash24(k0, k1, msg), 0xa129ca6149be45e5ull);  // 15 bytes
}

TEST(SyncookieHash, ValidForTwoCountsThenNot) {
  syncookie::Flow f;
  f.saddr[0] = 10, f.saddr[3] = 1, f.daddr[0] = 10, f.daddr[3] = 2, f.sport = htons(1000), f.dport = htons(80);
  uint16_t mss = 0;
  const uint32_t count = 5000;
  const uint32_t cookie = syncookie::make(f, 77, 1440, count, &mss);
  EXPECT_EQ(mss, 1440);
  EXPECT_EQ(syncookie::check(f, cookie, 77, count), 1440);
  EXPECT_EQ(syncookie::check(f, cookie, 77, count + 1), 1440);
  EXPECT_EQ(syncookie::check(f, cookie, 77, count + 2), 0);
  EXPECT_EQ(syncookie::check(f, cookie, 77, count - 1), 0);  // from the future
  EXPECT_EQ(syncookie::check(f, cookie, 77 + 0x40, count), 0);
  // A sequence number 1 less moves the MSS index 1 up (2 -> 3), as in the
  // kernel's construction; 2 less leaves the table.
  EXPECT_EQ(syncookie::check(f, cookie, 76, count), 1460);
  EXPECT_EQ(syncookie::check(f, cookie, 75, count), 0);
  // The count wraps in 8 bits without a false acceptance at the boundary.
  const uint32_t late = syncookie::make(f, 77, 536, 255, &mss);
  EXPECT_EQ(syncookie::check(f, late, 77, 256), 536);
  EXPECT_EQ(syncookie::check(f, late, 77, 257), 0);
  // Every bit above the MSS index matters.
  for (int b = 2; b < 32; ++b) EXPECT_EQ(syncookie::check(f, cookie ^ (1u << b), 77, count), 0) << b;
}

// The kernel on the cases that do not depend on its secret.
TEST(Syncookie, SameErrorsAsTheKernel) {
  if (geteuid() != 0) GTEST_SKIP() << "not root: no bpf()";
  test::KernelPins pins("api/progs/syncookie.bpf.o");
  if (!pins.ok()) GTEST_SKIP() << "bpftool prog loadall failed (no bpftool or bpf() refused)";
  auto o = BpfObject::open(test::obj("api/progs/syncookie.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(o->load({}));
  for (bool v6 : {false, true}) {
    for (uint8_t len : {0, 19, 24, 20}) {
      Packet p = syn(v6, 0);
      p.bytes[kLenOff] = len;
      const char* prog = v6 ? "gen_len_v6" : "gen_len_v4";
      auto k = pins.run(prog, p.bytes);
      ASSERT_TRUE(k) << prog;
      auto r = o->program(prog)->test_run({.data = p.bytes});
      ASSERT_TRUE(r);
      int64_t mine, theirs;
      std::memcpy(&mine, r->data_out.data() + kOut, 8);
      std::memcpy(&theirs, k->data_out.data() + kOut, 8);
      if (len == 20) EXPECT_EQ(static_cast<uint64_t>(mine) >> 32, static_cast<uint64_t>(theirs) >> 32) << prog;  // the MSS
      else EXPECT_EQ(mine, theirs) << prog << " " << int(len);
    }
    // An ACK of no cookie at all.
    Packet a = ack_for(v6, 0x12345678);
    const char* prog = v6 ? "ack_v6" : "ack_v4";
    auto k = pins.run(prog, a.bytes);
    ASSERT_TRUE(k) << prog;
    auto r = o->program(prog)->test_run({.data = a.bytes});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->retval, static_cast<uint64_t>(k->retval)) << prog;
    EXPECT_EQ(r->data_out, k->data_out) << prog;
  }
}

}  // namespace
}  // namespace decade
