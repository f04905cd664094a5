// SPDX-License-Identifier: Apache-2.0
// Rules Decade keeps because the kernel has them, although each path's
// accesses are checked on their own (docs/verifier.md, "Rules brought to
// the kernel's"): NULL tests decided only for the kernel's reg_not_null
// types, one kind of pointer per load or store when the context or a socket
// is one of them, packet memory only for the helpers whose prototype allows
// it, no packet range learnt past MAX_PACKET_OFF, and a may_goto whose jump
// comes back to it unchanged is an endless loop. Every case is also loaded
// by the running kernel (kernel_agreement_test.cpp).
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// r0 = a value of map 0 (a lookup of key 0), or out: when NULL; insn 8 is next.
#define VALUE "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map_idx(0) ll\ncall 1\nif r0 == 0 goto out\n"

const Case kKernelRules[] = {
    // The context is never NULL, but the kernel explores `ctx == 0` both
    // ways: the loop below repeats its state exactly.
    {"ctx_null_test_loops", "socket_filter", "r2 = r1\nl: r3 = r2\nif r1 == 0 goto l\nr0 = 0\nexit\n",
     E::VerifierInfiniteLoop, 1},
    {"ctx_null_test_both_sides", "socket_filter", "if r1 == 0 goto z\nr0 = 1\nexit\nz: r0 = 0\nexit\n", E::Ok},
    // A map value is: the NULL side of a checked lookup's copy is dead.
    {"map_value_null_test_decided", "socket_filter",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(1) ll\ncall 1\nif r0 == 0 goto out\n"
     "if r0 != 0 goto ok\nr0 = *(u64 *)(r9 + 0)\nok: r0 = 0\nexit\nout: r0 = 0\nexit\n",
     E::Ok},
    // One store: the context on one path, the stack on the other.
    {"same_insn_ctx_and_stack", "sched_cls",
     "r3 = 42\nr6 = r10\nr6 += -8\nif r1 == 0 goto l0\nr2 = r10\nr2 += -24\n*(u64 *)(r6 + 0) = r2\n"
     "l0: if r1 != 0 goto l1\n*(u64 *)(r6 + 0) = r1\nl1: r1 = *(u64 *)(r6 + 0)\n*(u32 *)(r1 + 8) = r3\nr0 = 0\nexit\n",
     E::VerifierBadCtxAccess, 10},
    // The stack on one path and a map value on the other is fine.
    {"same_insn_stack_and_map_value", "sched_cls",
     "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map_idx(1) ll\ncall 1\nif r0 != 0 goto l\n"
     "r0 = r10\nr0 += -8\nl: r1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n",
     E::Ok},
    // Packet memory goes only to helpers whose prototype says pkt_access.
    {"packet_to_skb_load_bytes", "sched_cls", SKB_PKT "r1 = r1\nr3 = r2\nr2 = 0\nr4 = 4\ncall 26\nout: r0 = 0\nexit\n",
     E::VerifierBadHelperArg, 9},
    {"packet_key_to_map_lookup", "sched_cls", SKB_PKT "r2 = r2\nr1 = map_idx(1) ll\ncall 1\nout: r0 = 0\nexit\n", E::Ok},
    {"packet_to_csum_diff", "sched_cls",
     SKB_PKT "r1 = r2\nr2 = 4\nr3 = 0\nr4 = 0\nr5 = 0\ncall 28\nout: r0 = 0\nexit\n", E::Ok},
    // No range is learnt from a pointer 0x10000 bytes on (MAX_PACKET_OFF).
    {"meta_range_past_max_packet_off", "xdp",
     META "r4 = r2\nr4 += 0xffff\nr4 += 1\nif r4 > r3 goto out\nr0 = *(u8 *)(r2 + 0)\nout: r0 = 0\nexit\n",
     E::VerifierOutOfBounds, 6},
    {"meta_range_at_max_packet_off", "xdp",
     META "r4 = r2\nr4 += 0xffff\nif r4 > r3 goto out\nr0 = *(u8 *)(r2 + 0)\nout: r0 = 0\nexit\n", E::Ok},
    // A shift by the width or more: unknown to the kernel's verifier.
    {"shift32_by_32_unknown", "socket_filter",
     VALUE "r2 = 32\nr1 = 1\nw1 <<= w2\nr1 &= 0xffff\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nout: r0 = 0\nexit\n",
     E::VerifierOutOfBounds, 13},
    {"shift32_by_31_known", "socket_filter",
     VALUE "r2 = 31\nr1 = 1\nw1 <<= w2\nr1 &= 0x7\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nout: r0 = 0\nexit\n", E::Ok},
    {"shift64_by_64_unknown", "socket_filter",
     VALUE "r2 = 64\nr1 = 1\nr1 <<= r2\nr1 &= 0xffff\nr0 += r1\nr0 = *(u8 *)(r0 + 0)\nout: r0 = 0\nexit\n",
     E::VerifierOutOfBounds, 13},
    // A may_goto jumping to itself: once its count runs out it jumps every
    // time, so the program never ends.
    {"may_goto_self", "socket_filter", "r0 = 11\nl: may_goto l\nif r0 > 10 goto l\nr0 = 0\nexit\n",
     E::VerifierInfiniteLoop, 1},
    // Back to the may_goto through its jump with nothing changed.
    {"may_goto_jump_loops_back", "socket_filter", "r0 = 0\nl: may_goto j\nr0 = 1\nexit\nj: goto l\n",
     E::VerifierInfiniteLoop, 1},
    // An iterator drained and called again forever: the drained side
    // repeats its state (the element side is bounded by the iterator).
    {"iter_drained_called_forever", "xdp",
     "r1 = r10\nr1 += -8\nr2 = 0\nr3 = 10\ncall_kfunc 0, 0\nloop: r1 = r10\nr1 += -8\ncall_kfunc 1, 0\ngoto loop\n",
     E::VerifierInfiniteLoop, 8},
    // Back to the start through one may_goto's jump, the other's jump
    // looping through the first's fall-through: endless once the count runs out.
    {"may_goto_two_back", "socket_filter", "r0 = 0\nr0 += 1\nmay_goto -3\nmay_goto -3\nexit\n",
     E::VerifierInfiniteLoop, 0},
    // Through its fall-through: bounded by the count.
    {"may_goto_fallthrough_loops_back", "socket_filter", "r0 = 0\nl: may_goto out\ngoto l\nout: r0 = 1\nexit\n", E::Ok},
    // Through its jump with a counter that ends the loop: explored to the end.
    {"may_goto_jump_counter", "socket_filter",
     "r6 = 0\nl: may_goto j\nr0 = 1\nexit\nj: r6 += 1\nif r6 < 5 goto l\nr0 = 0\nexit\n", E::Ok},
};

class KernelRules : public ::testing::TestWithParam<Case> {};
TEST_P(KernelRules, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, KernelRules, ::testing::ValuesIn(kKernelRules), case_name);

[[maybe_unused]] const bool registered_kKernelRules = register_cases(kKernelRules);

// BPF_F_STRICT_ALIGNMENT (VerifyOptions::strict_alignment): packet offsets
// count from NET_IP_ALIGN (2); map values from 0. Without
// the flag every one of these is accepted.
TEST(KernelRules, StrictAlignment) {
  const struct {
    const char* name;
    const char* type;
    const char* text;
    ErrorCode strict;
    int64_t insn;
  } cases[] = {
      {"packet_u32_at_2", "xdp", "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
       "r0 = *(u32 *)(r2 + 2)\nout: r0 = 2\nexit\n", E::Ok, -1},
      {"packet_u32_at_0", "xdp", "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
       "r0 = *(u32 *)(r2 + 0)\nout: r0 = 2\nexit\n", E::VerifierMisaligned, 5},
      {"packet_u8_anywhere", "xdp", "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
       "r0 = *(u8 *)(r2 + 3)\nout: r0 = 2\nexit\n", E::Ok, -1},
      {"value_u32_at_2", "socket_filter", VALUE "r0 = *(u32 *)(r0 + 2)\nout: r0 = 0\nexit\n", E::VerifierMisaligned, 8},
      {"value_u32_at_4", "socket_filter", VALUE "r0 = *(u32 *)(r0 + 4)\nout: r0 = 0\nexit\n", E::Ok, -1},
      {"value_u16_at_1", "socket_filter", VALUE "r0 = *(u16 *)(r0 + 1)\nout: r0 = 0\nexit\n", E::VerifierMisaligned, 8},
  };
  for (const auto& c : cases) {
    VerifyOptions strict;
    strict.strict_alignment = true;
    run_case_with(c.name, c.type, c.text, {}, E::Ok, -1);
    run_case_with(c.name, c.type, c.text, strict, c.strict, c.insn);
  }
}

// The kernel's words for the rules.
TEST(KernelRulesPhrases, KernelWords) {
  const struct {
    const char* type;
    const char* text;
    const char* phrase;
  } cases[] = {
      {"sched_cls", SKB_PKT "r1 = r1\nr3 = r2\nr2 = 0\nr4 = 4\ncall 26\nout: r0 = 0\nexit\n",
       "helper access to the packet is not allowed"},
      {"sched_cls",
       "r3 = 42\nr6 = r10\nr6 += -8\nif r1 == 0 goto l0\nr2 = r10\nr2 += -16\n*(u64 *)(r6 + 0) = r2\n"
       "l0: if r1 != 0 goto l1\n*(u64 *)(r6 + 0) = r1\nl1: r1 = *(u64 *)(r6 + 0)\n*(u32 *)(r1 + 8) = r3\nr0 = 0\nexit\n",
       "same insn cannot be used with different pointers"},
      {"socket_filter", "r0 = 11\nl: may_goto l\nif r0 > 10 goto l\nr0 = 0\nexit\n", "infinite loop detected at insn 1"},
  };
  for (const auto& c : cases) {
    VerifierEnv env;
    env.grant(kGrantPrivileged);
    auto p = env.assemble_program(c.text);
    ASSERT_TRUE(p) << p.error().to_string();
    auto r = env.verify_program(*p, c.type, {});
    ASSERT_FALSE(r) << c.phrase;
    EXPECT_NE(r.error().kernel.find(c.phrase), std::string::npos) << r.error().to_string();
  }
}

}  // namespace
}  // namespace decade::test
