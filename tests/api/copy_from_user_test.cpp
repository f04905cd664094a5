// SPDX-License-Identifier: Apache-2.0
// bpf_copy_from_user (tests/api/progs/copy_from_user.bpf.c): offered to
// sleepable tracing programs only, with the host's grant to read memory;
// it copies from the host's readable ranges (0) or fails with -EFAULT and
// the destination zeroed, on every engine. The kernel's verifier is asked
// the same question where bpf() is allowed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "api_test_util.hpp"

namespace decade {
namespace {

constexpr size_t kPtRegsDi = 14;  // u64 index of rdi in struct pt_regs

class CopyFromUser : public ::testing::TestWithParam<std::string> {};

TEST_P(CopyFromUser, CopiesFromReadableRangesOnly) {
  static char traced[32] = "sixteen bytes ok and then some";
  char secret[16] = "not for probes!";
  auto o = BpfObject::open(test::obj("api/progs/copy_from_user.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(o->grant(Grant::ReadHostMemory));
  ASSERT_TRUE(o->add_readable_range(traced, sizeof traced));
  auto s = o->load({.engine = GetParam()});
  ASSERT_TRUE(s) << s.error().to_string();
  auto copy = [&](const void* from) -> std::pair<int64_t, std::string> {
    std::array<uint64_t, 21> regs{};
    regs[kPtRegsDi] = reinterpret_cast<uint64_t>(from);
    auto r = o->program("copy16")->test_run({.ctx = test::as_bytes(regs)});
    EXPECT_TRUE(r) << r.error().to_string();
    auto bss = o->global_view(".bss");
    auto data = o->global_view(".data");
    if (!bss || !data) return {0, ""};
    int64_t rc;
    std::memcpy(&rc, data->data(), sizeof rc);
    return {rc, std::string(reinterpret_cast<const char*>(bss->data()), 16)};
  };
  auto [rc, got] = copy(traced);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(got, std::string(traced, 16));
  std::tie(rc, got) = copy(traced + 16);  // the last 16 bytes of the range
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(got, std::string(traced + 16, 16));
  std::tie(rc, got) = copy(traced + 17);  // one byte past the range
  EXPECT_EQ(rc, -EFAULT);
  EXPECT_EQ(got, std::string(16, '\0'));
  std::tie(rc, got) = copy(secret);
  EXPECT_EQ(rc, -EFAULT);
  EXPECT_EQ(got, std::string(16, '\0'));
  std::tie(rc, got) = copy(nullptr);
  EXPECT_EQ(rc, -EFAULT);
}

TEST_P(CopyFromUser, NeedsTheGrant) {
  auto o = BpfObject::open(test::obj("api/progs/copy_from_user.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto s = o->load({.engine = GetParam()});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::VerifierNotGranted) << s.error().to_string();
}

TEST_P(CopyFromUser, NotSleepableIsRefused) {
  auto o = BpfObject::open(test::obj("api/progs/reject_copy_from_user.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(o->grant(Grant::ReadHostMemory));
  auto s = o->load({.engine = GetParam()});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::VerifierUnknownFunc) << s.error().to_string();
  EXPECT_NE(s.error().to_string().find("helper call might sleep in a non-sleepable prog"), std::string::npos)
      << s.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(Api, CopyFromUser, ::testing::ValuesIn(engines()));

// The kernel loads the sleepable probe and refuses the other one.
TEST(CopyFromUserKernel, SameVerdictsAsTheKernel) {
  if (geteuid() != 0) GTEST_SKIP() << "not root: no bpf()";
  const std::string pin = "/sys/fs/bpf/decade_copy_from_user_" + std::to_string(getpid());
  auto load = [&](const char* object) {
    const std::string cmd = "bpftool prog load " + test::obj(object) + " " + pin + " >/dev/null 2>&1";
    const bool ok = std::system(cmd.c_str()) == 0;
    std::remove(pin.c_str());
    return ok;
  };
  if (!load("api/progs/copy_from_user.bpf.o")) GTEST_SKIP() << "bpftool prog load failed (no bpftool or bpf() refused)";
  EXPECT_FALSE(load("api/progs/reject_copy_from_user.bpf.o"));
}

}  // namespace
}  // namespace decade
