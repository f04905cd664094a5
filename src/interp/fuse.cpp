// SPDX-License-Identifier: Apache-2.0
// Superinstructions for verified programs: runs of two or three instructions
// (fusion.def: straight-line operations followed by one more or by a 64-bit
// compare-and-branch, and clang's indexed accesses) run from the first
// instruction's TInsn with one dispatch instead of two or three. A run is
// fused only when its later instructions can be reached by falling through
// from the first alone: they are no jump, call or function-address target, no
// call's return point, and the program has no gotox (which may enter any
// instruction). The later TInsns are left as they were, so each part keeps its
// own operands, bounds flag and pc for errors.
//
// Runs are chosen by dynamic programming over the program so that the
// fewest dispatches remain: inside a basic block every instruction runs
// equally often, so fewer groups is fewer dispatches whatever the counts.
#include <unordered_map>

#include "interp/threaded.hpp"

namespace decade::interp::detail {
namespace {

constexpr uint64_t key(Kind a, Kind b, Kind c = Kind{}) {
  return (uint64_t{static_cast<uint16_t>(a)} << 32) | (uint64_t{static_cast<uint16_t>(b)} << 16) |
         static_cast<uint16_t>(c);
}

// The two copies of the straight-line list in fusion.def must agree.
#define DECADE_FUSE_NAME_(P, A) #A ","
static_assert(std::string_view(DECADE_FUSE_STRAIGHT_A(DECADE_FUSE_NAME_, _)) ==
              std::string_view(DECADE_FUSE_STRAIGHT_B(DECADE_FUSE_NAME_, _)));
#undef DECADE_FUSE_NAME_

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

}  // namespace

size_t fuse(TProgram& tp) {
  auto& code = tp.code;
  const size_t n = code.size() - 1;  // not the sentinel
  std::vector<bool> target(code.size(), false);
  for (size_t i = 0; i < n; ++i) {
    const TInsn& t = code[i];
    if (t.kind == Kind::GOTOX) return 0;
    if (t.t) target[static_cast<size_t>(t.t - code.data())] = true;
    if (is_call(t.kind)) target[i + 1] = true;  // the return point
  }
  const Table& tab = table();
  // best[i]: dispatches for code[i..n) with the choice at i in fused[i].
  std::vector<uint32_t> best(n + 1, 0);
  std::vector<std::optional<Kind>> fused(n);
  std::vector<uint8_t> len(n, 1);
  for (size_t i = n; i-- > 0;) {
    best[i] = best[i + 1] + 1;
    if (i + 1 < n && !target[i + 1]) {
      if (auto k = tab.find(tab.pairs, key(code[i].kind, code[i + 1].kind)); k && best[i + 2] + 1 <= best[i]) {
        best[i] = best[i + 2] + 1, fused[i] = k, len[i] = 2;
      }
      if (i + 2 < n && !target[i + 2]) {
        const auto k = tab.find(tab.triples, key(code[i].kind, code[i + 1].kind, code[i + 2].kind));
        if (k && best[i + 3] + 1 <= best[i]) best[i] = best[i + 3] + 1, fused[i] = k, len[i] = 3;
      }
    }
  }
  size_t groups = 0;
  for (size_t i = 0; i < n; i += len[i]) {
    if (!fused[i]) continue;
    code[i].kind = *fused[i];
    ++groups;
  }
  return groups;
}

}  // namespace decade::interp::detail
