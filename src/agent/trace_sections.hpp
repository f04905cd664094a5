// SPDX-License-Identifier: Apache-2.0
// Where a program of `decade trace` attaches, from its section name, by
// libbpf's conventions:
//   uprobe/PATH:FUNC[+OFF]      entry of FUNC (or OFF bytes into it)
//   uretprobe/PATH:FUNC         return of FUNC
//   usdt/PATH:PROVIDER:NAME     every site of a USDT probe
// PATH is a path or the tail of a mapped path ("libc.so.6"), as
// UprobeOptions::binary takes it. FUNC may carry a symbol version
// ("malloc@@GLIBC_2.2.5" is not split: PATH ends at the first ':').
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "decade/error.hpp"

namespace decade::agent {

struct TraceTarget {
  enum class Kind : uint8_t { Uprobe, Uretprobe, Usdt };
  Kind kind = Kind::Uprobe;
  std::string binary;
  std::string function;  // uprobe, uretprobe
  uint64_t offset = 0;   // uprobe only
  std::string provider;  // usdt
  std::string name;      // usdt
};

// nullopt for a section of another kind (the program is not attached);
// ProbeBadSection for a probe section that names no target, or names one
// badly ("uprobe", "uretprobe/x:f+8", "usdt/x:p").
inline Result<std::optional<TraceTarget>> parse_trace_section(std::string_view sec) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::ProbeBadSection, "section '" + std::string(sec) + "': " + std::string(why));
  };
  TraceTarget t;
  std::string_view rest;
  for (auto [prefix, kind] : {std::pair{std::string_view("uprobe"), TraceTarget::Kind::Uprobe},
                              std::pair{std::string_view("uretprobe"), TraceTarget::Kind::Uretprobe},
                              std::pair{std::string_view("usdt"), TraceTarget::Kind::Usdt}}) {
    if (sec == prefix) return bad("names no target (PATH:FUNC, or PATH:PROVIDER:NAME for usdt)");
    if (sec.starts_with(prefix) && sec.size() > prefix.size() && sec[prefix.size()] == '/') {
      t.kind = kind;
      rest = sec.substr(prefix.size() + 1);
    }
  }
  if (rest.empty()) {
    if (sec.starts_with("uprobe/") || sec.starts_with("uretprobe/") || sec.starts_with("usdt/")) return bad("names no target");
    return std::optional<TraceTarget>();
  }
  const size_t colon = rest.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == rest.size()) return bad("expected PATH:...");
  t.binary = rest.substr(0, colon);
  std::string_view what = rest.substr(colon + 1);
  if (t.kind == TraceTarget::Kind::Usdt) {
    const size_t c2 = what.find(':');
    if (c2 == 0 || c2 == std::string_view::npos || c2 + 1 == what.size() || what.find(':', c2 + 1) != std::string_view::npos)
      return bad("expected usdt/PATH:PROVIDER:NAME");
    t.provider = what.substr(0, c2);
    t.name = what.substr(c2 + 1);
    return std::optional<TraceTarget>(std::move(t));
  }
  const size_t plus = what.find('+');
  t.function = what.substr(0, plus);
  if (t.function.empty()) return bad("no function name");
  if (plus != std::string_view::npos) {
    if (t.kind == TraceTarget::Kind::Uretprobe) return bad("a return probe takes no offset");
    const std::string off(what.substr(plus + 1));
    char* end = nullptr;
    t.offset = std::strtoull(off.c_str(), &end, 0);
    if (off.empty() || *end) return bad("offset '" + off + "' is not a number");
  }
  return std::optional<TraceTarget>(std::move(t));
}

}  // namespace decade::agent
