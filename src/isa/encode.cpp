// SPDX-License-Identifier: Apache-2.0
#include "isa/encode.hpp"

#include <cstring>

namespace decade {

Insn make_insn(Op op, uint8_t dst, uint8_t src, int16_t off, int32_t imm, uint64_t imm64) {
  const OpInfo& i = info(op);
  Insn in;
  in.op = op;
  in.dst = dst;
  in.src = src;
  in.off = off;
  in.imm = imm;
  switch (i.disc) {
    case Disc::None: break;
    case Disc::Off: in.off = static_cast<int16_t>(i.dval); break;
    case Disc::Imm: in.imm = static_cast<int32_t>(i.dval); break;
    case Disc::Src: in.src = static_cast<uint8_t>(i.dval); break;
    case Disc::Dst: in.dst = static_cast<uint8_t>(i.dval); break;
  }
  if (i.shape == Shape::LdImm64) {
    if (i.sem == Sem::LdImm64) {
      in.imm64 = imm64;
      in.imm = static_cast<int32_t>(static_cast<uint32_t>(imm64));
      in.imm2 = static_cast<int32_t>(static_cast<uint32_t>(imm64 >> 32));
    } else {
      // pseudo forms: imm = map / id / function offset, imm2 = value offset
      in.imm2 = static_cast<int32_t>(static_cast<uint32_t>(imm64));
      in.imm64 = static_cast<uint32_t>(in.imm) | (static_cast<uint64_t>(static_cast<uint32_t>(in.imm2)) << 32);
    }
  }
  return in;
}

void encode(const Insn& insn, std::vector<RawInsn>& out) {
  const OpInfo& i = insn.info();
  RawInsn r{};
  r.code = i.opcode;
  r.regs = static_cast<uint8_t>((insn.dst & 0x0f) | ((insn.src & 0x0f) << 4));
  r.off = insn.off;
  r.imm = insn.imm;
  out.push_back(r);
  if (i.shape == Shape::LdImm64) out.push_back(RawInsn{0, 0, 0, insn.imm2});
}

std::vector<RawInsn> encode(const Program& prog) {
  std::vector<RawInsn> out;
  out.reserve(prog.slot_count);
  for (const Insn& in : prog.insns) encode(in, out);
  return out;
}

std::vector<uint8_t> to_bytes(const std::vector<RawInsn>& raw) {
  std::vector<uint8_t> b(raw.size() * sizeof(RawInsn));
  if (!raw.empty()) std::memcpy(b.data(), raw.data(), b.size());
  return b;
}

}  // namespace decade
