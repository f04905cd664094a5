// SPDX-License-Identifier: Apache-2.0
#include "isa/isa.hpp"

#include <vector>

namespace decade {
namespace {

// opcode byte -> rows using it, built once from the table.
struct OpcodeIndex {
  std::array<std::vector<Op>, 256> rows{};
  OpcodeIndex() {
    for (const OpInfo& i : kOps) rows[i.opcode].push_back(i.op);
  }
};
const OpcodeIndex& index() {
  static const OpcodeIndex idx;
  return idx;
}

}  // namespace

std::optional<Op> find_op(uint8_t opcode, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  std::optional<Op> plain;
  for (Op op : index().rows[opcode]) {
    const OpInfo& i = info(op);
    switch (i.disc) {
      case Disc::None:
        plain = op;
        break;
      case Disc::Off:
        if (static_cast<uint32_t>(static_cast<uint16_t>(off)) == i.dval) return op;
        break;
      case Disc::Imm:
        if (static_cast<uint32_t>(imm) == i.dval) return op;
        break;
      case Disc::Src:
        if (src == i.dval) return op;
        break;
      case Disc::Dst:
        if (dst == i.dval) return op;
        break;
    }
  }
  return plain;
}

bool opcode_known(uint8_t opcode) { return !index().rows[opcode].empty(); }

std::string_view shape_name(Shape s) {
  switch (s) {
    case Shape::AluImm: return "AluImm";
    case Shape::AluReg: return "AluReg";
    case Shape::Unary: return "Unary";
    case Shape::AddrSpaceCast: return "AddrSpaceCast";
    case Shape::Load: return "Load";
    case Shape::LoadArg: return "LoadArg";
    case Shape::StoreArg: return "StoreArg";
    case Shape::StoreImmArg: return "StoreImmArg";
    case Shape::StoreImm: return "StoreImm";
    case Shape::StoreReg: return "StoreReg";
    case Shape::LdImm64: return "LdImm64";
    case Shape::LdAbs: return "LdAbs";
    case Shape::LdInd: return "LdInd";
    case Shape::AtomicRmw: return "AtomicRmw";
    case Shape::AtomicLoad: return "AtomicLoad";
    case Shape::AtomicStore: return "AtomicStore";
    case Shape::JmpImm: return "JmpImm";
    case Shape::JmpReg: return "JmpReg";
    case Shape::Ja: return "Ja";
    case Shape::Ja32: return "Ja32";
    case Shape::GotoX: return "GotoX";
    case Shape::MayGoto: return "MayGoto";
    case Shape::CallHelper: return "CallHelper";
    case Shape::CallLocal: return "CallLocal";
    case Shape::CallKfunc: return "CallKfunc";
    case Shape::CallX: return "CallX";
    case Shape::Exit: return "Exit";
  }
  return "?";
}

std::string_view group_name(Group g) {
  switch (g) {
    case Group::base32: return "base32";
    case Group::base64: return "base64";
    case Group::atomic32: return "atomic32";
    case Group::atomic64: return "atomic64";
    case Group::divmul32: return "divmul32";
    case Group::divmul64: return "divmul64";
    case Group::callx: return "callx";
    case Group::packet: return "packet";
    case Group::kernel: return "kernel";
    case Group::bitmanip: return "bitmanip";
    case Group::stackargs: return "stackargs";
    case Group::alloca: return "alloca";
  }
  return "?";
}

std::string_view sem_name(Sem s) {
  switch (s) {
#define S(N) \
  case Sem::N: return #N;
    S(Add) S(Sub) S(Mul) S(Div) S(SDiv) S(Or) S(And) S(Lsh) S(Rsh) S(Mod) S(SMod) S(Xor) S(Mov) S(Arsh) S(Neg)
    S(MovSx) S(AddrSpaceCast) S(Le) S(Be) S(Bswap) S(Popcnt) S(Clz) S(Ctz) S(Rol) S(Ror) S(Ldx) S(LdxSx) S(St) S(Stx) S(LdxArg) S(StArg) S(StxArg) S(Alloca) S(LdImm64) S(LdMapFd)
    S(LdMapValue) S(LdBtfId) S(LdFunc) S(LdMapIdx) S(LdMapIdxValue) S(LdAbs) S(LdInd) S(AtomicAdd)
    S(AtomicFetchAdd) S(AtomicOr) S(AtomicFetchOr) S(AtomicAnd) S(AtomicFetchAnd) S(AtomicXor) S(AtomicFetchXor)
    S(AtomicXchg) S(AtomicCmpxchg) S(LoadAcquire) S(StoreRelease) S(Jeq) S(Jgt) S(Jge) S(Jset) S(Jne) S(Jsgt)
    S(Jsge) S(Jlt) S(Jle) S(Jslt) S(Jsle) S(Ja) S(GotoX) S(MayGoto) S(Call) S(CallLocal) S(CallKfunc) S(CallX)
    S(Exit)
#undef S
  }
  return "?";
}

}  // namespace decade
