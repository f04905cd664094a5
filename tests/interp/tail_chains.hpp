// SPDX-License-Identifier: Apache-2.0
// Tail-call chains that must stop after kMaxTailCalls (33) whatever path
// they take, shared by the interpreter's and the JIT's tests (the API's
// use on_small_stack). Every program
// runs with r1 = 16 bytes of memory: runs at +0, failed tail calls at +8;
// each counts its run, makes its tail call and, when that falls through
// (the chain's 33 are used), counts the failure and returns the runs. The
// expected outcome on every path: 34 runs, 1 failure, r0 = 34.
#pragma once

#include <gtest/gtest.h>
#include <pthread.h>

#include <functional>

namespace decade::test {

// Counts a run at +0 (r6 = the memory).
#define DECADE_COUNT_RUN "mov %r6, %r1\nldxdw %r2, [%r6+0]\nadd %r2, 1\nstxdw [%r6+0], %r2\n"
// Counts a failed tail call at +8.
#define DECADE_COUNT_FAIL "ldxdw %r2, [%r6+8]\nadd %r2, 1\nstxdw [%r6+8], %r2\n"
// bpf_tail_call(r1, map 0, SLOT) from r6.
#define DECADE_TAIL(SLOT) "mov %r1, %r6\nlddw_map_idx %r2, 0\nmov %r3, " #SLOT "\ncall 12\n"

// Calls slot 0, i.e. itself.
inline const char* const kSelfChain = DECADE_COUNT_RUN DECADE_TAIL(0) DECADE_COUNT_FAIL "ldxdw %r0, [%r6+0]\nexit";
// Slots 0 and 1 call each other.
inline const char* const kPing = DECADE_COUNT_RUN DECADE_TAIL(1) DECADE_COUNT_FAIL "ldxdw %r0, [%r6+0]\nexit";
inline const char* const kPong = DECADE_COUNT_RUN DECADE_TAIL(0) DECADE_COUNT_FAIL "ldxdw %r0, [%r6+0]\nexit";
// Slot 0, calling itself from a subprogram (the target's exit is the subprogram's).
inline const char* const kSubprogChain =
    DECADE_COUNT_RUN "mov %r1, %r6\ncall local hop\nldxdw %r0, [%r6+0]\nexit\n"
    "hop:\nmov %r6, %r1\n" DECADE_TAIL(0) DECADE_COUNT_FAIL "mov %r0, 0\nexit";
// Calls slot 0 from a bpf_loop callback that gets r1 as its context: with
// kSelfChain in slot 0 the chain goes on there (the callback's call counts);
// with itself in slot 0 every hop nests one more bpf_loop, which the call
// frame limit (8) ends with ExecCallDepth before the 33 are reached.
inline const char* const kCallbackChain =
    DECADE_COUNT_RUN "mov %r1, 1\nlddw_func %r2, cb\nmov %r3, %r6\nmov %r4, 0\ncall 181\nldxdw %r0, [%r6+0]\nexit\n"
    "cb:\nmov %r6, %r2\n" DECADE_TAIL(0) DECADE_COUNT_FAIL "mov %r0, 1\nexit";

#undef DECADE_COUNT_RUN
#undef DECADE_COUNT_FAIL
#undef DECADE_TAIL

// Runs fn on a new thread whose stack is `bytes` long and waits for it: a
// chain that grew the host stack per tail call would overflow it.
inline void on_small_stack(size_t bytes, const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, bytes);
  pthread_t t;
  auto body = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&t, &attr, body, const_cast<std::function<void()>*>(&fn)), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace decade::test
