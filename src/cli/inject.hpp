// SPDX-License-Identifier: Apache-2.0
// Loading `decade trace`'s agent into a running process through ptrace
// (docs/uprobes.md, "Out-of-process attach"). x86-64 Linux, glibc >= 2.34
// (dlopen and dlsym in libc.so.6).
#pragma once

#include <sys/types.h>

#include <string>

#include "decade/error.hpp"

namespace decade::cli {

// Stops one thread of `pid` (the main one) with PTRACE_SEIZE and
// PTRACE_INTERRUPT, saves its registers and extended state, makes it call
// dlopen(agent, RTLD_NOW), dlsym(handle, "decade_agent_start") and
// decade_agent_start(socket_name) on its own stack below the red zone,
// then restores everything and detaches, so the thread resumes where it
// was (a system call it was blocked in is restarted, as after a signal).
// Every wait is bounded (timeout_ms per call). ProbeNoProcess when the
// process does not exist or exits meanwhile; ProbeInjectFailed otherwise
// (ptrace refused, the target's libc not the one this process uses, dlopen
// failed: its dlerror text is in the message).
Status inject_agent(pid_t pid, const std::string& agent, const std::string& socket_name, int timeout_ms);

}  // namespace decade::cli
