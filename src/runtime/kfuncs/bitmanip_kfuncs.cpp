// SPDX-License-Identifier: Apache-2.0
// The bitmanip intrinsics (isa/intrinsics.hpp) as kfuncs: what a call runs
// when the loader could not turn it into its instruction (its argument is
// not set up right before the call, see loader/intrinsics.hpp). Same
// semantics, written once in isa/semantics.hpp.
#include <string>
#include <utility>

#include "isa/intrinsics.hpp"
#include "isa/semantics.hpp"
#include "runtime/helpers/helpers.hpp"

namespace decade {
namespace {

template <Op O>
uint64_t intrinsic(uint64_t a, uint64_t n, uint64_t, uint64_t, uint64_t) {
  const auto a32 = static_cast<uint32_t>(a);
  if constexpr (O == Op::POPCNT64) return sem::popcnt64(a);
  else if constexpr (O == Op::POPCNT32) return sem::popcnt32(a32);
  else if constexpr (O == Op::CLZ64) return sem::clz64(a);
  else if constexpr (O == Op::CLZ32) return sem::clz32(a32);
  else if constexpr (O == Op::CTZ64) return sem::ctz64(a);
  else if constexpr (O == Op::CTZ32) return sem::ctz32(a32);
  else if constexpr (O == Op::ROL64_REG) return sem::rol64(a, n);
  else if constexpr (O == Op::ROR64_REG) return sem::ror64(a, n);
  else if constexpr (O == Op::ROL32_REG) return sem::rol32(a32, n);
  else return sem::ror32(a32, n);
}

HelperFn fn_of(Op op) {
  constexpr std::pair<Op, HelperFn> kFns[] = {
      {Op::POPCNT64, intrinsic<Op::POPCNT64>}, {Op::POPCNT32, intrinsic<Op::POPCNT32>},
      {Op::CLZ64, intrinsic<Op::CLZ64>},       {Op::CLZ32, intrinsic<Op::CLZ32>},
      {Op::CTZ64, intrinsic<Op::CTZ64>},       {Op::CTZ32, intrinsic<Op::CTZ32>},
      {Op::ROL64_REG, intrinsic<Op::ROL64_REG>}, {Op::ROR64_REG, intrinsic<Op::ROR64_REG>},
      {Op::ROL32_REG, intrinsic<Op::ROL32_REG>}, {Op::ROR32_REG, intrinsic<Op::ROR32_REG>}};
  for (const auto& [o, fn] : kFns)
    if (o == op) return fn;
  return nullptr;
}

}  // namespace

void append_bitmanip_kfuncs(std::vector<FuncProto>& out) {
  for (const Intrinsic& i : kIntrinsics) {
    const bool binary = info(i.op).shape == Shape::AluReg;
    out.push_back(make_proto(std::string(i.name).c_str(), 0, fn_of(i.op), RetKind::Integer,
                             binary ? std::initializer_list<ArgKind>{ArgKind::Scalar, ArgKind::Scalar}
                                    : std::initializer_list<ArgKind>{ArgKind::Scalar},
                             kHelperFastcall));  // pure: changes r0 and its argument registers only
  }
}

}  // namespace decade
