// SPDX-License-Identifier: Apache-2.0
// bpf_res_spin_lock in the verifier: the lock is held only where the call
// returned 0, several may be held and are released newest first, the
// irqsave forms pair with their own flag slot, nothing but the lock and
// iterator kfuncs may be called under a lock, and plain bpf_spin_lock keeps
// its one-lock rule. The kernel's verdicts (6.18) for the same shapes in C
// are the tests/verifier/progs/res_lock_*.bpf.c programs.
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// Values of the res_locked map (lock at offset 4) for keys 0 and 1 in r6
// and r7: insns 0-17.
#define TWO_VALUES                                                                                            \
  "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(9) ll\ncall 1\nif r0 == 0 goto out\nr6 = r0\n" \
  "r1 = 1\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map_idx(9) ll\ncall 1\nif r0 == 0 goto out\nr7 = r0\n"
// Three instructions each, the call last.
#define LOCK_A "r1 = r6\nr1 += 4\ncall_kfunc 3, 0\n"
#define LOCK_B "r1 = r7\nr1 += 4\ncall_kfunc 3, 0\n"
#define UNLOCK_A "r1 = r6\nr1 += 4\ncall_kfunc 4, 0\n"
#define UNLOCK_B "r1 = r7\nr1 += 4\ncall_kfunc 4, 0\n"
// irqsave forms with the flag at fp-16 (A) or fp-24 (B): five instructions each.
#define LOCK_A_IRQ "r1 = r6\nr1 += 4\nr2 = r10\nr2 += -16\ncall_kfunc 5, 0\n"
#define LOCK_B_IRQ "r1 = r7\nr1 += 4\nr2 = r10\nr2 += -24\ncall_kfunc 5, 0\n"
#define UNLOCK_A_IRQ "r1 = r6\nr1 += 4\nr2 = r10\nr2 += -16\ncall_kfunc 6, 0\n"
#define UNLOCK_B_IRQ "r1 = r7\nr1 += 4\nr2 = r10\nr2 += -24\ncall_kfunc 6, 0\n"
#define UNLOCK_B_IRQ_WITH_A_FLAG "r1 = r7\nr1 += 4\nr2 = r10\nr2 += -16\ncall_kfunc 6, 0\n"
// The plain-locked map's value in r8 (insns 18-26 after TWO_VALUES).
#define PLAIN_VALUE "r1 = 0\n*(u32 *)(r10 - 12) = r1\nr2 = r10\nr2 += -12\nr1 = map_idx(4) ll\ncall 1\nif r0 == 0 goto out\nr8 = r0\n"
#define OUT "out: r0 = 2\nexit\n"

const Case kResLocks[] = {
    {"res_lock_checked", "xdp", TWO_VALUES LOCK_A "if r0 != 0 goto out\nr1 = 1\n*(u32 *)(r6 + 0) = r1\n" UNLOCK_A OUT, E::Ok},
    // r0 is not tested: on the path where the lock failed, the unlock releases nothing.
    {"res_lock_unchecked", "xdp", TWO_VALUES LOCK_A UNLOCK_A OUT, E::VerifierLock, 23},
    // The failure path's r0 is a negative errno, so a sign test separates the paths.
    {"res_lock_error_is_negative", "xdp", TWO_VALUES LOCK_A "if w0 s< 0 goto out\n" UNLOCK_A OUT, E::Ok},
    {"res_lock_two_nested", "xdp",
     TWO_VALUES LOCK_A "if r0 != 0 goto out\n" LOCK_B "if r0 != 0 goto ua\n" UNLOCK_B "ua: " UNLOCK_A OUT, E::Ok},
    {"res_lock_unlock_out_of_order", "xdp",
     TWO_VALUES LOCK_A "if r0 != 0 goto out\n" LOCK_B "if r0 != 0 goto ua\n" UNLOCK_A UNLOCK_B "goto out\nua: " UNLOCK_A OUT,
     E::VerifierLock, 28},
    {"res_lock_exit_held", "xdp", TWO_VALUES LOCK_A "if r0 != 0 goto out\nr0 = 2\nexit\n" OUT, E::VerifierLock, 23},
    {"res_lock_aa", "xdp", TWO_VALUES LOCK_A "if r0 != 0 goto out\n" LOCK_A "if r0 != 0 goto ua\n" UNLOCK_A "ua: " UNLOCK_A OUT,
     E::VerifierLock, 24},
    {"res_lock_unlock_not_held", "xdp", TWO_VALUES LOCK_A "if r0 != 0 goto out\n" UNLOCK_B UNLOCK_A OUT, E::VerifierLock, 24},
    {"res_lock_helper_held", "xdp", TWO_VALUES LOCK_A "if r0 != 0 goto out\ncall 7\n" UNLOCK_A OUT, E::VerifierLock, 22},
    {"res_lock_iterator_held", "xdp",
     TWO_VALUES LOCK_A "if r0 != 0 goto out\nr1 = r10\nr1 += -16\nr2 = 0\nr3 = 3\ncall_kfunc 0, 0\n"
     "loop: r1 = r10\nr1 += -16\ncall_kfunc 1, 0\nif r0 == 0 goto done\ngoto loop\n"
     "done: r1 = r10\nr1 += -16\ncall_kfunc 2, 0\n" UNLOCK_A OUT,
     E::Ok},
    {"res_lock_wrong_offset", "xdp", TWO_VALUES "r1 = r6\ncall_kfunc 3, 0\n" OUT, E::VerifierLock, 19},
    {"res_lock_direct_access", "xdp", TWO_VALUES "r1 = *(u32 *)(r6 + 4)\n" OUT, E::VerifierLock, 18},
    {"res_lock_plain_lock_map", "xdp", TWO_VALUES PLAIN_VALUE "r1 = r8\ncall_kfunc 3, 0\n" OUT, E::VerifierLock, 28},
    // A static function may return with the lock held; the caller releases it.
    {"res_lock_taken_in_static_function", "xdp",
     TWO_VALUES "r1 = r6\ncall f\nif r0 != 0 goto out\n" UNLOCK_A OUT
     "f: r1 += 4\ncall_kfunc 3, 0\nif r0 != 0 goto fail\nr0 = 0\nexit\nfail: r0 = 1\nexit\n",
     E::Ok},
    // Mixing: a res lock may be taken under bpf_spin_lock and must be released first.
    {"res_lock_under_plain_lock", "xdp",
     TWO_VALUES PLAIN_VALUE "r1 = r8\ncall 93\n" LOCK_A "if r0 != 0 goto up\n" UNLOCK_A "up: r1 = r8\ncall 94\n" OUT, E::Ok},
    {"res_lock_plain_unlock_out_of_order", "xdp",
     TWO_VALUES PLAIN_VALUE "r1 = r8\ncall 93\n" LOCK_A "if r0 != 0 goto up\nr1 = r8\ncall 94\n" UNLOCK_A "goto out\n"
     "up: r1 = r8\ncall 94\n" OUT,
     E::VerifierLock, 34},
    {"plain_lock_under_res_lock", "xdp",
     TWO_VALUES PLAIN_VALUE LOCK_A "if r0 != 0 goto out\nr1 = r8\ncall 93\nr1 = r8\ncall 94\n" UNLOCK_A OUT, E::VerifierLock, 32},
    {"res_lock_irqsave_nested", "xdp",
     TWO_VALUES LOCK_A_IRQ "if r0 != 0 goto out\n" LOCK_B_IRQ "if r0 != 0 goto ua\n" UNLOCK_B_IRQ "ua: " UNLOCK_A_IRQ OUT, E::Ok},
    {"res_lock_irqsave_plain_unlock", "xdp", TWO_VALUES LOCK_A_IRQ "if r0 != 0 goto out\n" UNLOCK_A OUT, E::VerifierLock, 26},
    {"res_lock_irqrestore_swapped_flags", "xdp",
     TWO_VALUES LOCK_A_IRQ "if r0 != 0 goto out\n" LOCK_B_IRQ "if r0 != 0 goto ua\n" UNLOCK_B_IRQ_WITH_A_FLAG "ua: " UNLOCK_A_IRQ OUT,
     E::VerifierLock, 34},
};

class ResLocks : public ::testing::TestWithParam<Case> {};
TEST_P(ResLocks, Verdict) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, ResLocks, ::testing::ValuesIn(kResLocks), case_name);

[[maybe_unused]] const bool registered_kResLocks = register_cases(kResLocks);

}  // namespace
}  // namespace decade::test
