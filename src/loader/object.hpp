// SPDX-License-Identifier: Apache-2.0
// An ELF object compiled by clang (`-target bpf -g`, libbpf conventions),
// loaded into plain values: programs (decoded, relocated), map definitions,
// global data, BTF. Nothing is created or verified here; the API layer
// (src/api) creates the maps, verifies and compiles.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "btf/btf.hpp"
#include "decade/error.hpp"
#include "isa/insn.hpp"
#include "runtime/map.hpp"
#include "runtime/platform.hpp"

namespace decade {

struct ObjectProgram {
  std::string name;     // the function's symbol name
  std::string section;  // the ELF section (the SEC() name)
  std::string type;     // program type name resolved from the section (Platform::program_type_for_section)
  // Decoded and relocated: .text subprograms appended and call offsets fixed;
  // map references rewritten to ld_imm64 map_idx (src 5, imm = index into
  // Object::maps) and map_idx_value (src 6, imm = index, imm2 = offset);
  // kfunc calls rewritten to imm = index into Object::kfuncs; CO-RE applied.
  // Subprograms carry their names; lines carry BTF line info (file, line, text).
  Program program;
  // BTF id of each subprogram's FUNC (from .BTF.ext func info), parallel to program.subprograms; 0 when unknown.
  std::vector<uint32_t> func_btf_ids;
  // Why the program cannot be loaded: its section names no program type
  // (ElfUnknownSection; type stays empty, the program is linked and a
  // program type set by the host makes it usable), or it calls a kfunc or
  // extern nobody provides (ElfMissingSymbol; program stays empty until a
  // reload with the kfunc registered), or its instructions do not decode
  // (Decode*; program stays empty). The object's other programs are
  // unaffected.
  std::optional<Error> error;
};

struct ObjectKfunc {
  std::string name;
  const FuncProto* proto = nullptr;  // resolved against the platform; null only for __weak externs not provided
};

struct Object {
  std::string name;
  std::string license;
  std::vector<ObjectProgram> programs;
  // Every map: BTF-defined (.maps), legacy (maps), and global data
  // (.data, .bss, .rodata, .data.*, .rodata.*) with initial_value filled
  // and .rodata* frozen, and the frozen ".kconfig" map of __kconfig externs;
  // then the jump tables of each program (frozen arrays of slot indices,
  // section ".jumptables"; loader/jump_tables.hpp).
  std::vector<MapDef> maps;
  std::vector<ObjectKfunc> kfuncs;
  // Slots of prog_array and map-in-map maps filled statically in C
  // (`.values = { [0] = &prog }`); the API fills them after creating the maps.
  struct SlotInit {
    uint32_t map = 0;        // index into maps
    uint32_t slot = 0;       // key
    int32_t inner_map = -1;  // map-in-map: index into maps
    std::string program;     // prog_array: name of a program in programs
  };
  std::vector<SlotInit> slot_inits;
  std::shared_ptr<const Btf> btf;  // may be null for objects built without -g
  // Decade ISA extensions the object declares it needs (BTF decl tags
  // "decade_ext:<name>", isa/extensions.hpp), checked when it is loaded.
  std::vector<std::string> extensions;
  // CO-RE relocations resolved against the object's own BTF because no
  // target BTF was given: each keeps the compiler's layout, which is right
  // only if the host's structures are exactly those the program was built
  // against. The API turns a count above 0 into a warning.
  size_t core_relos_on_own_btf = 0;
};

struct ObjectLoadOptions {
  const Platform* platform = nullptr;          // section -> program type, kfunc resolution
  std::shared_ptr<const Btf> target_btf;       // CO-RE target; null: relocate against the object's own BTF
  std::string name = "object";
  // Values of __kconfig externs: libbpf's kconfig text ("CONFIG_FOO=y\n...";
  // loader/kconfig.hpp gives the rules).
  std::string kconfig;
};

// ELF bytes -> Object. Malformed input gives ElfMalformed / ElfBadSection /
// ElfBadSymbol / ElfBadRelocation / ElfBadJumpTable / ElfMissingMap / ElfMissingSymbol /
// Btf* / Core* with the section, symbol or instruction in the message.
Result<Object> load_object(std::span<const uint8_t> elf, const ObjectLoadOptions& opts);

// A BTF for CO-RE targets: raw BTF bytes (as in /sys/kernel/btf/vmlinux) or
// any 64-bit little-endian ELF file with a .BTF section (a BPF object, or a
// host object after `pahole -J`). Errors: ElfNotBpf, ElfMalformed, Btf*.
Result<std::shared_ptr<const Btf>> load_btf_file(std::span<const uint8_t> bytes);

}  // namespace decade
