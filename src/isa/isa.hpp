// SPDX-License-Identifier: Apache-2.0
// The ISA table (isa_table.def) expanded into enums and a constexpr array.
// Every consumer switches over decade::Op or decade::Sem with -Wswitch-enum,
// so adding a row without handling it breaks the build.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace decade {

enum class Op : uint16_t {
#define X(ID, CLASSIC, OPCODE, DISC, DVAL, SHAPE, CPU, GROUP, SEM, WIDTH, LLVM) ID,
#include "isa/isa_table.def"
#undef X
};

// The field that tells rows sharing one opcode byte apart.
enum class Disc : uint8_t { None, Off, Imm, Src, Dst };

// Which fields an instruction uses. A field not used must be zero.
enum class Shape : uint8_t {
  AluImm,         // dst, imm
  AluReg,         // dst, src
  Unary,          // dst (neg, popcnt/clz/ctz; le/be/bswap: width in imm)
  AddrSpaceCast,  // dst, src, imm = (dst_as << 16) | src_as
  Load,           // dst, src, off
  LoadArg,        // dst, off; the src field is r11 (stackargs: an incoming argument)
  StoreArg,       // src, off; the dst field is r11 (stackargs: an outgoing argument)
  StoreImmArg,    // off, imm; the dst field is r11
  StoreImm,       // dst, off, imm
  StoreReg,       // dst, src, off
  LdImm64,        // dst, imm64 (two slots); src is the pseudo kind
  LdAbs,          // imm (legacy packet load into r0)
  LdInd,          // src, imm (legacy packet load into r0)
  AtomicRmw,      // dst = base, src = value, off; imm selects the operation
  AtomicLoad,     // dst = destination, src = base, off
  AtomicStore,    // dst = base, src = value, off
  JmpImm,         // dst, imm, off
  JmpReg,         // dst, src, off
  Ja,             // off
  Ja32,           // imm
  GotoX,          // dst
  MayGoto,        // off
  CallHelper,     // imm = helper id
  CallLocal,      // imm = relative target
  CallKfunc,      // imm = BTF id, off = BTF object
  CallX,          // dst
  Exit,           // nothing
};

// bitmanip, stackargs and alloca are Decade extensions (docs/isa-extensions.md):
// the group name is the extension's name, which objects declare and hosts can disable.
enum class Group : uint8_t { base32, base64, atomic32, atomic64, divmul32, divmul64, callx, packet, kernel, bitmanip, stackargs, alloca };

// What an instruction does, independent of its encoding.
enum class Sem : uint8_t {
  Add, Sub, Mul, Div, SDiv, Or, And, Lsh, Rsh, Mod, SMod, Xor, Mov, Arsh, Neg,
  MovSx, AddrSpaceCast, Le, Be, Bswap, Popcnt, Clz, Ctz, Rol, Ror,
  Ldx, LdxSx, St, Stx,
  LdxArg, StArg, StxArg,  // stackargs: slot (|off| / 8 - 1) of the incoming / outgoing arguments
  Alloca,                 // alloca: dst = a stack area of src bytes the verifier placed (InsnFacts::alloca_offset)
  LdImm64, LdMapFd, LdMapValue, LdBtfId, LdFunc, LdMapIdx, LdMapIdxValue,
  LdAbs, LdInd,
  AtomicAdd, AtomicFetchAdd, AtomicOr, AtomicFetchOr, AtomicAnd, AtomicFetchAnd,
  AtomicXor, AtomicFetchXor, AtomicXchg, AtomicCmpxchg, LoadAcquire, StoreRelease,
  Jeq, Jgt, Jge, Jset, Jne, Jsgt, Jsge, Jlt, Jle, Jslt, Jsle,
  Ja, GotoX, MayGoto, Call, CallLocal, CallKfunc, CallX, Exit,
};

struct OpInfo {
  Op op;
  std::string_view name;     // enumerator spelling, e.g. "ADD64_IMM"
  std::string_view classic;  // conformance-suite mnemonic
  uint8_t opcode;
  Disc disc;
  uint32_t dval;
  Shape shape;
  uint8_t cpu;
  Group group;
  Sem sem;
  uint8_t width;
  std::string_view llvm;     // llvm-objdump template
};

inline constexpr std::array kOps = {
#define X(ID, CLASSIC, OPCODE, DISC, DVAL, SHAPE, CPU, GROUP, SEM, WIDTH, LLVM) \
  OpInfo{Op::ID, #ID, CLASSIC, OPCODE, Disc::DISC, DVAL, Shape::SHAPE, CPU, Group::GROUP, Sem::SEM, WIDTH, LLVM},
#include "isa/isa_table.def"
#undef X
};

inline constexpr size_t kOpCount = kOps.size();

constexpr const OpInfo& info(Op op) { return kOps[static_cast<size_t>(op)]; }

// Instruction classes (low three bits of the opcode byte).
enum class InsnClass : uint8_t { LD = 0, LDX = 1, ST = 2, STX = 3, ALU = 4, JMP = 5, JMP32 = 6, ALU64 = 7 };
constexpr InsnClass insn_class(uint8_t opcode) { return static_cast<InsnClass>(opcode & 7); }

// Register numbers. r11 names the stack-argument area and appears only in
// the stackargs rows' fixed register field; no instruction reads or writes it
// as a register.
inline constexpr uint8_t kNumRegs = 11;
inline constexpr uint8_t kFramePointer = 10;
inline constexpr uint8_t kArgRegister = 11;
// stackargs: arguments 6..12 travel in 8-byte slots 0..6, the caller storing
// slot k at r11 - 8*(k+1), the callee reading it at r11 + 8*(k+1).
inline constexpr uint32_t kMaxStackArgs = 7;
inline constexpr uint32_t kMaxArgs = 5 + kMaxStackArgs;
// The slot an instruction of shape LoadArg, StoreArg or StoreImmArg names.
constexpr uint32_t stack_arg_slot(int16_t off) { return static_cast<uint32_t>((off < 0 ? -off : off) / 8 - 1); }

// ld_imm64 pseudo source values (src field).
enum class PseudoSrc : uint8_t { Imm64 = 0, MapFd = 1, MapValue = 2, BtfId = 3, Func = 4, MapIdx = 5, MapIdxValue = 6 };

// call pseudo source values (src field).
enum class CallSrc : uint8_t { Helper = 0, Local = 1, Kfunc = 2 };

// Shape queries used by several consumers.
constexpr bool is_two_slot(Op op) { return info(op).shape == Shape::LdImm64; }
constexpr bool sem_between(Sem s, Sem lo, Sem hi) {
  return static_cast<uint8_t>(s) >= static_cast<uint8_t>(lo) && static_cast<uint8_t>(s) <= static_cast<uint8_t>(hi);
}
// Direct jumps: conditional jumps, ja/gotol and may_goto (not gotox).
constexpr bool is_jump(Sem s) { return sem_between(s, Sem::Jeq, Sem::Ja) || s == Sem::MayGoto; }
constexpr bool is_cond_jump(Sem s) { return is_jump(s) && s != Sem::Ja && s != Sem::MayGoto; }
// Instructions whose target lives in imm rather than off.
constexpr bool target_in_imm(Op op) { return info(op).shape == Shape::Ja32 || info(op).shape == Shape::CallLocal; }
// Instructions with a relative target (in off or imm).
constexpr bool has_target(Op op) {
  const Shape s = info(op).shape;
  return s == Shape::JmpImm || s == Shape::JmpReg || s == Shape::Ja || s == Shape::Ja32 || s == Shape::MayGoto ||
         s == Shape::CallLocal || (s == Shape::LdImm64 && info(op).sem == Sem::LdFunc);
}
constexpr bool is_alu(Sem s) { return sem_between(s, Sem::Add, Sem::Ror); }
constexpr bool is_atomic(Sem s) { return sem_between(s, Sem::AtomicAdd, Sem::StoreRelease); }

std::string_view shape_name(Shape s);
std::string_view group_name(Group g);
std::string_view sem_name(Sem s);

// Decoder lookup: the row for (opcode byte, the discriminating fields).
// A row with a discriminator wins over the opcode's row without one (the
// stackargs rows share 0x79/0x7a/0x7b with the plain double-word accesses).
// Returns nullopt when no row matches (unknown opcode or bad discriminator).
std::optional<Op> find_op(uint8_t opcode, uint8_t dst, uint8_t src, int16_t off, int32_t imm);
// True when some row uses this opcode byte (to tell "unknown opcode" from
// "known opcode, unknown variant").
bool opcode_known(uint8_t opcode);

}  // namespace decade
