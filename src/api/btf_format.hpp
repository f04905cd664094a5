// SPDX-License-Identifier: Apache-2.0
// Rendering memory as a BTF type describes it (map dumps), and BTF itself as
// text (`decade btf dump`). Output is JSON for values so scripts can read it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "api/json_value.hpp"
#include "btf/btf.hpp"

namespace decade::api {

// `bytes` rendered as type `id` of `btf`: integers in decimal, enums by name,
// structs as {"field": value}, arrays as [..], char arrays as strings,
// pointers in hex. Falls back to hex bytes when the type does not fit.
std::string format_btf_value(const Btf& btf, uint32_t id, std::span<const uint8_t> bytes);

// Bytes as a JSON string of hex pairs: "0a 00 00 00".
std::string format_hex(std::span<const uint8_t> bytes);

// The inverse of format_btf_value: `v` written into `out` (zeroed first, the
// type's size) as type `id` describes it; also accepts format_hex's form
// for any type. ValueTextMalformed says what does not fit.
Status encode_btf_value(const Btf& btf, uint32_t id, const JsonValue& v, std::span<uint8_t> out);
// format_hex's "0a 00 00 00" into exactly out.size() bytes.
Status encode_hex(std::string_view text, std::span<uint8_t> out);

// One line per type, like `bpftool btf dump file X format raw`.
std::string dump_btf(const Btf& btf);

}  // namespace decade::api
