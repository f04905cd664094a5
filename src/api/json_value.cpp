// SPDX-License-Identifier: Apache-2.0
// parse_json: recursive descent, depth-limited so hostile input cannot
// exhaust the stack.
#include "api/json_value.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>

namespace decade::api {

namespace {

constexpr int kMaxDepth = 64;

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  Result<JsonValue> document() {
    auto v = value(0);
    if (!v) return v;
    skip_ws();
    if (i_ != s_.size()) return fail("text after the value");
    return v;
  }

 private:
  std::unexpected<Error> fail(std::string_view why) const {
    return make_error(ErrorCode::ValueTextMalformed, fmt::format("JSON at byte {}: {}", i_, why));
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    skip_ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }

  Result<JsonValue> value(int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    skip_ws();
    if (i_ >= s_.size()) return fail("a value is missing");
    JsonValue v;
    const char c = s_[i_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      auto str = string();
      if (!str) return std::unexpected(str.error());
      v.kind = JsonValue::Kind::String;
      v.text = std::move(*str);
      return v;
    }
    if (word("true") || word("false")) {
      v.kind = JsonValue::Kind::Bool;
      v.boolean = s_[i_ - 1] == 'e' && s_[i_ - 2] == 'u';
      return v;
    }
    if (word("null")) return v;
    const size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '+' ||
                              s_[i_] == '.'))
      ++i_;
    if (i_ == start) return fail(fmt::format("unexpected '{}'", c));
    v.kind = JsonValue::Kind::Number;
    v.text = std::string(s_.substr(start, i_ - start));
    return v;
  }

  Result<std::string> string() {
    ++i_;  // the opening quote
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) break;
      c = s_[i_++];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          unsigned code = 0;
          if (i_ + 4 > s_.size() || std::sscanf(std::string(s_.substr(i_, 4)).c_str(), "%4x", &code) != 1 || code > 0xff)
            return fail("only \\u00XX escapes are read");
          out += static_cast<char>(code);
          i_ += 4;
          break;
        }
        default: out += c;  // \" \\ \/
      }
    }
    if (i_ >= s_.size()) return fail("unterminated string");
    ++i_;
    return out;
  }

  Result<JsonValue> array(int depth) {
    ++i_;
    JsonValue v;
    v.kind = JsonValue::Kind::Array;
    if (eat(']')) return v;
    do {
      auto item = value(depth + 1);
      if (!item) return item;
      v.items.push_back(std::move(*item));
    } while (eat(','));
    if (!eat(']')) return fail("expected ',' or ']'");
    return v;
  }

  Result<JsonValue> object(int depth) {
    ++i_;
    JsonValue v;
    v.kind = JsonValue::Kind::Object;
    if (eat('}')) return v;
    do {
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a member name");
      auto name = string();
      if (!name) return std::unexpected(name.error());
      if (!eat(':')) return fail("expected ':'");
      auto item = value(depth + 1);
      if (!item) return item;
      v.members.push_back({std::move(*name), std::move(*item)});
    } while (eat(','));
    if (!eat('}')) return fail("expected ',' or '}'");
    return v;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<JsonValue> parse_json(std::string_view text) { return Reader(text).document(); }

}  // namespace decade::api
