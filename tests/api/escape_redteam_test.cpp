// SPDX-License-Identifier: Apache-2.0
// Accepted programs that escaped the verifier, found by writing hostile
// programs against it: a helper writing a raw program's memory past the
// proven length, a helper writing a bpf_spin_lock word (the next lock hung
// the host thread), a variable-size helper write whose untouched bytes were
// read back (a host stack address copied into the packet), arena memory
// handed to a helper (which wrote the host 1 GiB past the arena), the XDP
// context copied by a helper (host address bits as a map key), a helper
// copying uninitialised stack (an earlier frame's address into a map), and
// syscall context stores proven against the 64 KiB the type allows instead
// of the context the caller gave. Each must be refused at load, or stopped at run
// time, on every engine. bpf_snprintf also left stale stack bytes in the
// part of its buffer the verifier counts as written; it now writes them.
#include <gtest/gtest.h>

#include "api_test_util.hpp"

namespace decade {
namespace {

using test::obj;

using test::Escape;

class EscapeRedteam : public ::testing::TestWithParam<std::string> {
 protected:
  LoadOptions opts() const { return {.engine = GetParam()}; }
};

TEST_P(EscapeRedteam, EscapesAreRefused) {
  const Escape escapes[] = {
      // bpf_get_current_comm(mem, 4000) on a raw program's memory (no length proven).
      {"api/progs/escape_redteam_raw_helper.bpf.o", ErrorCode::VerifierOutOfBounds, 1},
      // bpf_get_current_comm over the lock word (Linux 6.18 names the same call).
      {"api/progs/escape_redteam_lock_word.bpf.o", ErrorCode::VerifierLock, 11},
      // Reading the bytes a variable-size bpf_get_current_comm may not write.
      {"api/progs/escape_redteam_var_size.bpf.o", ErrorCode::VerifierUninitStack, 21},
      // The XDP context as a map key (Linux 6.18 refuses the same call).
      {"api/progs/escape_redteam_ctx_key.bpf.o", ErrorCode::VerifierBadHelperArg, 8},
      // bpf_map_update_elem's value from stack the function never wrote.
      {"api/progs/escape_redteam_helper_uninit.bpf.o", ErrorCode::VerifierUninitStack, 15},
      // Arena memory as a helper's buffer (the engines check only the program's own accesses).
      {"api/progs/escape_redteam_arena_helper.v4.bpf.o", ErrorCode::VerifierBadHelperArg, 24},
  };
  test::expect_refused(escapes, GetParam());
}

// A syscall program may name context bytes up to 64 KiB; a store past the
// context the caller gave stops the run instead of writing the host's heap
// (Linux refuses such a test run with EINVAL). With a context that long, the
// same store lands in it.
TEST_P(EscapeRedteam, SyscallContextIsCheckedAgainstTheCallersLength) {
  auto o = BpfObject::open(obj("api/progs/escape_redteam_sys_ctx.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(o->load(opts())) << GetParam();
  auto p = o->program("sys_ctx_far");
  ASSERT_TRUE(p);
  for (size_t len : {size_t{0}, size_t{16}, size_t{30007}}) {
    std::vector<uint8_t> ctx(len, 0);
    auto r = p->test_run({.ctx = ctx});
    ASSERT_FALSE(r) << "context of " << len << " bytes: the store past it ran";
    EXPECT_EQ(r.error().code, ErrorCode::ExecOutOfBounds) << r.error().to_string();
    EXPECT_EQ(r.error().insn, 2) << r.error().to_string();
  }
  std::vector<uint8_t> ctx(30008, 0);
  auto r = p->test_run({.ctx = ctx});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 7u);
  ASSERT_EQ(r->ctx_out.size(), ctx.size());
  EXPECT_EQ(r->ctx_out[30000], 0x41u);
  EXPECT_EQ(r->ctx_out[30007], 0x41u);
}

// bpf_snprintf writes every byte the verifier counts as written: zeros past
// the text, and zeros on an error (before, both left an earlier function's
// spilled stack address there for the program to copy out).
TEST_P(EscapeRedteam, SnprintfLeavesNoStaleBytes) {
  auto o = BpfObject::open(obj("api/progs/escape_redteam_snprintf_stale.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(o->load(opts())) << GetParam();
  auto p = o->program("snprintf_stale");
  ASSERT_TRUE(p);
  std::vector<uint8_t> pkt(64, 0xee);
  auto r = p->test_run({.data = pkt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 3u);  // XDP_TX
  ASSERT_EQ(r->data_out.size(), pkt.size());
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(r->data_out[i], 0u) << "byte " << i;
}

// An atomic on a misaligned arena address: accepted (an arena pointer's
// alignment is unknown to the verifier), stopped by the engine before the
// locked instruction runs.
TEST_P(EscapeRedteam, MisalignedArenaAtomicStops) {
  auto o = BpfObject::open(obj("api/progs/escape_misaligned_atomic.v4.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(o->load(opts())) << GetParam();
  auto p = o->program("misaligned_arena_atomic");
  ASSERT_TRUE(p);
  auto r = p->test_run({});
  ASSERT_FALSE(r) << "the misaligned atomic ran; r0 = " << r->retval;
  EXPECT_EQ(r.error().code, ErrorCode::ExecMisaligned) << r.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(Api, EscapeRedteam, ::testing::ValuesIn(engines()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace decade
