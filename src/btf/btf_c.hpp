// SPDX-License-Identifier: Apache-2.0
// BTF as C source: declarations of variables and members, and definitions
// of the named types they need in an order a C compiler accepts (a type
// used by value is defined before its user; one behind a pointer only
// declared). Used by `decade btf dump file F format c` and by the
// skeletons of `decade gen skeleton` (their global variables' types).
//
// Struct layouts are left to the C ABI's natural alignment, which is what
// clang wrote the BTF from (bitfields are written as bitfields); packed or
// over-aligned structs are not reproduced. Skeletons place variables at
// their DATASEC offsets with explicit padding themselves.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "btf/btf.hpp"

namespace decade::btfc {

// `name` declared with type `id`: "unsigned int x", "struct s *p[4]",
// "int (*cb)(void *)". An empty name gives the abstract type ("char *").
std::string declaration(const Btf& btf, uint32_t id, std::string_view name);

// Definitions of every named struct, union, enum and typedef reachable from
// `roots` (through members, pointers, arrays, qualifiers), dependencies
// first, each followed by a blank line.
std::string definitions(const Btf& btf, std::span<const uint32_t> roots);

// Every type of `btf` as a C header, in the shape of bpftool's `btf dump
// file F format c` (guard, preserve_access_index pragma around the types).
std::string dump_c(const Btf& btf);

}  // namespace decade::btfc
