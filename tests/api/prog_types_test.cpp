// SPDX-License-Identifier: Apache-2.0
// Test runs of the socket-level and BTF-typed program types: plain-number
// contexts run in both engines; contexts with pointers the runtime does
// not provide are refused with Unsupported, naming the type.
#include <linux/bpf.h>

#include "api_test_util.hpp"

namespace decade::test {
namespace {

class ProgTypes : public ::testing::TestWithParam<std::string> {};

TEST_P(ProgTypes, PlainContextsRun) {
  auto o = open_loaded("api/progs/prog_types.bpf.o", GetParam(), false);
  ASSERT_TRUE(o) << o.error().to_string();
  bpf_sysctl sysctl{1, 3};
  auto r = o->program("sysctl")->test_run({.ctx = as_bytes(sysctl)});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 1u);
  bpf_cgroup_dev_ctx dev{0, 8, 1};
  r = o->program("dev")->test_run({.ctx = as_bytes(dev)});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 1u);
  const uint64_t args[2] = {5, 7};
  r = o->program("args")->test_run({.ctx = as_bytes(args)});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 12u);
}

TEST_P(ProgTypes, PointerContextsRefuseTestRuns) {
  auto o = open_loaded("api/progs/prog_types.bpf.o", GetParam(), false);
  ASSERT_TRUE(o) << o.error().to_string();
  for (const char* name : {"ops", "msg"}) {
    auto r = o->program(name)->test_run({});
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, ErrorCode::Unsupported) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Api, ProgTypes, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade::test
