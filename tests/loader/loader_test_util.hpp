// SPDX-License-Identifier: Apache-2.0
// Helpers for the loader tests: read the objects clang built from
// tests/loader/progs, load them against the standard platform.
#pragma once

#include <elf.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "loader/object.hpp"

namespace decade::test {

inline std::string prog_path(const std::string& name) { return std::string(DECADE_BINARY_DIR) + "/bpf/loader/progs/" + name + ".o"; }

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), {});
}

inline const Platform& standard_platform() {
  static const Platform p = Platform::standard();
  return p;
}

inline Result<Object> load_bytes(const std::vector<uint8_t>& bytes, std::shared_ptr<const Btf> target = nullptr) {
  ObjectLoadOptions o;
  o.platform = &standard_platform();
  o.target_btf = std::move(target);
  o.name = "test";
  return load_object(bytes, o);
}

// Loads tests/loader/progs/<name>.c's object; fails the test on error.
inline Object load_prog(const std::string& name, std::shared_ptr<const Btf> target = nullptr) {
  auto obj = load_bytes(read_bytes(prog_path(name)), std::move(target));
  EXPECT_TRUE(obj) << name << ": " << obj.error().to_string();
  return obj ? std::move(*obj) : Object{};
}

inline const ObjectProgram* find_program(const Object& o, const std::string& name) {
  for (const auto& p : o.programs)
    if (p.name == name) return &p;
  return nullptr;
}

inline const MapDef* find_map(const Object& o, const std::string& name) {
  for (const auto& m : o.maps)
    if (m.name == name) return &m;
  return nullptr;
}

inline int32_t map_index(const Object& o, const std::string& name) {
  for (size_t i = 0; i < o.maps.size(); ++i)
    if (o.maps[i].name == name) return static_cast<int32_t>(i);
  return -1;
}

// Instructions of a program with a given semantics.
inline std::vector<const Insn*> insns_with(const Program& p, Sem sem) {
  std::vector<const Insn*> out;
  for (const auto& in : p.insns)
    if (in.info().sem == sem) out.push_back(&in);
  return out;
}

// Edits a compiled object in place through the ELF headers.
struct ElfEdit {
  std::vector<uint8_t> b;
  explicit ElfEdit(const std::string& prog) : b(read_bytes(prog_path(prog))) {}
  Elf64_Ehdr* eh() { return reinterpret_cast<Elf64_Ehdr*>(b.data()); }
  Elf64_Shdr* sh(size_t i) { return reinterpret_cast<Elf64_Shdr*>(b.data() + eh()->e_shoff + i * sizeof(Elf64_Shdr)); }
  Elf64_Shdr* find(const std::string& name) {
    const Elf64_Shdr* strs = sh(eh()->e_shstrndx);
    for (size_t i = 0; i < eh()->e_shnum; ++i)
      if (name == reinterpret_cast<const char*>(b.data() + strs->sh_offset + sh(i)->sh_name)) return sh(i);
    ADD_FAILURE() << "no section " << name;
    return sh(0);
  }
  uint8_t* data(Elf64_Shdr* s) { return b.data() + s->sh_offset; }
  Elf64_Sym* sym(const std::string& name) {
    Elf64_Shdr* st = find(".symtab");
    Elf64_Shdr* str = sh(st->sh_link);
    auto* syms = reinterpret_cast<Elf64_Sym*>(data(st));
    for (size_t i = 0; i < st->sh_size / sizeof(Elf64_Sym); ++i)
      if (name == reinterpret_cast<const char*>(data(str) + syms[i].st_name)) return &syms[i];
    ADD_FAILURE() << "no symbol " << name;
    return syms;
  }
  // The first relocation of the section `target`.
  Elf64_Rel* rel(const std::string& target) { return reinterpret_cast<Elf64_Rel*>(data(find(".rel" + target))); }
  // The object's error, else the first program's (ObjectProgram::error).
  ErrorCode load_code() {
    auto r = load_bytes(b);
    if (!r) return r.error().code;
    for (const ObjectProgram& p : r->programs)
      if (p.error) return p.error->code;
    return ErrorCode::Ok;
  }
};

}  // namespace decade::test
