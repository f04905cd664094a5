// SPDX-License-Identifier: Apache-2.0
// Rendering memory as a BTF type describes it (map dumps), and BTF itself as
// text (`decade btf dump`). Output is JSON for values so scripts can read it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "btf/btf.hpp"

namespace decade::api {

// `bytes` rendered as type `id` of `btf`: integers in decimal, enums by name,
// structs as {"field": value}, arrays as [..], char arrays as strings,
// pointers in hex. Falls back to hex bytes when the type does not fit.
std::string format_btf_value(const Btf& btf, uint32_t id, std::span<const uint8_t> bytes);

// Bytes as a JSON string of hex pairs: "0a 00 00 00".
std::string format_hex(std::span<const uint8_t> bytes);

// One line per type, like `bpftool btf dump file X format raw`.
std::string dump_btf(const Btf& btf);

}  // namespace decade::api
