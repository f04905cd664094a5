// SPDX-License-Identifier: Apache-2.0
// The verifier log in the Linux verifier's format (`decade verify -v`):
// register states as its log prints them ("R1=ctx() R10=fp0",
// "R0=scalar(umax=255,var_off=(0x0; 0xff))"), and its closing statistics
// line. Instructions print with kernel_insn_text (insn_text.hpp); the
// driver decides when each line is written.
#pragma once

#include <string>

#include "verifier/env.hpp"

namespace decade::verifier {

// One register's value in the kernel's notation (without the "Rn=").
std::string kernel_reg_text(const RegState& r);
// " R1=ctx() R10=fp0": every initialised register of the frame, with the
// frame number first when it is not the main program's ("frame1: R1=...").
std::string kernel_frame_text(const State& st);
// "processed N insns (limit M) max_states_per_insn A total_states B
// peak_states C mark_read D": Decade's own counts. mark_read is 0: Decade's
// liveness is a static data-flow pass, it walks no parent chains.
std::string kernel_summary(const Env& env);

}  // namespace decade::verifier
