// SPDX-License-Identifier: Apache-2.0
// `decade gen skeleton OBJ.o [--name NAME]`: a C header in the shape of
// libbpf's skeletons, built on the C API (include/decade/decade.h):
//
//   struct NAME {
//     decade_object *obj;
//     struct { decade_map *hmap; ...; decade_map *bss; } maps;
//     struct { decade_program *prog; } progs;
//     struct NAME__rodata { <.rodata's variables> } *rodata;   // also data, bss
//   };
//   NAME__open(), NAME__load(), NAME__load_opts(), NAME__open_and_load(),
//   NAME__destroy(), NAME__elf_bytes()
//
// The variables keep their BTF types (definitions emitted with btf_c.hpp,
// const/volatile dropped so hosts can set .rodata before load) at their
// DATASEC offsets (explicit padding fills the gaps); the object's bytes are
// embedded as a string literal. Before load the section pointers address
// the initial images (writable: configuration goes here); after load the
// live memory (.rodata: the frozen image the verifier saw; writing it then
// is undefined).
#pragma once

#include <string>

#include "decade/decade.hpp"

namespace decade::cli {

// The header for `obj` (opened, not loaded), whose bytes are `elf`.
Result<std::string> skeleton(const BpfObject& obj, std::span<const uint8_t> elf, const std::string& name);

}  // namespace decade::cli
