// SPDX-License-Identifier: Apache-2.0
// Accepted programs that escaped the verifier (issue 11: the data_meta range
// learnt from an offset data pointer, writable iterator elements, packet
// pointers and a result kept across a static function's tail call, packet
// memory handed to a global function that moves the packet). Each
// escape must be refused at load on every engine with the code and
// instruction the kernel's verifier also names (Linux 6.18 rejects each at
// the same instruction); the safe form of each still loads and runs on every
// engine.
#include <gtest/gtest.h>

#include "api_test_util.hpp"

namespace decade {
namespace {

using test::obj;

using test::Escape;

class EscapeVerifierA : public ::testing::TestWithParam<std::string> {
 protected:
  LoadOptions opts() const { return {.engine = GetParam()}; }
};

TEST_P(EscapeVerifierA, EscapesAreRefused) {
  const Escape escapes[] = {
      // `meta + 4000 <= data + 4000` proves no metadata byte.
      {"api/progs/escape_meta_range.bpf.o", ErrorCode::VerifierOutOfBounds, 7},
      // The static function's taken tail call shrank the packet.
      {"api/progs/escape_subprog_tail_call.bpf.o", ErrorCode::VerifierInvalidMemAccess, 7},
      // ... and its result is the target's r0, not the index it computes.
      {"api/progs/escape_subprog_tail_call_result.bpf.o", ErrorCode::VerifierOutOfBounds, 16},
      // A store through bpf_iter_num_next's element.
      {"api/progs/escape_iter_write.bpf.o", ErrorCode::VerifierReadOnly, 11},
      // Packet memory handed to a global function that moves the packet.
      {"verifier/progs/global_func_packet_arg.bpf.o", ErrorCode::VerifierBadHelperArg, 6},
  };
  test::expect_refused(escapes, GetParam());
}

TEST_P(EscapeVerifierA, SafeFormsRun) {
  auto o = BpfObject::open(obj("api/progs/escape_verifier_a_safe.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto s = o->load(opts());
  ASSERT_TRUE(s) << s.error().to_string();
  std::vector<uint8_t> pkt(1500);
  for (size_t i = 0; i < pkt.size(); ++i) pkt[i] = static_cast<uint8_t>(i);
  auto run = [&](const char* name) -> uint64_t {
    auto p = o->program(name);
    EXPECT_TRUE(p) << name;
    if (!p) return ~0ull;
    auto r = p->test_run({.data = pkt});
    EXPECT_TRUE(r) << name << ": " << r.error().to_string();
    return r ? r->retval : ~0ull;
  };
  EXPECT_EQ(run("meta_checked"), 0x2au);
  EXPECT_EQ(run("reload_after_tail_call"), 14u);  // the target shrank the packet
  EXPECT_EQ(run("iter_sum"), 6u);                 // 0 + 1 + 2 + 3, each element once
}

// A global function that leaves the packet alone may write packet memory
// it gets as an argument.
TEST_P(EscapeVerifierA, GlobalFunctionWritesPacketArgument) {
  auto o = BpfObject::open(obj("verifier/progs/global_func_packet_arg_ok.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(o->load(opts()));
  auto p = o->program("global_func_packet_arg_ok");
  ASSERT_TRUE(p);
  std::vector<uint8_t> pkt(64, 0);
  auto r = p->test_run({.data = pkt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 1u);
  ASSERT_EQ(r->data_out.size(), 64u);
  EXPECT_EQ(r->data_out[63], 1u);
}

INSTANTIATE_TEST_SUITE_P(Api, EscapeVerifierA, ::testing::ValuesIn(engines()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace decade
