// SPDX-License-Identifier: Apache-2.0
// bpf_throw on every engine, verified and in checked execution: every frame
// unwinds, the result is the exception callback's (or the cookie), what the
// program wrote before the throw stays, and the run after a throw starts
// clean. A throw inside a bpf_loop callback, which the verifier refuses,
// unwinds through the helper in checked execution.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

#include "api_test_util.hpp"

namespace decade {
namespace {

struct Expect {
  const char* prog;
  uint8_t selector;  // the packet's first byte
  uint64_t retval;
};

const Expect kRuns[] = {
    {"throw_main", 0, 2},        {"throw_main", 1, 7},          // from the main function
    {"throw_subprog", 2, 13},    {"throw_subprog", 3, 43},      // two static frames down
    {"throw_global", 0, 1},      {"throw_global", 5, 500},      // from a global function
    {"throw_caught", 2, 3},      {"throw_caught", 1, 1006},     // the callback's result
    {"throw_caught", 3, 1043},                                  // ... from two frames down
    {"throw_after_loop", 0, 2},  {"throw_after_loop", 1, 4},    // after bpf_loop returned
    {"throw_tail_call", 0, 24},                                 // the target's throw ends in the target
};

Result<uint64_t> run(const BpfObject& o, const std::string& prog, uint8_t selector) {
  auto p = o.program(prog);
  if (!p) return std::unexpected(p.error());
  std::array<uint8_t, 64> packet{};
  packet[0] = selector;
  auto r = p->test_run({.data = packet});
  if (!r) return std::unexpected(r.error());
  return r->retval;
}

uint64_t bss_u64(BpfObject& o, const char* name) {
  auto v = o.global_var(name);
  if (!v || v->size() != sizeof(uint64_t)) return ~uint64_t{0};
  uint64_t x = 0;
  std::memcpy(&x, v->data(), sizeof x);
  return x;
}

class Exceptions : public ::testing::TestWithParam<std::string> {
 protected:
  Result<BpfObject> open_loaded(const std::string& rel, bool unverified) const {
    return test::open_loaded(rel, GetParam(), unverified);
  }
};

TEST_P(Exceptions, ThrowUnwindsEveryFrame) {
  for (bool unverified : {false, true}) {
    SCOPED_TRACE(unverified ? "checked execution" : "verified");
    auto o = open_loaded("api/progs/exceptions.bpf.o", unverified);
    ASSERT_TRUE(o) << o.error().to_string();
    for (const Expect& e : kRuns) {
      auto r = run(*o, e.prog, e.selector);
      ASSERT_TRUE(r) << e.prog << "(" << int{e.selector} << "): " << r.error().to_string();
      EXPECT_EQ(*r, e.retval) << e.prog << "(" << int{e.selector} << ")";
    }
    // throw_main and throw_caught count their runs before they may throw:
    // writes made before a throw stay.
    EXPECT_EQ(bss_u64(*o, "ran"), 5u);
  }
}

TEST_P(Exceptions, ThrowInCallbackUnwindsTheHelperInCheckedExecution) {
  auto refused = open_loaded("verifier/exceptions/throw_in_callback.bpf.o", false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::VerifierException) << refused.error().to_string();
  auto o = open_loaded("verifier/exceptions/throw_in_callback.bpf.o", true);
  ASSERT_TRUE(o) << o.error().to_string();
  for (uint64_t n = 1; n <= 2; ++n) {  // the second run finds no trace of the first throw
    auto r = run(*o, "throw_in_callback", 0);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(*r, 77u);  // the cookie: the program has no exception callback
    EXPECT_EQ(bss_u64(*o, "iterations"), 3 * n);  // bpf_loop stopped at i == 2
  }
}

INSTANTIATE_TEST_SUITE_P(Api, Exceptions, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
