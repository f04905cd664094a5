// SPDX-License-Identifier: Apache-2.0
// Superinstructions for verified programs: runs of two or three instructions
// (the set in fusion.def, chosen from profiles of the compute benchmarks and
// the corpus programs) run from the first instruction's TInsn with one
// dispatch instead of two or three. A run is fused only when its later
// instructions can be reached by falling through from the first alone: they
// are no jump, call or function-address target, no call's return point, and
// the program has no gotox (which may enter any instruction). The later
// TInsns are left as they were, so each part keeps its own operands, bounds
// flag and pc for errors.
#include "interp/fuse.hpp"

#include <optional>
#include <unordered_map>

namespace decade::interp::detail {
namespace {

constexpr uint64_t key(Kind a, Kind b, Kind c = Kind{}) {
  return (uint64_t{static_cast<uint16_t>(a)} << 32) | (uint64_t{static_cast<uint16_t>(b)} << 16) |
         static_cast<uint16_t>(c);
}

struct Table {
  std::unordered_map<uint64_t, Kind> pairs;
  std::unordered_map<uint64_t, Kind> triples;
  Table() {
#define DECADE_FUSE_PAIR(A, B) pairs.emplace(key(Kind::A, Kind::B), Kind::A##_##B);
#define DECADE_FUSE_TRIPLE(A, B, C) triples.emplace(key(Kind::A, Kind::B, Kind::C), Kind::A##_##B##_##C);
    DECADE_FUSE_PAIRS
    DECADE_FUSE_TRIPLES
#undef DECADE_FUSE_PAIR
#undef DECADE_FUSE_TRIPLE
  }
  std::optional<Kind> find(const std::unordered_map<uint64_t, Kind>& m, uint64_t k) const {
    const auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
};

const Table& table() {
  static const Table t;
  return t;
}

// Every superinstruction is made of parts that have a part body.
#define DECADE_FUSE_IS_STRAIGHT_(K) || k == Kind::K
#define DECADE_FUSE_IS_BRANCH_(K) || k == Kind::K
constexpr bool straight(Kind k) { return false DECADE_FUSE_STRAIGHT(DECADE_FUSE_IS_STRAIGHT_); }
constexpr bool branch(Kind k) { return false DECADE_FUSE_BRANCH(DECADE_FUSE_IS_BRANCH_); }
#undef DECADE_FUSE_IS_STRAIGHT_
#undef DECADE_FUSE_IS_BRANCH_
// ... and those ending in a branch are the ones with a backward twin
// (fusion.def, DECADE_FUSE_IF_BRANCH).
#define DECADE_FUSE_PAIR(A, B)                                                  \
  static_assert(straight(Kind::A) && (straight(Kind::B) || branch(Kind::B))); \
  static_assert(branch(Kind::B) == (false DECADE_FUSE_IF_BRANCH(B, || true)));
#define DECADE_FUSE_TRIPLE(A, B, C)                                                                \
  static_assert(straight(Kind::A) && straight(Kind::B) && (straight(Kind::C) || branch(Kind::C))); \
  static_assert(branch(Kind::C) == (false DECADE_FUSE_IF_BRANCH(C, || true)));
DECADE_FUSE_PAIRS
DECADE_FUSE_TRIPLES
#undef DECADE_FUSE_PAIR
#undef DECADE_FUSE_TRIPLE

}  // namespace

bool fusable_straight(Kind k) { return straight(k); }
bool fusable_branch(Kind k) { return branch(k); }

std::vector<bool> fusion_barriers(const TProgram& tp) {
  const auto& code = tp.code;
  const size_t n = code.size() - 1;  // not the sentinel
  std::vector<bool> target(code.size(), false);
  for (size_t i = 0; i < n; ++i) {
    const TInsn& t = code[i];
    if (t.kind == Kind::GOTOX) return {};
    if (t.t) target[static_cast<size_t>(t.t - code.data())] = true;
    if (is_call(t.kind)) target[i + 1] = true;  // the return point
  }
  return target;
}

std::vector<uint8_t> plan_fusion(const TProgram& tp, const FusionSet& set) {
  const auto& code = tp.code;
  const size_t n = code.size() - 1;
  std::vector<uint8_t> len(n, 1);
  const std::vector<bool> target = fusion_barriers(tp);
  if (target.empty()) return len;
  // best[i]: dispatches for code[i..n) with the run at i of length len[i].
  std::vector<uint32_t> best(n + 1, 0);
  for (size_t i = n; i-- > 0;) {
    best[i] = best[i + 1] + 1;
    if (i + 1 >= n || target[i + 1]) continue;
    const Kind a = code[i].kind, b = code[i + 1].kind;
    if (set.pair(a, b) && best[i + 2] + 1 <= best[i]) best[i] = best[i + 2] + 1, len[i] = 2;
    if (i + 2 < n && !target[i + 2] && set.triple(a, b, code[i + 2].kind) && best[i + 3] + 1 <= best[i])
      best[i] = best[i + 3] + 1, len[i] = 3;
  }
  for (size_t i = 0; i < n; i += len[i])
    for (size_t j = 1; j < len[i]; ++j) len[i + j] = 0;
  return len;
}

size_t fuse(TProgram& tp) {
  const Table& tab = table();
  const FusionSet set{
      [&](Kind a, Kind b) { return tab.pairs.contains(key(a, b)); },
      [&](Kind a, Kind b, Kind c) { return tab.triples.contains(key(a, b, c)); },
  };
  const std::vector<uint8_t> len = plan_fusion(tp, set);
  auto& code = tp.code;
  size_t groups = 0;
  for (size_t i = 0; i < len.size(); ++i) {
    if (len[i] == 2) code[i].kind = *tab.find(tab.pairs, key(code[i].kind, code[i + 1].kind));
    if (len[i] == 3) code[i].kind = *tab.find(tab.triples, key(code[i].kind, code[i + 1].kind, code[i + 2].kind));
    groups += len[i] > 1;
  }
  return groups;
}

}  // namespace decade::interp::detail
