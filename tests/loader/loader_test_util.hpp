// SPDX-License-Identifier: Apache-2.0
// Helpers for the loader tests: read the objects clang built from
// tests/loader/progs, load them against the standard platform.
#pragma once

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

}  // namespace decade::test
