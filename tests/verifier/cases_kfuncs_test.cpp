// SPDX-License-Identifier: Apache-2.0
// Kfuncs with the kernel's verifier rules: the bpf_iter_bits iterator
// (16 bytes, two stack slots; its source read only where the count makes
// it read), bpf_cast_to_kern_ctx and bpf_rdonly_cast, and the kernel
// kfuncs Decade refuses by name. Not compared with the kernel (kfunc calls
// need its BTF ids); the selftests' verifier_bits_iter and
// verifier_bpf_fastcall programs are (docs/verifier.md).
#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// One source word (5) at fp-24, the iterator at fp-16; the call is insn 7.
#define BITS_NEW_ARGS(src, count) \
  "r1 = 5\n*(u64 *)(r10 - 24) = r1\nr1 = r10\nr1 += -16\n" src count "call_kfunc 8, 0\n"
#define BITS_NEW BITS_NEW_ARGS("r2 = r10\nr2 += -24\n", "r3 = 1\n")
#define BITS_LOOP                                                                                        \
  "loop: r1 = r10\nr1 += -16\ncall_kfunc 9, 0\nif r0 == 0 goto done\nr6 = *(u32 *)(r0 + 0)\ngoto loop\n" \
  "done: r1 = r10\nr1 += -16\ncall_kfunc 10, 0\nr0 = 2\nexit\n"

const Case kKfuncs[] = {
    {"bits_loop", "xdp", BITS_NEW BITS_LOOP, E::Ok},
    {"bits_not_destroyed", "xdp", BITS_NEW "r1 = r10\nr1 += -16\ncall_kfunc 9, 0\nr0 = 2\nexit\n", E::VerifierRefLeak, 7},
    {"bits_next_uninit", "xdp", "r1 = r10\nr1 += -16\ncall_kfunc 9, 0\nr0 = 2\nexit\n", E::VerifierIterator, 2},
    {"bits_destroy_uninit", "xdp", "r1 = r10\nr1 += -16\ncall_kfunc 10, 0\nr0 = 2\nexit\n", E::VerifierIterator, 2},
    // The iterator is used at the address it was created at, by its own kfuncs.
    {"bits_next_inside_iterator", "xdp",
     "r1 = r10\nr1 += -32\nr2 = 0\nr3 = 1\ncall_kfunc 8, 0\nr1 = r10\nr1 += -24\ncall_kfunc 9, 0\nr0 = 2\nexit\n",
     E::VerifierIterator, 7},
    {"bits_next_of_num_kfunc", "xdp", BITS_NEW "r1 = r10\nr1 += -16\ncall_kfunc 1, 0\n" BITS_LOOP, E::VerifierIterator, 10},
    {"num_next_of_bits_iter", "xdp",
     "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 3\ncall_kfunc 0, 0\nr1 = r10\nr1 += -16\ncall_kfunc 9, 0\nr0 = 2\nexit\n",
     E::VerifierIterator, 7},
    {"bits_new_over_live_iterator", "xdp", BITS_NEW "r1 = r10\nr1 += -8\nr2 = 0\nr3 = 3\ncall_kfunc 0, 0\n" BITS_LOOP,
     E::VerifierIterator, 12},
    {"bits_write_over_upper_slot", "xdp", BITS_NEW "r1 = 0\n*(u64 *)(r10 - 8) = r1\n" BITS_LOOP, E::VerifierIterator, 9},
    {"bits_slots_past_frame", "xdp", "r1 = r10\nr1 += -8\nr2 = 0\nr3 = 1\ncall_kfunc 8, 0\nr0 = 2\nexit\n",
     E::VerifierBadHelperArg, 4},
    // The source: read for a count in [1, 511], as 8 bytes a word.
    {"bits_source_past_stack", "xdp", BITS_NEW_ARGS("r2 = r10\nr2 += -24\n", "r3 = 4\n") BITS_LOOP, E::VerifierOutOfBounds, 7},
    {"bits_source_uninit", "xdp", "r1 = r10\nr1 += -16\nr2 = r10\nr2 += -32\nr3 = 2\ncall_kfunc 8, 0\n" BITS_LOOP,
     E::VerifierUninitStack, 5},
    {"bits_source_count_too_big", "xdp", BITS_NEW_ARGS("r2 = r10\nr2 += -24\n", "r3 = 512\n") BITS_LOOP, E::Ok},
    {"bits_source_null", "xdp", BITS_NEW_ARGS("r2 = 0\n", "r3 = 1\n") BITS_LOOP, E::Ok},
    {"bits_source_number", "xdp", BITS_NEW_ARGS("r2 = 4096\n", "r3 = 1\n") BITS_LOOP, E::VerifierBadHelperArg, 6},
    {"bits_source_number_zero_count", "xdp", BITS_NEW_ARGS("r2 = 4096\n", "r3 = 0\n") BITS_LOOP, E::Ok},
    {"bits_source_unknown_count", "xdp",
     "r6 = *(u32 *)(r1 + 12)\n" BITS_NEW_ARGS("r2 = r10\nr2 += -24\n", "r3 = r6\n") BITS_LOOP, E::VerifierOutOfBounds, 8},
    // Casts: the result is a host-typed pointer, passed on but not read.
    {"cast_to_kern_ctx", "xdp", "call_kfunc 11, 0\nr0 = 2\nexit\n", E::Ok},
    {"cast_to_kern_ctx_of_stack", "xdp", "r1 = r10\ncall_kfunc 11, 0\nr0 = 2\nexit\n", E::VerifierBadHelperArg, 1},
    {"cast_to_kern_ctx_result_read", "xdp", "call_kfunc 11, 0\nr0 = *(u32 *)(r0 + 0)\nexit\n", E::VerifierInvalidMemAccess, 1},
    {"rdonly_cast", "xdp", "r2 = 7\ncall_kfunc 12, 0\nr0 = 2\nexit\n", E::Ok},
    {"rdonly_cast_result_returned", "xdp", "r2 = 7\ncall_kfunc 12, 0\nexit\n", E::VerifierPointerLeak, 2},
    // A kernel kfunc Decade does not provide, refused where it is called.
    {"missing_kfunc_called", "xdp", "call_kfunc 13, 0\nr0 = 2\nexit\n", E::VerifierUnknownFunc, 0},
    {"missing_kfunc_dead", "xdp", "r0 = 2\nif r0 == 2 goto out\ncall_kfunc 13, 0\nout: exit\n", E::Ok},
};

#undef BITS_NEW_ARGS
#undef BITS_NEW
#undef BITS_LOOP

class Kfuncs : public ::testing::TestWithParam<Case> {};
TEST_P(Kfuncs, Case) { run_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verifier, Kfuncs, ::testing::ValuesIn(kKfuncs), case_name);

[[maybe_unused]] const bool registered_kKfuncs = register_cases(kKfuncs);

}  // namespace
}  // namespace decade::test
