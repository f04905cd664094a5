// SPDX-License-Identifier: Apache-2.0
// bpf_get_local_storage and the cgroup storage maps: the helper takes only
// those maps (and they take only it), flags a known 0, returns the value
// (never NULL, value_size bytes), is offered to the cgroup hooks and
// sock_ops only, and a program names at most one storage map of each kind.
// Every case is also loaded by the running kernel (kernel_agreement_test.cpp).
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// r1 = map N, r2 = FLAGS, call bpf_get_local_storage: the call is insn 3.
#define STORAGE(n, flags) "r1 = map_idx(" #n ") ll\nr2 = " #flags "\ncall 81\n"

const Case kCgroupStorage[] = {
    {"storage_read", "cgroup_skb", STORAGE(16, 0) "r0 = *(u32 *)(r0 + 0)\nr0 &= 1\nexit\n", E::Ok},
    {"storage_write_last", "cgroup_skb", STORAGE(16, 0) "r1 = 1\n*(u32 *)(r0 + 60) = r1\nr0 = 1\nexit\n", E::Ok},
    {"storage_atomic", "cgroup_skb", STORAGE(16, 0) "r1 = 1\nlock *(u64 *)(r0 + 8) += r1\nr0 = 1\nexit\n", E::Ok},
    {"storage_past_end", "cgroup_skb", STORAGE(16, 0) "r0 = *(u32 *)(r0 + 64)\nr0 = 1\nexit\n", E::VerifierOutOfBounds, 4},
    {"storage_before_start", "cgroup_skb", STORAGE(16, 0) "r0 = *(u32 *)(r0 - 4)\nr0 = 1\nexit\n",
     E::VerifierOutOfBounds, 4},
    {"storage_percpu", "cgroup_skb", STORAGE(17, 0) "r1 = *(u64 *)(r0 + 56)\nr0 = 1\nexit\n", E::Ok},
    {"storage_percpu_past_end", "cgroup_skb", STORAGE(17, 0) "r1 = *(u64 *)(r0 + 60)\nr0 = 1\nexit\n",
     E::VerifierOutOfBounds, 4},
    // flags: a known 0, whatever else R2 holds.
    {"storage_flags_7", "cgroup_skb", STORAGE(16, 7) "r0 = 1\nexit\n", E::VerifierBadHelperArg, 3},
    // A pointer: a leak to the tables' unprivileged rules first (the
    // privileged flags rule: KernelWords below).
    {"storage_flags_ctx", "cgroup_skb", "r2 = r1\nr1 = map_idx(16) ll\ncall 81\nr0 = 1\nexit\n", E::VerifierPointerLeak, 3},
    {"storage_flags_unknown", "cgroup_skb",
     "r2 = *(u32 *)(r1 + 0)\nr1 = map_idx(16) ll\ncall 81\nr0 = 1\nexit\n", E::VerifierBadHelperArg, 3},
    {"storage_flags_zero_known_by_branch", "cgroup_skb",
     "r2 = *(u32 *)(r1 + 0)\nif r2 != 0 goto out\nr1 = map_idx(16) ll\ncall 81\nout: r0 = 1\nexit\n", E::Ok},
    // The maps go with this helper alone, both ways.
    {"storage_hash_map", "cgroup_skb", STORAGE(0, 0) "r0 = 1\nexit\n", E::VerifierBadMap, 3},
    {"storage_array_map", "cgroup_skb", STORAGE(1, 0) "r0 = 1\nexit\n", E::VerifierBadMap, 3},
    {"storage_map_lookup", "cgroup_skb",
     "r1 = 0\n*(u64 *)(r10 - 16) = r1\n*(u64 *)(r10 - 8) = r1\nr2 = r10\nr2 += -16\nr1 = map_idx(16) ll\ncall 1\nr0 = 1\nexit\n",
     E::VerifierBadMap, 7},
    // One storage map of each kind per program, counted over dead code too.
    {"storage_one_of_each", "cgroup_skb", STORAGE(16, 0) STORAGE(17, 0) "r0 = 1\nexit\n", E::Ok},
    {"storage_same_map_twice", "cgroup_skb", STORAGE(16, 0) STORAGE(16, 0) "r0 = 1\nexit\n", E::Ok},
    {"storage_two_shared", "cgroup_skb", STORAGE(16, 0) STORAGE(18, 0) "r0 = 1\nexit\n", E::VerifierBadMap, 4},
    {"storage_two_shared_dead", "cgroup_skb",
     STORAGE(16, 0) "r0 = 1\nif r0 != 0 goto out\n" STORAGE(18, 0) "out: r0 = 1\nexit\n", E::VerifierBadMap, 6},
    // Offered to the cgroup hooks and sock_ops (cgroup_common_func_proto).
    {"storage_sock_ops", "sock_ops", STORAGE(16, 0) "r0 = 1\nexit\n", E::Ok},
    {"storage_cgroup_device", "cgroup_device", STORAGE(16, 0) "r0 = 1\nexit\n", E::Ok},
    {"storage_cgroup_sysctl", "cgroup_sysctl", STORAGE(16, 0) "r0 = 1\nexit\n", E::Ok},
    {"storage_connect4", "cgroup_inet4_connect", STORAGE(17, 0) "r0 = 1\nexit\n", E::Ok},
    {"storage_sock_create", "cgroup_inet_sock_create", STORAGE(16, 0) "r0 = 1\nexit\n", E::Ok},
    {"storage_getsockopt", "cgroup_getsockopt", STORAGE(16, 0) "r0 = 1\nexit\n", E::Ok},
    {"storage_xdp", "xdp", STORAGE(16, 0) "r0 = 2\nexit\n", E::VerifierUnknownFunc, 3},
    {"storage_sched_cls", "sched_cls", STORAGE(16, 0) "r0 = 0\nexit\n", E::VerifierUnknownFunc, 3},
    {"storage_socket_filter", "socket_filter", STORAGE(16, 0) "r0 = 0\nexit\n", E::VerifierUnknownFunc, 3},
};

class CgroupStorage : public ::testing::TestWithParam<Case> {};
TEST_P(CgroupStorage, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, CgroupStorage, ::testing::ValuesIn(kCgroupStorage), case_name);

[[maybe_unused]] const bool registered_kCgroupStorage = register_cases(kCgroupStorage);

// The kernel's words for the rules (decade verify -v shows them).
TEST(CgroupStoragePhrases, KernelWords) {
  const struct {
    const char* text;
    const char* phrase;
    bool privileged = false;
  } cases[] = {
      {STORAGE(16, 7) "r0 = 1\nexit\n", "get_local_storage() doesn't support non-zero flags"},
      {"r2 = r1\nr1 = map_idx(16) ll\ncall 81\nr0 = 1\nexit\n", "get_local_storage() doesn't support non-zero flags", true},
      {"r2 = r1\nr1 = map_idx(16) ll\ncall 81\nr0 = 1\nexit\n", "R2 leaks addr into helper function"},
      {STORAGE(0, 0) "r0 = 1\nexit\n", "cannot pass map_type 1 into func bpf_get_local_storage#81"},
      {STORAGE(16, 0) STORAGE(18, 0) "r0 = 1\nexit\n", "only one cgroup storage of each type is allowed"},
      {STORAGE(16, 0) "r0 = *(u32 *)(r0 + 256)\nr0 = 1\nexit\n",
       "invalid access to map value, value_size=64 off=256 size=4"},
  };
  for (const auto& c : cases) {
    VerifierEnv env;
    if (c.privileged) env.grant(kGrantPrivileged);
    auto p = env.assemble_program(c.text);
    ASSERT_TRUE(p) << p.error().to_string();
    auto r = env.verify_program(*p, "cgroup_skb", {});
    ASSERT_FALSE(r) << c.phrase;
    EXPECT_EQ(r.error().kernel.find(c.phrase) != std::string::npos ||
                  r.error().message.find(c.phrase) != std::string::npos,
              true)
        << r.error().to_string();
  }
}

}  // namespace
}  // namespace decade::test
