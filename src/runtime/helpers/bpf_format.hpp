// SPDX-License-Identifier: Apache-2.0
// The kernel's bpf_trace_printk / bpf_snprintf format subset
// (bpf_bprintf_prepare): %d %i %u %x %X with l/ll, %c, %s, %p %pK %px,
// %pks %pus, %%, flags "0+- " and a width. Anything else is -EINVAL.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace decade {

// Formats fmt (without its NUL) with args. Returns 0 and fills out, or a
// negative errno (-EINVAL for an unsupported or malformed conversion, too
// many conversions for args, or a non-printable character in fmt).
long bpf_format(std::string_view fmt, std::span<const uint64_t> args, std::string& out);

}  // namespace decade
