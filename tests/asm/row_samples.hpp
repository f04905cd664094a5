// SPDX-License-Identifier: Apache-2.0
// One representative instruction per table row, with every operand field the
// row's shape uses set to a non-trivial value.
#pragma once

#include "isa/encode.hpp"

namespace decade::test {

inline Insn sample_insn(const OpInfo& i) {
  uint8_t dst = 1, src = 2;
  int16_t off = 0;
  int32_t imm = 0;
  uint64_t imm64 = 0;
  switch (i.shape) {
    case Shape::AluImm: imm = i.sem == Sem::Rol || i.sem == Sem::Ror ? 5 : -5; break;  // rotates: 0 <= imm < width
    case Shape::AluReg:
    case Shape::Unary:
    case Shape::GotoX:
    case Shape::CallX:
    case Shape::Exit: break;
    case Shape::AddrSpaceCast: imm = 1; break;
    case Shape::Load:
    case Shape::StoreReg:
    case Shape::AtomicRmw:
    case Shape::AtomicLoad:
    case Shape::AtomicStore: off = -8; break;
    case Shape::StoreImm: off = 16; imm = -3; break;
    case Shape::LoadArg: off = 16; break;  // r11 is the row's (make_insn sets it)
    case Shape::StoreArg: off = -24; break;
    case Shape::StoreImmArg: off = -8; imm = -3; break;
    case Shape::LdImm64:
      if (i.sem == Sem::LdImm64) imm64 = 0x8877665544332211ULL;
      else if (i.sem == Sem::LdFunc) imm = 4;
      else {
        imm = 3;
        imm64 = 0x10;  // value offset for the map-value forms
      }
      break;
    case Shape::LdAbs: imm = 12; break;
    case Shape::LdInd: imm = 4; break;
    case Shape::JmpImm: imm = 0x10; off = 3; break;
    case Shape::JmpReg: off = -2; break;
    case Shape::Ja:
    case Shape::MayGoto: off = 7; break;
    case Shape::Ja32: imm = 70000; break;
    case Shape::CallHelper: imm = 6; break;
    case Shape::CallLocal: imm = 5; break;
    case Shape::CallKfunc: imm = 0x55; off = 1; break;
  }
  if (i.shape == Shape::LdAbs) dst = src = 0;
  if (i.shape == Shape::LdInd) dst = 0;
  if (i.shape == Shape::LdImm64 && i.sem != Sem::LdImm64 && i.sem != Sem::LdMapValue && i.sem != Sem::LdMapIdxValue)
    imm64 = 0;
  const bool uses_src = i.shape == Shape::AluReg || i.shape == Shape::AddrSpaceCast || i.shape == Shape::Load ||
                        i.shape == Shape::StoreReg || i.shape == Shape::LdInd || i.shape == Shape::AtomicRmw ||
                        i.shape == Shape::AtomicLoad || i.shape == Shape::AtomicStore || i.shape == Shape::JmpReg ||
                        i.shape == Shape::StoreArg;
  const bool uses_dst = i.shape != Shape::LdAbs && i.shape != Shape::LdInd && i.shape != Shape::Ja && i.shape != Shape::Ja32 &&
                        i.shape != Shape::MayGoto && i.shape != Shape::CallHelper && i.shape != Shape::CallLocal &&
                        i.shape != Shape::CallKfunc && i.shape != Shape::Exit && i.shape != Shape::StoreArg &&
                        i.shape != Shape::StoreImmArg;
  if (!uses_src) src = 0;
  if (!uses_dst) dst = 0;
  return make_insn(i.op, dst, src, off, imm, imm64);
}

}  // namespace decade::test
