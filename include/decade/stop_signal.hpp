// SPDX-License-Identifier: Apache-2.0
// The signal the JIT stops runs with (docs/runtime-control.md). A cancel or
// a deadline interrupts the thread of a JIT run with a real-time signal,
// SIGRTMIN + 6 by default; a host that uses that signal chooses another
// here, before the first stop of a JIT run: a signal in [SIGRTMIN,
// SIGRTMAX] whose disposition is still the default (no handler of the
// host's, not ignored), other than the probes' SIGRTMIN + 7. Once a stop has
// installed the handler only that signal is accepted (a stop in flight may
// still send it). Anything else is InvalidArgument. Process-wide and
// thread-safe; the C API has the same (decade_set_jit_stop_signal).
#pragma once

#include "decade/error.hpp"
#include "decade/export.h"

namespace decade {

DECADE_API Status set_jit_stop_signal(int signo);
DECADE_API int jit_stop_signal();  // the signal in use; 0 in a build without a JIT

}  // namespace decade
