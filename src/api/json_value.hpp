// SPDX-License-Identifier: Apache-2.0
// A small JSON reader for what Decade prints (map dumps): objects, arrays,
// strings with the escapes btf_format writes, integers, decimals, true,
// false, null. Numbers keep their text so 64-bit integers stay exact.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "decade/error.hpp"

namespace decade::api {

// An object's member. A struct, not std::pair: a vector of pairs holding
// the still incomplete JsonValue does not compile with clang and
// libstdc++ (a vector of an incomplete struct does).
struct JsonMember;

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;                 // Number: as written; String: decoded
  std::vector<JsonValue> items;     // Array
  std::vector<JsonMember> members;  // Object, in order

  const JsonValue* member(std::string_view name) const;
};

struct JsonMember {
  std::string name;
  JsonValue value;
};

inline const JsonValue* JsonValue::member(std::string_view name) const {
  for (const auto& [k, v] : members)
    if (k == name) return &v;
  return nullptr;
}

// The whole of `text` as one JSON value (whitespace around it allowed);
// ValueTextMalformed names the byte where it stops making sense.
Result<JsonValue> parse_json(std::string_view text);

}  // namespace decade::api
