// SPDX-License-Identifier: Apache-2.0
// bpf_throw (kfunc 7): the path ends at the call in any frame; the kernel's
// refusals around it (a held lock, reference or iterator, a throw inside a
// callback, a cookie outside the return range when there is no exception
// callback). Exception callbacks need BTF: tests/verifier/progs/exception_cb_*.
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

#define THROW(cookie) "r1 = " #cookie "\ncall_kfunc 7, 0\n"
// Reserves 16 bytes from the ring buffer: the call is insn 4.
#define RESERVE "r1 = map_idx(2) ll\nr2 = 16\nr3 = 0\ncall 131\n"
// Looks up the locked map's value into r6 and takes its lock: the lock call is insn 10.
#define LOCKED                                                                                            \
  "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(4) ll\ncall 1\nif r0 == 0 goto out\n" \
  "r6 = r0\nr1 = r6\ncall 93\n"

const Case kThrows[] = {
    // Nothing after the throw is explored: r0 is never set on that path, and
    // the throw may end a function (clang emits it last for noreturn paths).
    {"throw_ends_path", "xdp_ret", THROW(3) "exit\n", E::Ok},
    {"throw_last_insn", "xdp_ret", "r1 = 2\ncall f\nr0 = 1\nexit\nf: " THROW(1), E::Ok},
    {"throw_dead_code_after", "xdp_ret", THROW(1) "r0 = 1\nexit\n", E::Ok},
    {"throw_on_one_branch", "xdp_ret", "r2 = *(u32 *)(r1 + 12)\nif r2 == 0 goto out\n" THROW(4) "out: r0 = 1\nexit\n", E::Ok},
    // Deep in a call chain: every frame unwinds.
    {"throw_from_nested_sub", "xdp_ret", "call f\nr0 = 1\nexit\nf: call g\nr0 = 0\nexit\ng: " THROW(2) "r0 = 0\nexit\n", E::Ok},
    // Without an exception callback the cookie is the program's result.
    {"throw_cookie_out_of_range", "xdp_ret", THROW(5) "r0 = 1\nexit\n", E::VerifierBadReturn, 1},
    {"throw_cookie_unknown", "xdp_ret", "r1 = *(u32 *)(r1 + 12)\ncall_kfunc 7, 0\nr0 = 1\nexit\n", E::VerifierBadReturn, 1},
    {"throw_cookie_any_for_xdp", "xdp", "r1 = *(u32 *)(r1 + 12)\ncall_kfunc 7, 0\nr0 = 1\nexit\n", E::Ok},
    {"throw_cookie_pointer", "xdp", "r1 = r10\ncall_kfunc 7, 0\nr0 = 1\nexit\n", E::VerifierPointerLeak, 1},
    {"throw_cookie_out_of_range_in_sub", "xdp_ret", "call f\nr0 = 1\nexit\nf: " THROW(9) "r0 = 0\nexit\n",
     E::VerifierBadReturn, 4},
    // Nothing may be held: the lock (no call under it), references and
    // iterators (named at the call that took them, as at an exit).
    {"throw_holding_lock", "xdp", LOCKED THROW(0) "r1 = r6\ncall 94\nout: r0 = 2\nexit\n", E::VerifierLock, 12},
    {"throw_after_unlock", "xdp", LOCKED "r1 = r6\ncall 94\n" THROW(0) "out: r0 = 2\nexit\n", E::Ok},
    {"throw_holding_ringbuf_record", "xdp", RESERVE "if r0 == 0 goto out\n" THROW(0) "out: r0 = 2\nexit\n",
     E::VerifierRefLeak, 4},
    {"throw_in_sub_holding_caller_record", "xdp",
     RESERVE "if r0 == 0 goto out\nr6 = r0\ncall f\nr1 = r6\nr2 = 0\ncall 133\nout: r0 = 2\nexit\nf: " THROW(0)
     "r0 = 0\nexit\n",
     E::VerifierRefLeak, 4},
    {"throw_with_live_iterator", "xdp", "r1 = r10\nr1 += -8\nr2 = 0\nr3 = 10\ncall_kfunc 0, 0\n" THROW(0) "r0 = 2\nexit\n",
     E::VerifierRefLeak, 4},
    // A callback cannot throw, nor anything it calls, even where no path
    // goes (the kernel checks the static call graph); the helper would have
    // to be unwound.
    {"throw_in_loop_callback", "xdp", "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\ncb: " THROW(0)
     "r0 = 0\nexit\n",
     E::VerifierException, 9},
    {"throw_in_sub_of_callback", "xdp",
     "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 2\nexit\ncb: call g\nr0 = 0\nexit\ng: r0 = 0\n"
     "if r0 == 0 goto skip\n" THROW(0) "skip: r0 = 0\nexit\n",
     E::VerifierException, 14},
    {"throw_after_loop", "xdp", "r1 = 10\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\n" THROW(7) "r0 = 2\nexit\ncb: r0 = 1\nexit\n",
     E::Ok},
};

class Throws : public ::testing::TestWithParam<Case> {};
TEST_P(Throws, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Throws, ::testing::ValuesIn(kThrows), case_name);

[[maybe_unused]] const bool registered_kThrows = register_cases(kThrows);

}  // namespace
}  // namespace decade::test
