// SPDX-License-Identifier: Apache-2.0
// USDT probes (BpfProgram::attach_usdt, src/probe/usdt.cpp): argument
// locations as <sys/sdt.h> writes them, programs written with libbpf's
// usdt.bpf.h reading arguments in registers, on the stack and as
// constants, probes with several sites and with semaphores, and the
// refusals by code. Program-running cases run on every engine.
#include <gtest/gtest.h>

#include <cerrno>

#include "decade/decade.h"
#include "probe/usdt.hpp"
#include "targets.hpp"
#include "usdt_targets.hpp"

namespace decade {
namespace {

using probe::UsdtArg;
using test::u64_at;

struct ArgCase {
  const char* text;
  UsdtArg::Kind kind;
  int16_t reg_off;
  uint64_t val_off;
  uint8_t size;
  bool is_signed;
};

TEST(UsdtArgs, LocationsAsTheAssemblerPrintsThem) {
  const ArgCase cases[] = {
      {"-4@%edi", UsdtArg::Kind::Reg, 112, 0, 4, true},
      {"8@%rax", UsdtArg::Kind::Reg, 80, 0, 8, false},
      {"2@%r10w", UsdtArg::Kind::Reg, 56, 0, 2, false},
      {"-1@%sil", UsdtArg::Kind::Reg, 104, 0, 1, true},
      {"8@-16(%rbp)", UsdtArg::Kind::RegDeref, 32, uint64_t(-16), 8, false},
      {"-4@(%rsp)", UsdtArg::Kind::RegDeref, 152, 0, 4, true},
      {"8@0x18(%r15)", UsdtArg::Kind::RegDeref, 0, 0x18, 8, false},
      {"4@$5", UsdtArg::Kind::Const, 0, 5, 4, false},
      {"-4@$-9", UsdtArg::Kind::Const, 0, uint64_t(-9), 4, true},
  };
  for (const ArgCase& c : cases) {
    auto a = probe::parse_usdt_args(c.text);
    ASSERT_TRUE(a) << c.text << ": " << a.error().to_string();
    ASSERT_EQ(a->size(), 1u) << c.text;
    const UsdtArg& r = a->front();
    EXPECT_EQ(r.kind, c.kind) << c.text;
    EXPECT_EQ(r.reg_off, c.reg_off) << c.text;
    EXPECT_EQ(r.val_off, c.val_off) << c.text;
    EXPECT_EQ(r.size, c.size) << c.text;
    EXPECT_EQ(r.is_signed, c.is_signed) << c.text;
  }
  auto three = probe::parse_usdt_args("-4@%edi  8@%rsi -2@$3");
  ASSERT_TRUE(three);
  EXPECT_EQ(three->size(), 3u);
  auto none = probe::parse_usdt_args("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(UsdtArgs, UnreadableLocationsAreRefusedByName) {
  for (const char* bad : {"3@%rax", "8@%xmm0", "8@counter(%rip)", "8@-4(%rax,%rbx,8)", "8", "8@", "8@$x", "x@%rax",
                          "1@%rax 1@%rax 1@%rax 1@%rax 1@%rax 1@%rax 1@%rax 1@%rax 1@%rax 1@%rax 1@%rax 1@%rax 1@%rax"}) {
    auto a = probe::parse_usdt_args(bad);
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error().code, ErrorCode::ProbeUsdtBadArgument) << bad;
  }
}

#if DECADE_HAVE_SDT

class UsdtEngines : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = test::load_probes(GetParam(), "usdt");
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
  }
  uint64_t got(uint32_t k) { return u64_at(*obj_, "got", k); }
  ProbeLink attach(const char* prog, const char* name, uint64_t cookie = 0) {
    auto l = obj_->program(prog)->attach_usdt({.provider = "decade_test", .name = name, .cookie = cookie});
    EXPECT_TRUE(l) << l.error().to_string();
    return l ? std::move(*l) : ProbeLink();
  }
  std::optional<BpfObject> obj_;
};

TEST_P(UsdtEngines, RegisterArgumentsCountAndCookie) {
  {
    ProbeLink l = attach("on_three", "three", 77);
    ASSERT_TRUE(l.attached());
    EXPECT_EQ(u_three(-7, 1L << 40, -3), -7 + (1L << 40) - 3);
    EXPECT_EQ(got(0), uint64_t(-7));
    EXPECT_EQ(got(1), 1ULL << 40);
    EXPECT_EQ(got(2), uint64_t(-3));
    EXPECT_EQ(got(3), 3u);
    EXPECT_EQ(got(4), 77u);
    EXPECT_EQ(got(5), 1u);
  }
  (void)u_three(1, 2, 3);
  EXPECT_EQ(got(5), 1u) << "a detached probe ran";
}

TEST_P(UsdtEngines, StackAndConstantArguments) {
  {
    ProbeLink l = attach("on_two", "two");
    EXPECT_EQ(u_stack(21), 43);
    EXPECT_EQ(got(0), 42u);
    EXPECT_EQ(got(1), 21u);
    EXPECT_EQ(got(3), 2u);
  }
  ProbeLink l = attach("on_two", "consts");
  EXPECT_EQ(u_consts(1), 4);
  EXPECT_EQ(got(0), 5u);
  EXPECT_EQ(got(1), uint64_t(-9));
}

TEST_P(UsdtEngines, EverySiteOfAProbe) {
  ProbeLink l = attach("on_two", "twice");
  EXPECT_EQ(u_twice_a(4), 12);
  EXPECT_EQ(got(1), 1u);
  EXPECT_EQ(u_twice_b(4), 20);
  EXPECT_EQ(got(1), 2u);
  EXPECT_EQ(got(5), 2u);
}

TEST_P(UsdtEngines, SemaphoreCountsTheLink) {
  EXPECT_EQ(u_gated(9), 0);
  {
    ProbeLink l = attach("on_two", "gated");
    EXPECT_EQ(decade_test_gated_semaphore, 1u);
    EXPECT_EQ(u_gated(9), 1);
    EXPECT_EQ(got(0), 9u);
    EXPECT_EQ(got(3), 1u);
  }
  EXPECT_EQ(decade_test_gated_semaphore, 0u);
  EXPECT_EQ(u_gated(9), 0);
}

TEST_P(UsdtEngines, ArgumentPastTheCountIsEnoent) {
  ProbeLink l = attach("on_missing", "three");
  (void)u_three(1, 2, 3);
  EXPECT_EQ(got(0), uint64_t(-ENOENT));
}

// Spec ids go back to the object on detach: more links over time than
// __bpf_usdt_specs has entries (256).
TEST_P(UsdtEngines, SpecIdsAreReused) {
  for (int i = 0; i < 300; ++i) {
    ProbeLink l = attach("on_three", "three", uint64_t(i));
    ASSERT_TRUE(l.attached()) << i;
  }
  ProbeLink l = attach("on_three", "three", 5);
  (void)u_three(1, 2, 3);
  EXPECT_EQ(got(4), 5u);
}

TEST_P(UsdtEngines, RefusalsByCode) {
  auto none = obj_->program("on_two")->attach_usdt({.provider = "decade_test", .name = "no_such_probe"});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::ProbeUsdtNotFound);
  auto lib = obj_->program("on_two")->attach_usdt({.binary = "libno_such.so", .provider = "p", .name = "n"});
  ASSERT_FALSE(lib);
  EXPECT_EQ(lib.error().code, ErrorCode::ProbeSymbolNotFound);
  auto o = test::load_probes(GetParam());
  ASSERT_TRUE(o) << o.error().to_string();
  auto no_specs = o->program("on_entry")->attach_usdt({.provider = "decade_test", .name = "three"});
  ASSERT_FALSE(no_specs);
  EXPECT_EQ(no_specs.error().code, ErrorCode::ProbeAttachFailed);
}

// The C API, libbpf-style: -ENOENT for a probe that is not there.
TEST_P(UsdtEngines, CApi) {
  decade_object* o = nullptr;
  const std::string path = std::string(DECADE_BINARY_DIR) + "/bpf/probe/progs/usdt.bpf.o";
  ASSERT_EQ(decade_object_open(path.c_str(), &o), 0);
  ASSERT_EQ(decade_object_grant(o, DECADE_GRANT_READ_HOST_MEMORY), 0);
  ASSERT_EQ(decade_object_grant(o, DECADE_GRANT_PRIVILEGED), 0);
  ASSERT_EQ(decade_object_add_readable_range(o, reinterpret_cast<const void*>(0x1000), 0x7fffffffe000 - 0x1000), 0);
  decade_load_opts lo{};
  lo.sz = sizeof lo;
  lo.engine = GetParam().c_str();
  ASSERT_EQ(decade_object_load(o, &lo), 0);
  const decade_program* p = decade_object_find_program(o, "on_three");
  ASSERT_NE(p, nullptr);
  decade_usdt_opts uo{};
  uo.sz = sizeof uo;
  uo.provider = "decade_test";
  uo.name = "three";
  uo.cookie = 9;
  decade_link* link = nullptr;
  ASSERT_EQ(decade_program_attach_usdt(p, &uo, &link), 0);
  (void)u_three(1, 2, 3);
  EXPECT_EQ(decade_link_destroy(link), 0);
  uo.name = "no_such_probe";
  EXPECT_EQ(decade_program_attach_usdt(p, &uo, &link), -ENOENT);
  EXPECT_EQ(decade_last_error_code(), 806);
  decade_object_close(o);
}

INSTANTIATE_TEST_SUITE_P(Engines, UsdtEngines, ::testing::ValuesIn(engines()));

#else

TEST(UsdtEngines, NeedsSysSdtH) { GTEST_SKIP() << "<sys/sdt.h> (systemtap-sdt-dev) is not installed: no USDT targets"; }

#endif

}  // namespace
}  // namespace decade
