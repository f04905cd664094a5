// SPDX-License-Identifier: Apache-2.0
#include "loader/core_patch.hpp"

#include <fmt/format.h>

#include "btf/core.hpp"
#include "isa/decode.hpp"
#include "isa/encode.hpp"

namespace decade {

namespace {

std::unexpected<Error> bad(ErrorCode c, uint32_t pc, std::string msg) {
  return make_error(c, std::move(msg), static_cast<int64_t>(pc));
}

// The row with the same shape and semantics as `op` but another access width.
std::optional<Op> resized(Op op, uint32_t bytes) {
  const OpInfo& i = info(op);
  for (const OpInfo& o : kOps)
    if (o.shape == i.shape && o.sem == i.sem && o.disc == i.disc && o.dval == i.dval && o.width == bytes * 8) return o.op;
  return std::nullopt;
}

Status patch_one(std::vector<RawInsn>& code, uint32_t pc, const CoreResult& r, uint32_t kind) {
  auto insn = decode_one(code, pc);
  if (!insn) return std::unexpected(insn.error());
  Insn in = *insn;
  const Shape shape = in.info().shape;
  if (shape == Shape::AluImm) {
      if (r.new_value > UINT32_MAX) return bad(ErrorCode::CoreNoMatch, pc, fmt::format("CO-RE value {} does not fit an immediate", r.new_value));
      if (r.validate && static_cast<uint32_t>(in.imm) != static_cast<uint32_t>(r.orig_value))
        return bad(ErrorCode::BtfExtMalformed, pc, fmt::format("CO-RE: immediate {} is not the expected {}", in.imm, r.orig_value));
      in.imm = static_cast<int32_t>(r.new_value);
  } else if (shape == Shape::Load || shape == Shape::StoreImm || shape == Shape::StoreReg) {
      if (r.new_value > INT16_MAX) return bad(ErrorCode::CoreNoMatch, pc, fmt::format("CO-RE offset {} does not fit a 16-bit offset", r.new_value));
      if (r.validate && in.off != static_cast<int64_t>(r.orig_value))
        return bad(ErrorCode::BtfExtMalformed, pc, fmt::format("CO-RE: offset {} is not the expected {}", in.off, r.orig_value));
      in.off = static_cast<int16_t>(r.new_value);
      if (kind == static_cast<uint32_t>(CoreReloKind::FieldByteOffset) && r.new_size && r.orig_size && r.new_size != r.orig_size) {
        if (!r.size_adjustable || in.info().width != r.orig_size * 8)
          return bad(ErrorCode::CoreNoMatch, pc, fmt::format("CO-RE: field size changed from {} to {} bytes", r.orig_size, r.new_size));
        auto op = resized(in.op, r.new_size);
        if (!op) return bad(ErrorCode::CoreNoMatch, pc, fmt::format("CO-RE: no {}-byte form of {}", r.new_size, in.info().classic));
        in.op = *op;
      }
  } else if (shape == Shape::LdImm64) {
      if (in.info().sem != Sem::LdImm64) return bad(ErrorCode::BtfExtMalformed, pc, "CO-RE relocation on a pseudo ld_imm64");
      in.imm64 = r.new_value;
      in.imm = static_cast<int32_t>(static_cast<uint32_t>(r.new_value));
      in.imm2 = static_cast<int32_t>(static_cast<uint32_t>(r.new_value >> 32));
  } else {
    return bad(ErrorCode::BtfExtMalformed, pc, fmt::format("CO-RE relocation on {}, which has no field to patch", in.info().classic));
  }
  std::vector<RawInsn> enc;
  encode(in, enc);
  for (size_t k = 0; k < enc.size(); ++k) code[pc + k] = enc[k];
  return ok();
}

// libbpf's answer to a relocation no target type satisfies: the
// instruction becomes a call of helper kCorePoisonHelper, which no platform
// has, so the program fails to verify only if that instruction is reached
// (a guarded access of a field older kernels had, behind
// bpf_core_field_exists, never is). Both slots of an ld_imm64.
void poison(std::vector<RawInsn>& code, uint32_t pc) {
  const bool wide = code[pc].code == 0x18 && pc + 1 < code.size();  // BPF_LD | BPF_IMM | BPF_DW
  const RawInsn call{0x85, 0, 0, static_cast<int32_t>(kCorePoisonHelper)};  // BPF_JMP | BPF_CALL
  code[pc] = call;
  if (wide) code[pc + 1] = call;
}

}  // namespace

Status apply_core_relocs(std::vector<RawInsn>& code, const BtfExtSection& sec, const Btf& local, const Btf& target,
                         const CoreTargetIndex& index) {
  for (const BtfExtCoreRelo& relo : sec.relos) {
    const uint32_t pc = relo.insn_off / 8;
    if (pc >= code.size())
      return bad(ErrorCode::BtfExtMalformed, pc, fmt::format("CO-RE relocation past the end of section '{}'", sec.name));
    auto r = core_relocate(local, target, relo, &index);
    if (!r && r.error().code == ErrorCode::CoreNoMatch) {
      poison(code, pc);
      continue;
    }
    if (!r) {
      Error e = r.error();
      e.insn = pc;
      return std::unexpected(e);
    }
    if (auto s = patch_one(code, pc, *r, relo.kind); !s) return s;
  }
  return ok();
}

}  // namespace decade
