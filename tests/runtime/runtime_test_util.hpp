// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the runtime tests.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "runtime/map.hpp"
#include "runtime/platform.hpp"

namespace decade::test {

inline MapDef def(MapType type, uint32_t key, uint32_t value, uint32_t max, uint32_t flags = 0) {
  MapDef d;
  d.name = "m";
  d.type = type;
  d.key_size = key;
  d.value_size = value;
  d.max_entries = max;
  d.map_flags = flags;
  return d;
}

inline std::unique_ptr<Map> make(MapType type, uint32_t key, uint32_t value, uint32_t max, uint32_t flags = 0) {
  auto m = create_map(def(type, key, value, max, flags));
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().to_string());
  return m ? std::move(*m) : nullptr;
}

inline const Platform& platform() {
  static const Platform p = Platform::standard();
  return p;
}

// Calls a helper through its registered function pointer.
inline uint64_t call(uint32_t id, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0, uint64_t e = 0) {
  const FuncProto* p = platform().helper(id);
  EXPECT_NE(p, nullptr) << "helper " << id;
  return p ? p->fn(a, b, c, d, e) : ~0ull;
}

inline uint64_t kcall(const char* name, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0, uint64_t e = 0) {
  const FuncProto* p = platform().kfunc(name);
  EXPECT_NE(p, nullptr) << name;
  return p ? p->fn(a, b, c, d, e) : ~0ull;
}

template <typename T>
uint64_t u(T* p) {
  return reinterpret_cast<uint64_t>(p);
}

inline long as_long(uint64_t v) { return static_cast<long>(v); }

}  // namespace decade::test
