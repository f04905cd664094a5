// SPDX-License-Identifier: Apache-2.0
// __kconfig externs through the C++ and C APIs: values from the host's
// kconfig text, LINUX_KERNEL_VERSION's default, weak externs reading zero,
// strong ones without a value failing the load with a code naming them, and
// values folded by the verifier like .rodata.
#include <gtest/gtest.h>

#include <cerrno>

#include <string>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace decade {
namespace {

using test::obj;

constexpr const char* kConfig =
    "# a comment, then a blank line\n"
    "\n"
    "CONFIG_HZ=250\n"
    "CONFIG_BPF_SYSCALL=y\n"
    "CONFIG_MODULES=m\n"
    "CONFIG_LOCALVERSION=\"-dec\"\n"
    "CONFIG_NEG=-5\n"
    "CONFIG_HZ=100\n"          // a second value of a name is ignored (libbpf: first wins)
    "CONFIG_NOT_USED=12345\n";  // names the object does not declare are ignored

class Kconfig : public ::testing::TestWithParam<std::string> {
 protected:
  Result<BpfObject> load(const std::string& file, const std::string& text) const {
    auto o = BpfObject::open(obj("api/progs/" + file));
    if (!o) return o;
    if (auto s = o->set_kconfig(text); !s) return std::unexpected(s.error());
    LoadOptions lo;
    lo.engine = GetParam();
    if (auto s = o->load(lo); !s) return std::unexpected(s.error());
    return o;
  }
  static uint64_t run(const BpfObject& o, const char* prog) {
    auto p = o.program(prog);
    EXPECT_TRUE(p) << prog;
    if (!p) return ~0ull;
    auto r = p->test_run({});
    EXPECT_TRUE(r) << prog << ": " << r.error().to_string();
    return r ? r->retval : ~0ull;
  }
};

TEST_P(Kconfig, ValuesOfEveryKind) {
  auto o = load("kconfig.bpf.o", kConfig);
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(run(*o, "kver"), 0x060c00u);  // KERNEL_VERSION(6, 12, 0), the documented default
  EXPECT_EQ(run(*o, "hz"), 250u);
  EXPECT_EQ(run(*o, "syscall_on"), 1u);
  EXPECT_EQ(run(*o, "modules"), 2u);  // TRI_MODULE
  EXPECT_EQ(run(*o, "localversion"), 0x6365642du);
  EXPECT_EQ(static_cast<int32_t>(run(*o, "neg")), -5);
  EXPECT_EQ(run(*o, "weak_unset"), 0u);
  auto m = o->map(".kconfig");
  ASSERT_TRUE(m) << "the externs live in a map named .kconfig";
  EXPECT_EQ(m->max_entries(), 1u);
}

TEST_P(Kconfig, WeakExternsTakeValuesWhenGiven) {
  auto o = load("kconfig.bpf.o", std::string(kConfig) + "CONFIG_BIG=0x123456789\nCONFIG_CH=m\nLINUX_KERNEL_VERSION=331264\n");
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(run(*o, "big"), 0x123456789u);
  EXPECT_EQ(run(*o, "ch"), uint64_t{'m'});
  EXPECT_EQ(run(*o, "kver"), 331264u);  // KERNEL_VERSION(5, 14, 0) from the text
}

TEST_P(Kconfig, StrongExternWithoutValueFailsNamingIt) {
  auto o = BpfObject::open(obj("api/progs/kconfig_missing.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();  // the host may still supply it before load
  LoadOptions lo;
  lo.engine = GetParam();
  auto s = o->load(lo);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::ElfKconfigMissing);
  EXPECT_NE(s.error().message.find("CONFIG_DECADE_NOT_SET"), std::string::npos) << s.error().to_string();

  auto fixed = load("kconfig_missing.bpf.o", "CONFIG_DECADE_NOT_SET=7\n");
  ASSERT_TRUE(fixed) << fixed.error().to_string();
  EXPECT_EQ(run(*fixed, "kconfig_missing"), 7u);
}

TEST_P(Kconfig, ValuesThatDoNotFitAreErrors) {
  const char* const bad[] = {
      "CONFIG_DECADE_NOT_SET=300\n",      // u8 range
      "CONFIG_DECADE_NOT_SET=\"str\"\n",  // a string for a char
      "CONFIG_DECADE_NOT_SET=12abc\n",    // not a number
      "CONFIG_DECADE_NOT_SET\n",          // no '='
      "CONFIG_DECADE_NOT_SET=\n",         // no value
  };
  for (const char* text : bad) {
    SCOPED_TRACE(text);
    auto o = load("kconfig_missing.bpf.o", text);
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().code, ErrorCode::ElfKconfigBadValue) << o.error().to_string();
  }
  auto b = load("kconfig.bpf.o", std::string("CONFIG_BPF_SYSCALL=m\n") + kConfig);  // bool cannot be m
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::ElfKconfigBadValue);
  auto t = load("kconfig.bpf.o", std::string("CONFIG_MODULES=3\n") + kConfig);  // tristate takes y/n/m
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::ElfKconfigBadValue);
}

TEST_P(Kconfig, ValuesFoldLikeRodata) {
  auto o = load("kconfig_fold.bpf.o", "CONFIG_HZ=250\n");
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(run(*o, "folded"), 1u);
  auto bad = load("kconfig_fold.bpf.o", "CONFIG_HZ=100\n");
  ASSERT_FALSE(bad);
  EXPECT_GE(static_cast<unsigned>(bad.error().code), 700u);  // a verifier rejection
  EXPECT_LT(static_cast<unsigned>(bad.error().code), 800u);
  EXPECT_GE(bad.error().insn, 0);
}

INSTANTIATE_TEST_SUITE_P(Api, Kconfig, ::testing::ValuesIn(engines()));

TEST(KconfigCApi, SetKconfigThenLoad) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(obj("api/progs/kconfig_missing.bpf.o").c_str(), &o), 0) << decade_last_error();
  EXPECT_EQ(decade_object_load(o, nullptr), -ESRCH);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::ElfKconfigMissing));
  EXPECT_STREQ(decade_error_name(decade_last_error_code()), "ElfKconfigMissing");
  EXPECT_EQ(decade_object_set_kconfig(o, nullptr), -EINVAL);
  ASSERT_EQ(decade_object_set_kconfig(o, "CONFIG_DECADE_NOT_SET=42\n"), 0) << decade_last_error();
  ASSERT_EQ(decade_object_load(o, nullptr), 0) << decade_last_error();
  decade_program* p = decade_object_find_program(o, "kconfig_missing");
  ASSERT_NE(p, nullptr);
  struct decade_test_run run = {};
  run.sz = sizeof run;
  ASSERT_EQ(decade_program_test_run(p, &run), 0) << decade_last_error();
  EXPECT_EQ(run.retval, 42u);
  EXPECT_EQ(decade_object_set_kconfig(o, "CONFIG_DECADE_NOT_SET=1\n"), -EINVAL);  // after load
  decade_object_close(o);
}

TEST(KconfigCApi, AllowHelper) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(obj("loader/progs/map_hash.bpf.o").c_str(), &o), 0) << decade_last_error();
  EXPECT_EQ(decade_object_allow_helper(o, "xdp", 1), 0) << decade_last_error();
  EXPECT_EQ(decade_object_allow_helper(o, "no_such_type", 1), -ENOENT);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::ProgramTypeNotFound));
  EXPECT_EQ(decade_object_allow_helper(o, "xdp", 99999), -EINVAL);
  EXPECT_EQ(decade_last_error_code(), static_cast<int>(ErrorCode::InvalidArgument));
  EXPECT_EQ(decade_object_allow_helper(o, nullptr, 1), -EINVAL);
  decade_object_close(o);
}

}  // namespace
}  // namespace decade
