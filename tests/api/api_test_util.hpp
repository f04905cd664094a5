// SPDX-License-Identifier: Apache-2.0
// Helpers for the embedding API tests: object paths and the engine list.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "decade/decade.hpp"

namespace decade::test {

// build/bpf/<rel>, e.g. obj("loader/progs/map_hash.bpf.o").
inline std::string obj(const std::string& rel) { return std::string(DECADE_BINARY_DIR) + "/bpf/" + rel; }

// obj(rel) opened and loaded on `engine`, verified or (unverified = true)
// run unverified with run-time checks where the verifier refuses it.
inline Result<BpfObject> open_loaded(const std::string& rel, const std::string& engine, bool unverified) {
  auto o = BpfObject::open(obj(rel));
  if (!o) return o;
  LoadOptions lo;
  lo.engine = engine;
  lo.unverified_checked_execution = unverified;
  if (auto s = o->load(lo); !s) return std::unexpected(s.error());
  return o;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// A demo/packets/*.hex file: hex bytes, '#' comments.
inline std::vector<uint8_t> read_hex(const std::string& path) {
  std::ifstream f(path);
  std::vector<uint8_t> out;
  std::string line;
  while (std::getline(f, line)) {
    line = line.substr(0, line.find('#'));
    for (size_t i = 0; i + 1 < line.size();) {
      if (std::isxdigit(static_cast<unsigned char>(line[i])) && std::isxdigit(static_cast<unsigned char>(line[i + 1]))) {
        out.push_back(static_cast<uint8_t>(std::stoul(line.substr(i, 2), nullptr, 16)));
        i += 2;
      } else {
        ++i;
      }
    }
  }
  return out;
}

template <typename T>
std::span<const uint8_t> as_bytes(const T& v) {
  return {reinterpret_cast<const uint8_t*>(&v), sizeof(T)};
}

// A hostile object the verifier must refuse, and how (tests/api/escape_*).
struct Escape {
  const char* object;  // under build/bpf/
  ErrorCode code;
  int64_t insn;        // in the rejected program
};

inline std::ostream& operator<<(std::ostream& os, const Escape& e) { return os << e.object; }

// Loads every object with `engine` and expects each load to fail with its
// code at its instruction.
inline void expect_refused(std::span<const Escape> escapes, const std::string& engine) {
  for (const Escape& e : escapes) {
    auto o = BpfObject::open(obj(e.object));
    ASSERT_TRUE(o) << e << ": " << o.error().to_string();
    auto s = o->load({.engine = engine});
    if (s) {
      ADD_FAILURE() << e << " (" << engine << "): accepted";
      continue;
    }
    EXPECT_EQ(s.error().code, e.code) << e << ": " << s.error().to_string();
    EXPECT_EQ(s.error().insn, e.insn) << e << ": " << s.error().to_string();
  }
}

}  // namespace decade::test
