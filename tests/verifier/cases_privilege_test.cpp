// SPDX-License-Identifier: Apache-2.0
// The privilege model (docs/verifier.md "Privilege"): each case is verified
// without grants (the kernel's rules for unprivileged users, the API's
// default) and with kGrantPrivileged (root's rules, the CLI's default), and
// names the outcome of each. What root may do (allow_ptr_leaks,
// allow_uninit_stack) is accepted only with the grant; what leaks address
// bits or stale stack is refused without it; what neither allows stays
// refused in both.
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

struct Outcome {
  ErrorCode code;
  int64_t insn = -1;
};

struct PrivCase {
  const char* name;
  const char* type;
  const char* text;
  Outcome unpriv, priv;
};

std::ostream& operator<<(std::ostream& os, const PrivCase& c) { return os << c.name; }

#define LOOKUP0 "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(0) ll\ncall 1\n"

const PrivCase kCases[] = {
    // Uninitialised stack: root reads an unknown number (0 on the zeroed stack).
    {"uninit_read", "xdp", "r0 = *(u64 *)(r10 - 8)\nexit\n", {E::VerifierUninitStack, 0}, {E::Ok}},
    {"uninit_read_half", "xdp", "r1 = 0\n*(u32 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit\n",
     {E::VerifierUninitStack, 2}, {E::Ok}},
    {"uninit_var_offset_read", "xdp",
     "r2 = *(u32 *)(r1 + 12)\nr2 &= 8\nr3 = r10\nr3 += -16\nr3 += r2\nr0 = *(u64 *)(r3 + 0)\nexit\n",
     {E::VerifierUninitStack, 5}, {E::Ok}},
    {"uninit_helper_key", "xdp", "r2 = r10\nr2 += -4\nr1 = map_idx(0) ll\ncall 1\nr0 = 2\nexit\n",
     {E::VerifierUninitStack, 4}, {E::Ok}},
    // Pointers stored into memory become numbers there.
    {"ptr_into_map", "xdp", LOOKUP0 "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = r10\nout: r0 = 2\nexit\n",
     {E::VerifierPointerLeak, 8}, {E::Ok}},
    {"ptr_atomic_into_map", "xdp", LOOKUP0 "if r0 == 0 goto out\nlock *(u64 *)(r0 + 0) += r10\nout: r0 = 2\nexit\n",
     {E::VerifierPointerLeak, 8}, {E::Ok}},
    {"ptr_into_ctx", "sched_cls", "*(u32 *)(r1 + 48) = r1\nr0 = 0\nexit\n", {E::VerifierPointerLeak, 0}, {E::Ok}},
    {"ptr_as_helper_number", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\n*(u64 *)(r10 - 16) = r1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = r10\n"
     "r1 = map_idx(0) ll\ncall 2\nr0 = 2\nexit\n",
     {E::VerifierPointerLeak, 10}, {E::Ok}},
    {"spilled_ptr_as_helper_key", "xdp", "*(u64 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map_idx(0) ll\ncall 1\nr0 = 2\nexit\n",
     {E::VerifierPointerLeak, 5}, {E::Ok}},
    // Pointers turned into numbers.
    {"ptr_mov32", "xdp", "w2 = w1\nr0 = 0\nexit\n", {E::VerifierPointerLeak, 0}, {E::Ok}},
    {"ptr_movsx", "xdp", "r2 = (s32)r1\nr0 = 0\nexit\n", {E::VerifierPointerLeak, 0}, {E::Ok}},
    {"ptr_neg", "xdp", "r1 = -r1\nr0 = 0\nexit\n", {E::VerifierBadPointerArith, 0}, {E::Ok}},
    {"ptr_minus_other_region", "xdp", "r1 -= r10\nr0 = 0\nexit\n", {E::VerifierBadPointerArith, 0}, {E::Ok}},
    // Root's pointer subtraction gives a number whatever the pointers: one
    // may be NULL, and 32-bit subtraction with a pointer is allowed too.
    {"ptr_minus_maybe_null", "xdp", LOOKUP0 "r1 = r10\nr1 -= r0\nr0 = 0\nexit\n", {E::VerifierBadPointerArith, 8},
     {E::Ok}},
    {"ptr_minus_ptr32", "xdp", "w1 -= w10\nr0 = 0\nexit\n", {E::VerifierBadPointerArith, 0}, {E::Ok}},
    {"ptr_minus_scalar32", "xdp", "r2 = *(u32 *)(r1 + 0)\nw2 -= 14\nr0 = 0\nexit\n", {E::VerifierBadPointerArith, 1},
     {E::Ok}},
    {"ptr_plus_scalar32", "xdp", "r2 = *(u32 *)(r1 + 0)\nw2 += 14\nr0 = 0\nexit\n", {E::VerifierBadPointerArith, 1},
     {E::VerifierBadPointerArith, 1}},
    // cgroup_skb's tstamp: read by everyone, written by root only (CAP_BPF).
    {"cgroup_skb_tstamp_write", "cgroup_skb", "r0 = 0\n*(u64 *)(r1 + 152) = r0\nr0 = 0\nexit\n",
     {E::VerifierBadCtxAccess, 1}, {E::Ok}},
    {"cgroup_skb_tstamp_read", "cgroup_skb", "r0 = *(u64 *)(r1 + 152)\nr0 = 0\nexit\n", {E::Ok}, {E::Ok}},
    {"cgroup_skb_tstamp_narrow", "cgroup_skb", "r0 = *(u32 *)(r1 + 152)\nr0 = 0\nexit\n", {E::VerifierBadCtxAccess, 0},
     {E::VerifierBadCtxAccess, 0}},
    // cgroup_skb reads the socket's addresses and ports as whole 4-byte words.
    {"cgroup_skb_remote_ip6_word", "cgroup_skb", "r0 = *(u32 *)(r1 + 104)\nr0 = *(u32 *)(r1 + 88)\nr0 = 0\nexit\n", {E::Ok},
     {E::Ok}},
    {"cgroup_skb_remote_ip6_narrow", "cgroup_skb", "r0 = *(u16 *)(r1 + 100)\nr0 = 0\nexit\n", {E::VerifierBadCtxAccess, 0},
     {E::VerifierBadCtxAccess, 0}},
    // Root may add a known 0 to a map pointer (it stays the map), nothing else.
    {"map_ptr_plus_zero", "xdp", "r1 = map_idx(1) ll\nr1 += 0\nr2 = r10\nr2 += -4\n*(u32 *)(r10 - 4) = 0\ncall 1\nr0 = 2\nexit\n",
     {E::VerifierBadPointerArith, 2}, {E::Ok}},
    {"map_ptr_plus_one", "xdp", "r1 = map_idx(1) ll\nr1 += 1\nr0 = 2\nexit\n", {E::VerifierBadPointerArith, 2},
     {E::VerifierBadPointerArith, 2}},
    {"atomic_on_spilled_ptr", "xdp", "*(u64 *)(r10 - 8) = r10\nr1 = 0\nr1 = atomic_fetch_add((u64 *)(r10 - 8), r1)\nr0 = 0\nexit\n",
     {E::VerifierPointerLeak, 2}, {E::Ok}},
    // A narrow write into a spilled pointer, by the program or a helper,
    // leaves the pointer's other bytes readable as a number (the kernel's
    // "attempt to corrupt spilled pointer on stack" for unprivileged users).
    {"narrow_write_into_spilled_ptr", "xdp",
     "*(u64 *)(r10 - 8) = r1\nr2 = 0\n*(u32 *)(r10 - 8) = r2\nr0 = *(u32 *)(r10 - 4)\nexit\n",
     {E::VerifierPointerLeak, 2}, {E::Ok}},
    {"helper_write_into_spilled_ptr", "xdp",
     "*(u64 *)(r10 - 16) = r10\nr1 = r10\nr1 += -12\nr2 = 4\ncall 16\nr0 = *(u32 *)(r10 - 16)\nr0 = 2\nexit\n",
     {E::VerifierPointerLeak, 4}, {E::Ok}},
    // Branches on address bits.
    {"ptr_cmp_scalar", "xdp", "r2 = 4096\nr0 = 0\nif r10 > r2 goto +1\nr0 = 1\nexit\n", {E::VerifierPointerLeak, 2}, {E::Ok}},
    {"ptr_cmp_jmp32", "xdp", "r0 = 0\nif w1 s<= 0x6f goto +1\nr0 = 1\nexit\n", {E::VerifierPointerLeak, 1}, {E::Ok}},
    {"ptr_cmp_ctx_stack", "xdp", "r0 = 0\nif r1 > r10 goto +1\nr0 = 1\nexit\n", {E::VerifierPointerLeak, 1}, {E::Ok}},
    // Returning a pointer: only where the type checks no return range.
    {"return_pointer", "xdp", "r0 = r10\nexit\n", {E::VerifierPointerLeak, 1}, {E::Ok}},
    {"return_pointer_ranged", "xdp_ret", "r0 = r10\nexit\n", {E::VerifierPointerLeak, 1}, {E::VerifierPointerLeak, 1}},
    // Root links a scalar spilled at a slot's start to its register when the
    // value fits the store (the kernel's bpf_capable spill rule): a bound
    // learnt on either copy holds for the other, so the r9 read is dead.
    {"spill_links_narrow", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nw0 &= 0x80000000\n*(u32 *)(r10 - 8) = r0\nr1 = *(u32 *)(r10 - 8)\nr2 = 0\n"
     "if r1 != r2 goto out\nif r0 == r2 goto out\nr0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 7}, {E::Ok}},
    {"spill_links_wide", "xdp",
     "r0 = *(u32 *)(r1 + 12)\n*(u64 *)(r10 - 8) = r0\nif r0 > 16 goto out\nr0 = *(u64 *)(r10 - 8)\n"
     "if r0 <= 16 goto out\nr0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 5}, {E::Ok}},
    {"narrow_fill_of_wide_spill_links", "xdp",
     "r0 = *(u32 *)(r1 + 12)\n*(u64 *)(r10 - 8) = r0\nr1 = *(u32 *)(r10 - 8)\nr2 = 0\n"
     "if r1 != r2 goto out\nif r0 == r2 goto out\nr0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 6}, {E::Ok}},
    // No link where the store or the load changes the number: a u32 spilled
    // as 2 bytes (0x10000 reads back as 0), a byte read back sign-extended
    // (255 reads back as -1). The r9 read is reachable.
    {"narrowing_spill_no_link", "xdp",
     "r0 = *(u32 *)(r1 + 12)\n*(u16 *)(r10 - 8) = r0\nr1 = *(u16 *)(r10 - 8)\n"
     "if r1 != 0 goto out\nif r0 == 0 goto out\nr0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 5}, {E::VerifierUninitRegister, 5}},
    {"sign_extending_fill_no_link", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr0 &= 0xff\n*(u8 *)(r10 - 8) = r0\nr1 = *(s8 *)(r10 - 8)\n"
     "if r1 != -1 goto out\nif r0 != 255 goto out\nr0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 6}, {E::VerifierUninitRegister, 6}},
    // Root keeps a copy plus or minus a constant linked to its source (the
    // kernel's BPF_ADD_CONST; Linux 6.18 loads the same shapes): a bound on
    // either moves to the other by the delta, so the r9 read is dead.
    {"add_const_links", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr1 = r0\nr1 += 1\nif r0 > 8 goto out\nif r1 <= 9 goto out\n"
     "r0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 5}, {E::Ok}},
    {"sub_const_links", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr1 = r0\nr1 -= 1\nif r0 > 8 goto out\nif r0 < 1 goto out\nif r1 <= 7 goto out\n"
     "r0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 6}, {E::Ok}},
    {"add_negative_const_bounds_source", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr1 = r0\nr1 += -4\nif r1 > 4 goto out\nif r0 <= 8 goto out\n"
     "r0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 5}, {E::Ok}},
    // The 32-bit form links a number that fits 32 bits: the copy is the
    // source plus the delta in 32 bits, zero-extended (r1 == 0 makes r0
    // 0xffffffff, not -1: the r9 read stays reachable).
    {"add32_const_links", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr1 = r0\nw1 += 1\nif r0 > 8 goto out\nif r1 <= 9 goto out\n"
     "r0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 5}, {E::Ok}},
    {"add32_const_wraps", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr1 = r0\nw1 += 1\nif r1 != 0 goto out\nif r0 == 0 goto out\nr0 = *(u64 *)(r9 + 0)\n"
     "exit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 5}, {E::VerifierUninitRegister, 5}},
    {"add32_const_wide_unlinks", "xdp",
     "r0 = *(u64 *)(r10 - 8)\nr1 = r0\nw1 += 1\nif r0 > 8 goto out\nif r1 <= 9 goto out\n"
     "r0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitStack, 0}, {E::VerifierUninitRegister, 5}},
    // No link: a second constant on a shifted copy, a delta past 32 signed
    // bits, and a copy of a shifted register (which starts a
    // new link without its source's delta).
    {"add_const_twice_unlinks", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr1 = r0\nr1 += 1\nr1 += 1\nif r0 > 8 goto out\nif r1 <= 10 goto out\n"
     "r0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 6}, {E::VerifierUninitRegister, 6}},
    {"sub_const_overflow_unlinks", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr1 = r0\nr1 -= -2147483648\nif r0 > 8 goto out\nr2 = 0x80000008 ll\n"
     "if r1 <= r2 goto out\nr0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 7}, {E::VerifierUninitRegister, 7}},
    {"copy_of_shifted_relinks", "xdp",
     "r0 = *(u32 *)(r1 + 12)\nr1 = r0\nr1 += 1\nr2 = r1\nif r0 > 8 goto out\nif r2 <= 9 goto out\n"
     "r0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 6}, {E::VerifierUninitRegister, 6}},
    // Pruning: a state whose copy was shifted by 1 does not cover one shifted
    // by 100 (r0 is any 64-bit number, so r1 is too on both paths, but the
    // bound later learnt on r0 moves r1 differently).
    {"add_const_delta_in_state", "xdp",
     "r6 = *(u32 *)(r1 + 12)\nr7 = *(u32 *)(r1 + 16)\nr0 = *(u32 *)(r1 + 12)\nr2 = *(u32 *)(r1 + 16)\nr2 <<= 32\n"
     "r0 |= r2\nr1 = r0\nif r6 > r7 goto a\n"
     "r1 += 1\ngoto b\na: r1 += 100\ngoto +0\nb: if r0 > 8 goto out\nif r1 <= 9 goto out\n"
     "r0 = *(u64 *)(r9 + 0)\nexit\nout: r0 = 2\nexit\n",
     {E::VerifierUninitRegister, 14}, {E::VerifierUninitRegister, 14}},
    // Refused for root too: no pointer is ever made from a number, and the
    // operations the kernel refuses to everyone stay refused.
    {"number_deref", "xdp", "r2 = r10\nr2 += -8\n*(u64 *)(r10 - 8) = r2\nw3 = w2\nr0 = *(u64 *)(r3 + 0)\nexit\n",
     {E::VerifierPointerLeak, 3}, {E::VerifierInvalidMemAccess, 4}},
    {"map_value_ptr_read_back", "xdp",
     LOOKUP0 "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = r10\nr1 = *(u64 *)(r0 + 0)\nr0 = *(u64 *)(r1 - 8)\nout: r0 = 2\nexit\n",
     {E::VerifierPointerLeak, 8}, {E::VerifierInvalidMemAccess, 10}},
    {"ptr_mul", "xdp", "r1 *= 2\nr0 = 0\nexit\n", {E::VerifierBadPointerArith, 0}, {E::VerifierBadPointerArith, 0}},
    {"ptr_alu32_add", "xdp", "w1 += 1\nr0 = 0\nexit\n", {E::VerifierBadPointerArith, 0}, {E::VerifierBadPointerArith, 0}},
    {"ptr_plus_ptr", "xdp", "r1 += r10\nr0 = 0\nexit\n", {E::VerifierBadPointerArith, 0}, {E::VerifierBadPointerArith, 0}},
    {"partial_fill_of_pointer", "xdp", "*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit\n",
     {E::VerifierInvalidMemAccess, 1}, {E::VerifierInvalidMemAccess, 1}},
    {"narrow_spill_of_pointer", "xdp", "*(u32 *)(r10 - 8) = r1\nr0 = 0\nexit\n", {E::VerifierPointerLeak, 0},
     {E::VerifierPointerLeak, 0}},
};

void expect(const PrivCase& c, bool privileged) {
  VerifierEnv env;
  if (privileged) env.grant(kGrantPrivileged);
  const Outcome& want = privileged ? c.priv : c.unpriv;
  const char* mode = privileged ? "privileged" : "unprivileged";
  auto p = env.assemble_program(c.text);
  ASSERT_TRUE(p.has_value()) << c.name << ": " << p.error().to_string();
  auto r = env.verify_program(*p, c.type);
  if (want.code == E::Ok) {
    EXPECT_TRUE(r.has_value()) << c.name << " (" << mode << "): " << r.error().to_string();
    return;
  }
  ASSERT_FALSE(r.has_value()) << c.name << " (" << mode << "): accepted, expected " << error_code_name(want.code);
  EXPECT_EQ(r.error().code, want.code) << c.name << " (" << mode << "): " << r.error().to_string();
  EXPECT_EQ(r.error().insn, want.insn) << c.name << " (" << mode << "): " << r.error().to_string();
}

class Privilege : public ::testing::TestWithParam<PrivCase> {};
TEST_P(Privilege, Unprivileged) { expect(GetParam(), false); }
TEST_P(Privilege, Privileged) { expect(GetParam(), true); }
INSTANTIATE_TEST_SUITE_P(Verifier, Privilege, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<PrivCase>& i) { return std::string(i.param.name); });

// The kernel twins compare both modes (kernel_agreement_test.cpp): the
// registry holds each case with its unprivileged outcome.
bool register_privilege_cases() {
  for (const PrivCase& c : kCases) case_registry().push_back(Case{c.name, c.type, c.text, c.unpriv.code, c.unpriv.insn});
  return true;
}
[[maybe_unused]] const bool registered = register_privilege_cases();

}  // namespace
}  // namespace decade::test
