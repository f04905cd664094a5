// SPDX-License-Identifier: Apache-2.0
// Checked execution never crashes the host: bytes -> program -> decode ->
// interp::compile_checked -> run with 64 bytes of memory, an array map, the
// standard helpers and a small instruction budget. Any Error is fine; a
// crash, sanitizer report or hang is a bug.
//
// Input: byte 0 selects the mode. Even: the rest is raw bytecode (what the
// decoder sees from the wild). Odd: every 8 bytes build one instruction of
// a table row chosen by the first byte, with the row's unused fields
// cleared and jump targets kept inside the program, so most inputs decode
// and the fuzzer spends its time in the interpreter.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "interp/interp.hpp"
#include "isa/decode.hpp"
#include "isa/encode.hpp"
#include "runtime/platform.hpp"
#include "runtime/run_context.hpp"

namespace {

using namespace decade;

struct World {
  Platform platform = Platform::standard();
  // Only an array map: hash-family maps hand their whole element chunks
  // (list links included) to checked execution as storage.
  std::unique_ptr<Map> array;
  std::vector<const FuncProto*> kfuncs;

  World() {
    set_trace_sink([](std::string_view) {});
    MapDef a;
    a.name = "array";
    a.type = MapType::Array;
    a.key_size = 4;
    a.value_size = 8;
    a.max_entries = 4;
    array = std::move(*create_map(a));
    for (const char* k : {"bpf_iter_num_new", "bpf_iter_num_next", "bpf_iter_num_destroy"})
      kfuncs.push_back(platform.kfunc(k));
  }
};

uint16_t rd16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t rd32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// One instruction from 8 bytes: [row, regs, off(2), imm(4)].
Insn structured(const uint8_t* b, uint32_t pc, uint32_t n) {
  const OpInfo& row = kOps[b[0] % kOpCount];
  const uint8_t dst = (b[1] & 0x0f) % 11, src = (b[1] >> 4) % 11;
  const auto off = static_cast<int16_t>(rd16(b + 2));
  const auto imm = static_cast<int32_t>(rd32(b + 4));
  // Relative target that lands inside the program.
  const auto rel = static_cast<int32_t>(rd32(b + 4) % n) - static_cast<int32_t>(pc + 1);
  switch (row.shape) {
    case Shape::AluImm:  // a rotate's immediate must be below its width (decode refuses others)
      return make_insn(row.op, dst, 0, 0, row.sem == Sem::Rol || row.sem == Sem::Ror ? imm & (row.width - 1) : imm);
    case Shape::AluReg: return make_insn(row.op, dst, src);
    case Shape::Unary: return make_insn(row.op, dst);
    case Shape::AddrSpaceCast: return make_insn(row.op, dst, src, 1, (imm & 1) ? 1 : 0x10000);
    case Shape::Load: case Shape::StoreReg: case Shape::AtomicRmw: case Shape::AtomicLoad: case Shape::AtomicStore:
      return make_insn(row.op, dst, src, static_cast<int16_t>(off % 80));
    case Shape::StoreImm: return make_insn(row.op, dst, 0, static_cast<int16_t>(off % 80), imm);
    case Shape::LdImm64:
      if (row.sem == Sem::LdFunc) return make_insn(row.op, dst, 0, 0, rel);
      if (row.sem == Sem::LdImm64) return make_insn(row.op, dst, 0, 0, 0, (uint64_t{rd32(b + 4)} << 32) | rd16(b + 2));
      return make_insn(row.op, dst, 0, 0, imm & 1, static_cast<uint64_t>(off & 15));  // map 0 exists, 1 not
    case Shape::LdAbs: return make_insn(row.op, 0, 0, 0, imm);
    case Shape::LdInd: return make_insn(row.op, 0, src, 0, imm);
    case Shape::JmpImm: return make_insn(row.op, dst, 0, static_cast<int16_t>(rel), static_cast<int8_t>(off));
    case Shape::JmpReg: return make_insn(row.op, dst, src, static_cast<int16_t>(rel));
    case Shape::Ja: case Shape::MayGoto: return make_insn(row.op, 0, 0, static_cast<int16_t>(rel));
    case Shape::Ja32: case Shape::CallLocal: return make_insn(row.op, 0, 0, 0, rel);
    case Shape::GotoX: case Shape::CallX: return make_insn(row.op, dst);
    case Shape::CallHelper: return make_insn(row.op, 0, 0, 0, imm % 200);
    case Shape::CallKfunc: return make_insn(row.op, 0, 0, 0, imm % 4);
    case Shape::Exit: return make_insn(row.op);
    // stackargs: r11 slots 1..7 (reads above r11, stores below), the
    // decoder's forms; checked runs must keep them inside the slots.
    case Shape::LoadArg: return make_insn(row.op, dst, 11, static_cast<int16_t>(8 * (1 + (off & 0xff) % 7)));
    case Shape::StoreArg: return make_insn(row.op, 11, src, static_cast<int16_t>(-8 * (1 + (off & 0xff) % 7)));
    case Shape::StoreImmArg: return make_insn(row.op, 11, 0, static_cast<int16_t>(-8 * (1 + (off & 0xff) % 7)), imm);
  }
  return make_insn(Op::EXIT);
}

Result<Program> program_from(const uint8_t* data, size_t size) {
  if (data[0] % 2 == 0) return decode(std::span<const uint8_t>(data + 1, (size - 1) / 8 * 8));
  const auto n = static_cast<uint32_t>((size - 1) / 8);
  std::vector<RawInsn> raw;
  for (uint32_t i = 0; i < n; ++i) encode(structured(data + 1 + 8 * i, static_cast<uint32_t>(raw.size()), n), raw);
  return decode(std::span<const RawInsn>(raw));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9 || size > 8 * 4096) return 0;
  static World* world = new World();
  auto prog = program_from(data, size);
  if (!prog) return 0;
  ProgramEnv env;
  env.platform = &world->platform;
  env.maps = {world->array.get()};
  env.kfuncs = world->kfuncs;
  auto exe = interp::compile_checked(std::move(*prog), std::move(env));
  if (!exe) return 0;
  alignas(8) uint8_t mem[64];
  for (size_t i = 0; i < sizeof mem; ++i) mem[i] = static_cast<uint8_t>(i * 37);
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(mem);
  req.r2 = sizeof mem;
  req.regions.push_back({reinterpret_cast<uintptr_t>(mem), sizeof mem, true});
  req.insn_budget = 4096;
  (void)(*exe)->run(req);
  return 0;
}
