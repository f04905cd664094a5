// SPDX-License-Identifier: Apache-2.0
// The bpf_iter_bits iterator and the pointer casts on every engine
// (api/progs/kfuncs_bits.bpf.c): set bits in index order from one word and
// from several, the kernel's error results, and casts that return their
// argument.
#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <optional>

#include "api_test_util.hpp"

namespace decade {
namespace {

class KfuncRuns : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(test::obj("api/progs/kfuncs_bits.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    ASSERT_TRUE(obj_->grant(Grant::Privileged));  // casts: the programs compare pointers
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
  }
  uint64_t run(const char* prog) {
    auto p = obj_->program(prog);
    EXPECT_TRUE(p) << prog;
    if (!p) return ~0ull;
    std::array<uint8_t, 64> packet{};
    auto r = p->test_run({.data = packet});
    EXPECT_TRUE(r) << prog << ": " << r.error().to_string();
    return r ? static_cast<uint32_t>(r->retval) : ~0ull;  // the programs return a C int
  }
  std::optional<BpfObject> obj_;
};

TEST_P(KfuncRuns, BitsOfSeveralWords) { EXPECT_EQ(run("bits_of_global"), 4u * 1000 + 0 + 63 + 129 + 130); }

TEST_P(KfuncRuns, BitsOfOneWord) { EXPECT_EQ(run("bits_of_stack_word"), 10u); }

TEST_P(KfuncRuns, BitsRefusedCountsYieldNothing) { EXPECT_EQ(run("bits_refused"), uint64_t(EINVAL + EINVAL + E2BIG)); }

TEST_P(KfuncRuns, CastsReturnTheirArgument) { EXPECT_EQ(run("casts"), 3u); }

INSTANTIATE_TEST_SUITE_P(Api, KfuncRuns, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
