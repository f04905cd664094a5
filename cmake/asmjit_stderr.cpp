// SPDX-License-Identifier: Apache-2.0
// Part of libdecade.so only (cmake/library.cmake). Debian's libasmjit.a is
// not fully position-independent: its debug output reads `stderr` through a
// PC-relative relocation, which a shared library cannot resolve against
// libc. The library is therefore linked with --wrap=stderr, which redirects
// every reference to `stderr` in it to this hidden copy of libc's pointer,
// set before any other constructor of the library runs.
#include <cstdio>

extern "C" {
__attribute__((visibility("hidden"))) FILE* __wrap_stderr = nullptr;
}

namespace {
__attribute__((constructor(101))) void copy_stderr() { __wrap_stderr = stderr; }
}  // namespace
