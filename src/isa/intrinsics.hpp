// SPDX-License-Identifier: Apache-2.0
// The C intrinsics of Decade's ISA extensions (include/decade/bpf_ext.h):
// each is an extern function a BPF C program calls like a kfunc, and names
// the one instruction it stands for. The loader turns a call into that
// instruction (loader/intrinsics.hpp); where it cannot, the call runs a
// kfunc of the same name with the same semantics (runtime/kfuncs).
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "isa/isa.hpp"

namespace decade {

struct Intrinsic {
  std::string_view name;
  Op op;  // a Unary row (one argument, in r1) or an AluReg row (value in r1, amount in r2)
};

inline constexpr std::array kIntrinsics = {
    Intrinsic{"decade_popcount64", Op::POPCNT64}, Intrinsic{"decade_popcount32", Op::POPCNT32},
    Intrinsic{"decade_clz64", Op::CLZ64},         Intrinsic{"decade_clz32", Op::CLZ32},
    Intrinsic{"decade_ctz64", Op::CTZ64},         Intrinsic{"decade_ctz32", Op::CTZ32},
    Intrinsic{"decade_rotl64", Op::ROL64_REG},    Intrinsic{"decade_rotr64", Op::ROR64_REG},
    Intrinsic{"decade_rotl32", Op::ROL32_REG},    Intrinsic{"decade_rotr32", Op::ROR32_REG},
};

// decade_alloca(n) (the alloca extension): the call takes n in r1 and
// returns in r0, exactly the operands of `r0 = alloca r1`, so the loader
// always turns the call into that instruction in place. No kfunc stands in
// for it: a dynamic stack area cannot be made by a function call.
inline constexpr std::string_view kAllocaIntrinsic = "decade_alloca";

constexpr std::optional<Intrinsic> find_intrinsic(std::string_view name) {
  for (const Intrinsic& i : kIntrinsics)
    if (i.name == name) return i;
  return std::nullopt;
}

}  // namespace decade
