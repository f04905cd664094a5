// SPDX-License-Identifier: Apache-2.0
// bpf_throw and the end of a thrown run, shared by the engines.
//
// bpf_throw(cookie) never returns. The kfunc records the cookie in the run's
// RunContext (`thrown`) and raises the run's fault, so both engines unwind
// every frame the way they already do for a fault: the interpreter and the
// JIT stop after the call, and a helper that runs callbacks (bpf_loop,
// bpf_for_each_map_elem) returns at once and its caller stops after it.
//
// Contract for engines, at the boundary of each program's run (a run, and
// a tail-call target that runs nested: the kernel ends a throw at the
// program whose code threw):
//  - take_exception(rc) after the run stopped: the cookie when it stopped
//    because of bpf_throw (fault and cookie cleared), else nullopt.
//  - Then release what the run holds, and run the program's exception
//    callback (Program::exception_cb) with r1 = cookie on a fresh outermost
//    frame: its r0 is the run's result. Without one the result is the
//    cookie (the kernel's default callback).
//  - finish_exception_callback(rc) after the callback: a throw inside it
//    (only unverified code can: the verifier refuses it) becomes an error,
//    so it never reaches an outer program's boundary as a throw of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/platform.hpp"
#include "runtime/run_context.hpp"

namespace decade {

void append_exception_kfuncs(std::vector<FuncProto>& out);

std::optional<uint64_t> take_exception(RunContext& rc);
void finish_exception_callback(RunContext& rc);

}  // namespace decade
