// SPDX-License-Identifier: Apache-2.0
// The JIT against the interpreter, both in checked mode, on hand-written
// programs that reach every kind of instruction and every fault: the same
// r0, the same memory, or the same error code at the same instruction.
#include <gtest/gtest.h>

#include <cstring>

#include "jit_test_util.hpp"

namespace decade::jit::test {
namespace {

struct Case {
  const char* name;
  const char* text;
  std::vector<uint8_t> mem = {};
  uint64_t budget = 0;
  bool same_insn = true;  // budget faults may be noticed at a different instruction
};

std::vector<uint8_t> bytes(std::initializer_list<uint8_t> b) { return b; }
std::vector<uint8_t> zeros(size_t n) { return std::vector<uint8_t>(n, 0); }

const Case kCases[] = {
    {"ldx_all_widths", "ldxb %r2, [%r1+1]\nldxh %r3, [%r1+2]\nldxw %r4, [%r1+4]\nldxdw %r5, [%r1+8]\n"
                       "add %r2, %r3\nadd %r2, %r4\nadd %r2, %r5\nmov %r0, %r2\nexit",
     bytes({1, 0x82, 3, 0x84, 5, 6, 7, 0x88, 9, 10, 11, 12, 13, 14, 15, 0x90})},
    {"ldxs_all_widths", "ldxsb %r2, [%r1+1]\nldxsh %r3, [%r1+2]\nldxsw %r4, [%r1+4]\nxor %r2, %r3\nxor %r2, %r4\nmov %r0, %r2\nexit",
     bytes({1, 0x82, 3, 0x84, 5, 6, 7, 0x88})},
    {"st_all_widths", "stb [%r1+0], -1\nsth [%r1+2], -2\nstw [%r1+4], -3\nstdw [%r1+8], -4\nldxdw %r0, [%r1+0]\n"
                      "ldxdw %r2, [%r1+8]\nxor %r0, %r2\nexit", zeros(16)},
    {"stx_all_widths", "lddw %r2, 0x8182838485868788\nstxb [%r1+0], %r2\nstxh [%r1+2], %r2\nstxw [%r1+4], %r2\n"
                       "stxdw [%r1+8], %r2\nldxdw %r0, [%r1+0]\nldxdw %r2, [%r1+8]\nadd %r0, %r2\nexit", zeros(16)},
    {"stack_round_trip", "stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nstxw [%r10-512], %r0\nldxw %r1, [%r10-512]\nadd %r0, %r1\nexit"},
    {"stack_through_register", "mov %r2, %r10\nadd %r2, -16\nstdw [%r2+0], 9\nldxdw %r0, [%r10-16]\nexit"},
    {"read_past_region", "ldxdw %r0, [%r1+4]\nexit", zeros(8)},
    {"read_before_region", "ldxb %r0, [%r1-1]\nexit", zeros(8)},
    {"null_deref", "mov %r0, 0\nmov %r2, 0\nldxdw %r0, [%r2+0]\nexit"},
    {"below_the_frame", "ldxdw %r0, [%r10-520]\nexit"},
    {"above_the_stack", "ldxdw %r0, [%r10+0]\nexit"},
    {"store_past_region", "mov %r0, 0\nstdw [%r1+1], 1\nexit", zeros(8)},
    {"huge_address", "lddw %r2, 0xfffffffffffffffc\nldxdw %r0, [%r2+0]\nexit"},
    {"atomic_add_fetch", "stdw [%r1+0], 40\nmov %r2, 2\nlock add [%r1+0], %r2\nmov %r3, 5\nlock fetch add [%r1+0], %r3\n"
                         "ldxdw %r0, [%r1+0]\nlsh %r0, 8\nor %r0, %r3\nexit", zeros(8)},
    {"atomic_fetch_ops_r0", "stdw [%r1+0], 0x0f0f\nmov %r0, 0xff\nlock fetch or [%r1+0], %r0\nmov %r4, %r0\n"
                            "mov %r0, 0x3c\nlock fetch and [%r1+0], %r0\nmov %r5, %r0\nmov %r0, 0x1\n"
                            "lock fetch xor [%r1+0], %r0\nldxdw %r2, [%r1+0]\nlsh %r4, 16\nlsh %r5, 32\nor %r0, %r2\n"
                            "or %r0, %r4\nor %r0, %r5\nexit", zeros(8)},
    {"atomic32_fetch_ops", "stdw [%r1+0], -1\nmov %r3, 0x70\nlock fetch or32 [%r1+0], %r3\nmov %r4, 0x11\n"
                           "lock fetch and32 [%r1+4], %r4\nmov %r5, 3\nlock fetch xor32 [%r1+0], %r5\nldxdw %r0, [%r1+0]\n"
                           "add %r0, %r3\nadd %r0, %r4\nadd %r0, %r5\nexit", zeros(8)},
    {"atomic_or_and_xor", "stdw [%r1+0], 0x0f\nmov %r2, 0xf0\nlock or [%r1+0], %r2\nmov %r2, 0x3c\nlock and [%r1+0], %r2\n"
                          "mov %r2, 0x1\nlock xor [%r1+0], %r2\nmov %r2, 3\nlock add32 [%r1+4], %r2\nldxdw %r0, [%r1+0]\nexit",
     zeros(8)},
    {"xchg_cmpxchg", "stdw [%r1+0], 7\nmov %r2, 9\nlock xchg [%r1+0], %r2\nmov %r0, 9\nmov %r3, 11\n"
                     "lock cmpxchg [%r1+0], %r3\nmov %r4, %r0\nmov %r0, 1\nlock cmpxchg [%r1+0], %r3\nldxdw %r5, [%r1+0]\n"
                     "lsh %r2, 8\nlsh %r4, 16\nlsh %r5, 24\nor %r0, %r2\nor %r0, %r4\nor %r0, %r5\nexit", zeros(8)},
    {"cmpxchg32_zero_extends", "stdw [%r1+0], 5\nlddw %r0, 0x100000005\nmov %r3, 6\nlock cmpxchg32 [%r1+0], %r3\n"
                               "ldxdw %r2, [%r1+0]\nlsh %r2, 40\nor %r0, %r2\nexit", zeros(8)},
    {"xchg32", "stdw [%r1+0], -1\nlddw %r2, 0x1234567800000001\nlock xchg32 [%r1+0], %r2\nldxdw %r0, [%r1+0]\nadd %r0, %r2\nexit",
     zeros(8)},
    {"atomic_out_of_bounds", "mov %r2, 1\nlock add [%r1+4], %r2\nexit", zeros(8)},
    // Misaligned atomics fault in both engines (the JIT used to run them as
    // locked instructions, which may split across cache lines).
    {"atomic_misaligned", "mov %r2, 1\nlock add [%r1+4], %r2\nexit", zeros(16)},
    {"atomic32_misaligned", "mov %r2, 1\nlock fetch add32 [%r1+2], %r2\nexit", zeros(16)},
    {"cmpxchg_misaligned", "mov %r0, 0\nmov %r2, 1\nlock cmpxchg [%r1+1], %r2\nexit", zeros(16)},
    {"load_acquire_misaligned", "load_acquire_dw %r0, [%r1+4]\nexit", zeros(16)},
    {"store_release_misaligned", "mov %r2, 1\nstore_release_h [%r1+1], %r2\nexit", zeros(16)},
    {"local_call_keeps_r6_r9", "mov %r6, 6\nmov %r7, 7\nmov %r8, 8\nmov %r9, 9\nmov %r1, 3\ncall local f\n"
                               "add %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\nadd %r0, %r9\nexit\n"
                               "f:\nmov %r6, 0\nmov %r7, 0\nmov %r8, 0\nmov %r9, 0\nstdw [%r10-8], 100\n"
                               "ldxdw %r0, [%r10-8]\nadd %r0, %r1\nexit"},
    {"caller_frame_through_pointer", "stdw [%r10-8], 41\nmov %r1, %r10\nadd %r1, -8\ncall local f\nldxdw %r0, [%r10-8]\nexit\n"
                                     "f:\nldxdw %r2, [%r1+0]\nadd %r2, 1\nstxdw [%r1+0], %r2\nmov %r0, 0\nexit"},
    {"call_depth", "call local f\nexit\nf:\ncall local f\nexit"},
    {"recursion_depth_7_ok", "mov %r1, 6\ncall local f\nexit\nf:\nmov %r0, 0\njeq %r1, 0, +4\nsub %r1, 1\ncall local f\n"
                             "add %r0, 1\nexit\nexit"},
    {"unknown_helper", "call 9999\nexit"},
    {"ktime_helper", "call 5\nmov %r0, 3\nexit"},
    {"smp_processor_id", "call 8\nmov %r0, 3\nexit"},
    {"jiffies64_monotonic", "call 118\nmov %r6, %r0\ncall 118\nmov %r1, %r0\nmov %r0, 1\njge %r1, %r6, +1\nmov %r0, 0\nexit"},
    {"netns_cookie_null", "mov %r1, 0\ncall 122\nmov %r1, %r0\nmov %r0, 1\njne %r1, 0, +1\nmov %r0, 0\nexit"},
    {"netns_cookie_ctx", "call 122\nmov %r1, %r0\nmov %r0, 1\njne %r1, 0, +1\nmov %r0, 0\nexit", zeros(16)},
    {"netns_cookie_moved_ctx", "add %r1, 8\ncall 122\nexit", zeros(16)},
    {"callx_helper_id", "mov %r4, 5\ncallx %r4\nmov %r0, 1\nexit"},
    {"callx_function", "mov %r1, 4\nlddw_func %r4, f\ncallx %r4\nexit\nf:\nmov %r0, %r1\nadd %r0, 10\nexit"},
    {"callx_bad_address", "lddw %r4, 0x123456789\ncallx %r4\nexit"},
    {"callx_unknown_id", "mov %r4, 77\ncallx %r4\nexit"},
    // 200,000 iterations: three refills of the timed count (65,535), well inside the time slice.
    {"may_goto_refills", "mov %r0, 0\nmay_goto +2\nadd %r0, 1\njlt %r0, 200000, -3\nexit", {}, 100'000'000},
    {"gotox", "mov %r0, 7\nmov %r1, 4\ngotox %r1\nmov %r0, 1\nexit"},
    {"gotox_out_of_range", "mov %r0, 7\nmov %r1, 100\ngotox %r1\nexit"},
    {"gotox_into_lddw", "lddw %r0, 1\nmov %r1, 1\ngotox %r1\nexit"},
    {"budget", "mov %r0, 0\nadd %r0, 1\nja -2\nexit", {}, 1000, false},
    {"bpf_loop", "stdw [%r10-8], 0\nmov %r1, 5\nlddw_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\ncall 181\n"
                 "ldxdw %r1, [%r10-8]\nlsh %r0, 32\nor %r0, %r1\nexit\n"
                 "cb:\nldxdw %r3, [%r2+0]\nadd %r3, %r1\nstxdw [%r2+0], %r3\nmov %r0, 0\nexit"},
    {"bpf_loop_fault_in_callback", "mov %r1, 3\nlddw_func %r2, cb\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit\n"
                                   "cb:\nmov %r0, 0\nldxdw %r0, [%r0+0]\nexit"},
    {"bpf_loop_bad_callback", "mov %r1, 3\nmov %r2, 12345\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit"},
    {"tail_call_unknown_map", "mov %r2, %r10\nmov %r3, 0\ncall 12\nexit"},
    {"helper_bad_pointer", "mov %r1, 0x1000\nmov %r2, 8\nlddw %r3, 0x1000\ncall 4\nexit"},
    {"trace_printk_bad_format", "mov %r1, 0x1000\nmov %r2, 4\ncall 6\nexit"},
    {"callback_not_a_function", "mov %r1, 3\nmov %r2, %r10\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit"},
    {"ld_abs_without_skb", "ldabsb 3\nexit"},
    // A context argument must be the run's context, unmodified, as the
    // verifier requires: helpers then take it as theirs (an skb, pt_regs).
    {"ctx_arg_moved", "add %r1, 8\nmov %r2, 0\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 4\ncall 26\nexit", zeros(16)},
    {"ctx_arg_not_an_skb", "mov %r2, 0\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 4\ncall 26\nexit", zeros(16)},
    {"extend_fused", "lddw %r1, 0xfedcba9876543210\nlsh %r1, 32\nrsh %r1, 32\nlddw %r2, 0x80000000ffffffff\n"
                     "lsh %r2, 32\narsh %r2, 32\nadd %r1, %r2\nmov %r0, %r1\nexit"},
    {"extend_at_jump_target", "lddw %r1, 0xfedcba9876543210\njeq %r2, 0, +1\nlsh %r1, 32\nrsh %r1, 32\nmov %r0, %r1\nexit"},
    {"div_mod_edges", "lddw %r1, 0x8000000000000000\nmov %r2, -1\nsdiv %r1, %r2\nmov %r3, 7\nmov %r4, 0\nmod %r3, %r4\n"
                      "mov %r5, 9\ndiv %r5, %r4\nadd %r1, %r3\nadd %r1, %r5\nmov %r0, %r1\nexit"},
};

Result<uint64_t> run_engine(bool jit, const Case& c, std::vector<uint8_t>& mem) {
  Program p = assembled(c.text);
  Result<std::unique_ptr<Executable>> exe =
      jit ? compile_checked(std::move(p), env_of()) : interp::compile_checked(std::move(p), env_of());
  if (!exe) return std::unexpected(exe.error());
  return (*exe)->run(request_for(&mem, c.budget));
}

class Parity : public ::testing::TestWithParam<size_t> {};

TEST_P(Parity, SameOutcome) {
  const Case& c = kCases[GetParam()];
  std::vector<uint8_t> mem_i = c.mem, mem_j = c.mem;
  const auto ri = run_engine(false, c, mem_i);
  const auto rj = run_engine(true, c, mem_j);
  ASSERT_EQ(ri.has_value(), rj.has_value()) << c.name << ": interp " << (ri ? std::to_string(*ri) : ri.error().to_string())
                                            << " jit " << (rj ? std::to_string(*rj) : rj.error().to_string());
  if (ri) {
    EXPECT_EQ(*ri, *rj) << c.name;
  } else {
    EXPECT_EQ(ri.error().code, rj.error().code) << c.name << ": " << ri.error().to_string() << " / " << rj.error().to_string();
    if (c.same_insn) {
      EXPECT_EQ(ri.error().insn, rj.error().insn) << c.name << ": " << rj.error().to_string();
    }
  }
  EXPECT_EQ(mem_i, mem_j) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Jit, Parity, ::testing::Range<size_t>(0, std::size(kCases)),
                         [](const auto& info) { return std::string(kCases[info.param].name); });

}  // namespace
}  // namespace decade::jit::test

namespace decade::jit::test {
namespace {

// A few of the parity programs with their known results, so that agreement
// is not agreement on a wrong answer.
TEST(JitValues, KnownResults) {
  EXPECT_EQ(run_text("mov %r0, 0\nmay_goto +2\nadd %r0, 1\nja -3\nexit", nullptr, env_of()).value_or(0), 0u)
      << "default budget stops the loop first";
  // Past three refills of the timed may_goto count (65,535), inside its 250 ms slice.
  auto exe = compile_checked(assembled("mov %r0, 0\nmay_goto +2\nadd %r0, 1\njlt %r0, 200000, -3\nexit"), env_of());
  ASSERT_TRUE(exe.has_value());
  EXPECT_EQ((*exe)->run(request_for(nullptr, 100'000'000)).value_or(0), 200'000u);
  const char* loop =
      "stdw [%r10-8], 0\nmov %r1, 5\nlddw_func %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\ncall 181\n"
      "ldxdw %r1, [%r10-8]\nlsh %r0, 32\nor %r0, %r1\nexit\n"
      "cb:\nldxdw %r3, [%r2+0]\nadd %r3, %r1\nstxdw [%r2+0], %r3\nmov %r0, 0\nexit";
  EXPECT_EQ(run_text(loop).value_or(0), (5ULL << 32) | 10);
  EXPECT_EQ(run_text("mov %r0, 7\nmov %r1, 4\ngotox %r1\nmov %r0, 1\nexit").value_or(0), 7u);
  EXPECT_EQ(run_text("call 118\nmov %r6, %r0\ncall 118\nmov %r1, %r0\nmov %r0, 1\njge %r1, %r6, +1\nmov %r0, 0\nexit")
                .value_or(0), 1u);
  EXPECT_EQ(run_text("mov %r1, 0\ncall 122\nmov %r1, %r0\nmov %r0, 1\njne %r1, 0, +1\nmov %r0, 0\nexit").value_or(0), 1u);
  expect_error(run_text("call local f\nexit\nf:\ncall local f\nexit"), ErrorCode::ExecCallDepth, 2);
  expect_error(run_text("mov %r0, 1"), ErrorCode::ExecBadJump, 0);
  // A moved context is refused before the helper runs; the unmodified one
  // reaches it, which finds no skb behind it.
  std::vector<uint8_t> ctx(16);
  const char* load = "mov %r2, 0\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 4\ncall 26\nexit";
  expect_error(run_text(std::string("add %r1, 8\n") + load, &ctx, env_of()), ErrorCode::ExecBadCall, 5);
  expect_error(run_text(load, &ctx, env_of()), ErrorCode::ExecHelperFault, 4);
}

}  // namespace
}  // namespace decade::jit::test
