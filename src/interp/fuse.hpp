// SPDX-License-Identifier: Apache-2.0
// The superinstruction planner (fuse.cpp), for fuse() and for the profiling
// tool that chooses the set in fusion.def (bench/fusion_profile.cpp), which
// plans with candidate sets that have no handlers. Internal to src/interp.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "interp/threaded.hpp"

namespace decade::interp::detail {

// Whether a kind may be a part of a superinstruction (fusion.def's part
// lists: the kinds fused_handlers.inc has a part body for). A branch may
// only be the last part.
bool fusable_straight(Kind k);
bool fusable_branch(Kind k);

// code[i] is entered other than by falling through from code[i - 1]: a
// jump, call or function-address target, or a call's return point. Empty
// when the program has gotox (which may enter any instruction): then
// nothing may be fused.
std::vector<bool> fusion_barriers(const TProgram& tp);

// Which runs exist as superinstructions (pairs: first, second; triples:
// first, second, third), over plain kinds.
struct FusionSet {
  std::function<bool(Kind, Kind)> pair;
  std::function<bool(Kind, Kind, Kind)> triple;
};

// The runs to fuse: for every code index, the length of the run it starts
// (1: not fused; the later parts of a run are set to 0), chosen by dynamic
// programming so that the fewest dispatches remain. Inside a basic block
// every instruction runs equally often, so fewer groups is fewer dispatches
// whatever the counts.
std::vector<uint8_t> plan_fusion(const TProgram& tp, const FusionSet& set);

}  // namespace decade::interp::detail
