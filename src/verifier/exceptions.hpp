// SPDX-License-Identifier: Apache-2.0
// bpf_throw and exception callbacks, with the kernel's rules (Linux 6.18):
//  - A throw ends its path in any frame; every frame unwinds. Nothing may be
//    held: no bpf_spin_lock (transfer_call's rule that nothing but the unlock
//    is called under a lock: VerifierLock at the throw), no reference and no
//    live iterator in any frame (VerifierRefLeak at the acquiring call, as
//    at an exit).
//  - Without an exception callback the cookie is the program's result: r1
//    must lie in the program type's return range (VerifierBadReturn at the
//    throw).
//  - No throw inside a callback: a function a helper runs as its callback
//    (bpf_loop, bpf_for_each_map_elem), the exception callback, and every
//    function they call may not contain bpf_throw, even where no path
//    reaches it, since the kernel checks this along the static call graph
//    (VerifierException at the throw).
//  - The exception callback (Program::exception_cb) is a global function
//    with one integer argument returning an integer, which no code calls
//    (VerifierException at its entry, or at the call). It is verified on its
//    own from r1 = any number, and its r0 is the program's result, checked
//    against the type's return range as the main function's is.
#pragma once

#include "verifier/env.hpp"

namespace decade::verifier {

// At a bpf_throw call, after its argument and lock checks.
Status check_throw(Env& env, const State& st, const Insn& insn);

// Marks and checks the exception callback's signature (after classify_functions).
Status check_exception_callback(Env& env);

// After exploration (callbacks are known then): direct calls of the
// exception callback and throws reachable from callbacks.
Status check_throw_sites(const Env& env);

}  // namespace decade::verifier
