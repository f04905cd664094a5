// SPDX-License-Identifier: Apache-2.0
// Writes raw .BTF bytes for tests: types are added in id order (first is 1).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace decade::test {

class BtfBuilder {
 public:
  BtfBuilder() { strings_.push_back(0); }

  uint32_t str(const std::string& s) {
    if (s.empty()) return 0;
    const uint32_t off = static_cast<uint32_t>(strings_.size());
    strings_.insert(strings_.end(), s.begin(), s.end());
    strings_.push_back(0);
    return off;
  }
  // Common record; returns the new id.
  uint32_t rec(const std::string& name, uint32_t kind, uint32_t vlen, uint32_t size_type, bool kflag = false) {
    put(str(name));
    put((kflag ? 1u << 31 : 0) | (kind << 24) | vlen);
    put(size_type);
    return ++count_;
  }
  void put(uint32_t v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    types_.insert(types_.end(), p, p + 4);
  }

  uint32_t int_(const std::string& name, uint32_t bytes, bool is_signed = true) {
    const uint32_t id = rec(name, 1, 0, bytes);
    put((is_signed ? 1u << 24 : 0) | bytes * 8);
    return id;
  }
  uint32_t ptr(uint32_t to) { return rec("", 2, 0, to); }
  uint32_t array(uint32_t elem, uint32_t index, uint32_t n) {
    const uint32_t id = rec("", 3, 0, 0);
    put(elem);
    put(index);
    put(n);
    return id;
  }
  struct M {
    std::string name;
    uint32_t type;
    uint32_t bit_off;
    uint32_t bitfield = 0;
  };
  uint32_t struct_(const std::string& name, uint32_t size, const std::vector<M>& ms, bool is_union = false) {
    bool kflag = false;
    for (const auto& m : ms) kflag = kflag || m.bitfield;
    const uint32_t id = rec(name, is_union ? 5 : 4, static_cast<uint32_t>(ms.size()), size, kflag);
    for (const auto& m : ms) {
      put(str(m.name));
      put(m.type);
      put(kflag ? (m.bitfield << 24) | m.bit_off : m.bit_off);
    }
    return id;
  }
  uint32_t enum_(const std::string& name, const std::vector<std::pair<std::string, int32_t>>& vals) {
    bool is_signed = false;
    for (const auto& v : vals) is_signed = is_signed || v.second < 0;
    const uint32_t id = rec(name, 6, static_cast<uint32_t>(vals.size()), 4, is_signed);
    for (const auto& [n, v] : vals) {
      put(str(n));
      put(static_cast<uint32_t>(v));
    }
    return id;
  }
  uint32_t typedef_(const std::string& name, uint32_t to) { return rec(name, 8, 0, to); }
  uint32_t const_(uint32_t to) { return rec("", 10, 0, to); }
  uint32_t func_proto(uint32_t ret, const std::vector<uint32_t>& params) {
    const uint32_t id = rec("", 13, static_cast<uint32_t>(params.size()), ret);
    for (uint32_t p : params) {
      put(0);
      put(p);
    }
    return id;
  }
  uint32_t func(const std::string& name, uint32_t proto, uint32_t linkage = 1) { return rec(name, 12, linkage, proto); }

  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out(24);
    const uint32_t hdr[6] = {0x0001eB9Fu, 24, 0, static_cast<uint32_t>(types_.size()), static_cast<uint32_t>(types_.size()),
                             static_cast<uint32_t>(strings_.size())};
    std::memcpy(out.data(), hdr, 24);
    out.insert(out.end(), types_.begin(), types_.end());
    out.insert(out.end(), strings_.begin(), strings_.end());
    return out;
  }
  std::vector<uint8_t>& raw_types() { return types_; }

 private:
  std::vector<uint8_t> types_;
  std::vector<uint8_t> strings_;
  uint32_t count_ = 0;
};

}  // namespace decade::test
