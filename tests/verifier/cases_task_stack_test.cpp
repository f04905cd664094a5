// SPDX-License-Identifier: Apache-2.0
// bpf_get_stackid and stack trace maps, the cgroup array helpers, the
// calling task (bpf_get_current_task, bpf_get_current_task_btf) and
// bpf_redirect_neigh: which types may call them, which maps they take
// (each of the two map types takes only its own helpers), and where a user
// stack cannot be walked. The tracing cases need the host's read grant, as
// bpf_get_stack does, so the table runs with it and stays out of the
// kernel-agreement registry (that test grants root's rules only). The
// kernel's verdicts, taken with clang-19 objects of the same calls loaded
// into Linux 6.18 as root, are the expected ones below except in the four
// cases marked "the kernel accepts": user stacks where the context holds no
// pt_regs, and bpf_get_current_task_btf (docs/helpers.md says why).
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// bpf_get_stackid(ctx, map N, FLAGS): the call is insn 4.
#define STACKID(n, flags) "r2 = map_idx(" #n ") ll\nr3 = " #flags "\nr1 = r1\ncall 27\n"
// bpf_current_task_under_cgroup(map N, 0): the call is insn 3.
#define UNDER(n) "r1 = map_idx(" #n ") ll\nr2 = 0\ncall 37\n"

const Case kTaskStackCases[] = {
    {"stackid_user_kprobe", "kprobe", STACKID(14, 256) "r0 = 0\nexit\n", E::Ok},
    {"stackid_kernel_kprobe", "kprobe", STACKID(14, 0) "r0 = 0\nexit\n", E::Ok},
    {"stackid_perf_event", "perf_event", STACKID(14, 512) "r0 = 0\nexit\n", E::Ok},
    {"stackid_array_map", "kprobe", STACKID(1, 0) "r0 = 0\nexit\n", E::VerifierBadMap, 4},
    {"stackid_lookup", "kprobe", "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(14) ll\ncall 1\nr0 = 0\nexit\n",
     E::VerifierBadMap, 6},
    {"stackid_xdp", "xdp", STACKID(14, 0) "r0 = 0\nexit\n", E::VerifierNotGranted, 4},
    // No pt_regs to walk a user stack from: a constant without BPF_F_USER_STACK only.
    {"stackid_raw_tp_kernel", "raw_tracepoint", STACKID(14, 0) "r0 = 0\nexit\n", E::Ok},
    {"stackid_raw_tp_user", "raw_tracepoint", STACKID(14, 256) "r0 = 0\nexit\n", E::VerifierBadHelperArg, 4},  // the kernel accepts
    {"stackid_fentry_unknown_flags", "fentry", "r3 = *(u64 *)(r1 + 0)\nr2 = map_idx(14) ll\ncall 27\nr0 = 0\nexit\n",
     E::VerifierBadHelperArg, 3},  // the kernel accepts
    {"get_stack_raw_tp_user", "raw_tracepoint",
     "r2 = r10\nr2 += -64\nr3 = 64\nr4 = 256\ncall 67\nr0 = 0\nexit\n", E::VerifierBadHelperArg, 4},  // the kernel accepts
    {"get_stack_tracepoint_user", "tracepoint",
     "r2 = r10\nr2 += -64\nr3 = 64\nr4 = 256\ncall 67\nr0 = 0\nexit\n", E::Ok},
    // Cgroup arrays: bpf_current_task_under_cgroup everywhere, bpf_skb_under_cgroup in tc.
    {"task_under_cgroup_xdp", "xdp", UNDER(15) "r0 = 2\nexit\n", E::Ok},
    {"task_under_cgroup_kprobe", "kprobe", UNDER(15) "r0 = 0\nexit\n", E::Ok},
    {"task_under_cgroup_hash", "xdp", UNDER(0) "r0 = 2\nexit\n", E::VerifierBadMap, 3},
    {"cgroup_array_lookup", "xdp", "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(15) ll\ncall 1\nr0 = 2\nexit\n",
     E::VerifierBadMap, 6},
    {"skb_under_cgroup_tc", "sched_cls", "r2 = map_idx(15) ll\nr3 = 0\ncall 33\nr0 = 0\nexit\n", E::Ok},
    {"skb_under_cgroup_socket", "socket_filter", "r2 = map_idx(15) ll\nr3 = 0\ncall 33\nr0 = 0\nexit\n",
     E::VerifierUnknownFunc, 3},
    {"skb_under_cgroup_stack_map", "sched_cls", "r2 = map_idx(14) ll\nr3 = 0\ncall 33\nr0 = 0\nexit\n", E::VerifierBadMap, 3},
    // The calling task: a number in every type; the BTF form is refused by name.
    {"current_task_xdp", "xdp", "call 35\nr0 = 2\nexit\n", E::Ok},
    {"current_task_socket", "socket_filter", "call 35\nr0 = 0\nexit\n", E::Ok},
    {"current_task_btf", "kprobe", "call 158\nr0 = 0\nexit\n", E::VerifierUnknownFunc, 0},  // the kernel accepts
    // bpf_redirect_neigh: tc only; params NULL with size 0, or 20 readable bytes.
    {"redirect_neigh_null", "sched_cls", "r1 = 3\nr2 = 0\nr3 = 0\nr4 = 0\ncall 152\nexit\n", E::Ok},
    {"redirect_neigh_params", "sched_cls",
     "r1 = 0\n*(u64 *)(r10 - 24) = r1\n*(u64 *)(r10 - 16) = r1\n*(u32 *)(r10 - 8) = r1\n"
     "r1 = 3\nr2 = r10\nr2 += -24\nr3 = 20\nr4 = 0\ncall 152\nexit\n",
     E::Ok},
    {"redirect_neigh_uninit_params", "sched_cls", "r1 = 3\nr2 = r10\nr2 += -24\nr3 = 20\nr4 = 0\ncall 152\nexit\n",
     E::VerifierUninitStack, 5},
    {"redirect_neigh_null_sized", "sched_cls", "r1 = 3\nr2 = 0\nr3 = 20\nr4 = 0\ncall 152\nexit\n",
     E::VerifierBadHelperArg, 4},
    {"redirect_neigh_xdp", "xdp", "r1 = 3\nr2 = 0\nr3 = 0\nr4 = 0\ncall 152\nexit\n", E::VerifierUnknownFunc, 4},
};

class TaskStackCases : public ::testing::TestWithParam<Case> {};

TEST_P(TaskStackCases, Verdict) {
  const Case& c = GetParam();
  VerifierEnv env;
  env.grant(kGrantReadHostMemory);
  auto p = env.assemble_program(c.text);
  ASSERT_TRUE(p.has_value()) << c.name << ": " << p.error().to_string();
  auto r = env.verify_program(*p, c.type);
  if (c.code == E::Ok) {
    EXPECT_TRUE(r.has_value()) << c.name << ": " << r.error().to_string();
    return;
  }
  ASSERT_FALSE(r.has_value()) << c.name << ": accepted, expected " << error_code_name(c.code);
  EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().to_string();
  EXPECT_EQ(r.error().insn, c.insn) << c.name << ": " << r.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(Verifier, TaskStackCases, ::testing::ValuesIn(kTaskStackCases), case_name);

}  // namespace
}  // namespace decade::test
