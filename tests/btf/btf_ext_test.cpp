// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstring>

#include "btf/btf_ext.hpp"
#include "btf_builder.hpp"

namespace decade {
namespace {

using test::BtfBuilder;

struct Fixture {
  std::shared_ptr<Btf> btf;
  uint32_t func = 0, s_sec = 0, s_file = 0, s_line = 0, s_access = 0, st = 0;
};

Fixture make() {
  BtfBuilder b;
  const uint32_t i32 = b.int_("int", 4);
  const uint32_t fp = b.func_proto(i32, {});
  Fixture f;
  f.func = b.func("prog", fp);
  f.st = b.struct_("s", 4, {{"a", i32, 0}});
  f.s_sec = b.str("xdp");
  f.s_file = b.str("prog.c");
  f.s_line = b.str("  return 0;");
  f.s_access = b.str("0:0");
  f.btf = *Btf::parse(b.bytes());
  return f;
}

void put(std::vector<uint8_t>& v, uint32_t x) {
  const auto* p = reinterpret_cast<const uint8_t*>(&x);
  v.insert(v.end(), p, p + 4);
}

// Header (32 bytes) + func info + line info + CO-RE blocks, one record each.
std::vector<uint8_t> ext_bytes(const Fixture& f) {
  std::vector<uint8_t> func, line, core;
  put(func, 8), put(func, f.s_sec), put(func, 1), put(func, 0), put(func, f.func);
  put(line, 16), put(line, f.s_sec), put(line, 1), put(line, 8), put(line, f.s_file), put(line, f.s_line), put(line, (7u << 10) | 3);
  put(core, 16), put(core, f.s_sec), put(core, 1), put(core, 16), put(core, f.st), put(core, f.s_access), put(core, 0);
  std::vector<uint8_t> out;
  put(out, 0x0001eB9Fu), put(out, 32);
  put(out, 0), put(out, static_cast<uint32_t>(func.size()));
  put(out, static_cast<uint32_t>(func.size())), put(out, static_cast<uint32_t>(line.size()));
  put(out, static_cast<uint32_t>(func.size() + line.size())), put(out, static_cast<uint32_t>(core.size()));
  out.insert(out.end(), func.begin(), func.end());
  out.insert(out.end(), line.begin(), line.end());
  out.insert(out.end(), core.begin(), core.end());
  return out;
}

TEST(BtfExt, ParsesAllThreeBlocks) {
  Fixture f = make();
  auto ext = parse_btf_ext(ext_bytes(f), *f.btf);
  ASSERT_TRUE(ext) << ext.error().to_string();
  const BtfExtSection* s = ext->section("xdp");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->funcs.size(), 1u);
  EXPECT_EQ(s->funcs[0].type_id, f.func);
  ASSERT_EQ(s->lines.size(), 1u);
  EXPECT_EQ(s->lines[0].insn_off, 8u);
  EXPECT_EQ(s->lines[0].file, "prog.c");
  EXPECT_EQ(s->lines[0].text, "  return 0;");
  EXPECT_EQ(s->lines[0].line, 7u);
  EXPECT_EQ(s->lines[0].column, 3u);
  ASSERT_EQ(s->relos.size(), 1u);
  EXPECT_EQ(s->relos[0].access, "0:0");
  EXPECT_EQ(s->relos[0].type_id, f.st);
}

ErrorCode damaged(size_t at, uint32_t value) {
  Fixture f = make();
  auto bytes = ext_bytes(f);
  std::memcpy(bytes.data() + at, &value, 4);
  auto r = parse_btf_ext(bytes, *f.btf);
  return r ? ErrorCode::Ok : r.error().code;
}

TEST(BtfExt, MalformedInputs) {
  EXPECT_EQ(damaged(0, 0x0001ffff), ErrorCode::BtfExtMalformed);        // magic
  EXPECT_EQ(damaged(4, 1000), ErrorCode::BtfExtMalformed);              // header length
  EXPECT_EQ(damaged(12, 0xffffff00), ErrorCode::BtfExtMalformed);       // func info length
  EXPECT_EQ(damaged(32, 4), ErrorCode::BtfExtMalformed);                // func record size too small
  EXPECT_EQ(damaged(32 + 8, 0x7fffffff), ErrorCode::BtfExtMalformed);   // record count
  EXPECT_EQ(damaged(32 + 4, 1u << 30), ErrorCode::BtfExtMalformed);     // section name offset
  EXPECT_EQ(damaged(32 + 16, 1), ErrorCode::BtfExtMalformed);           // func info type is not a FUNC
  EXPECT_EQ(damaged(32 + 12, 3), ErrorCode::BtfExtMalformed);           // insn offset not a multiple of 8
  EXPECT_EQ(damaged(52 + 16, 1u << 30), ErrorCode::BtfExtMalformed);    // line info file name offset
  EXPECT_EQ(damaged(80 + 16, 999), ErrorCode::BtfExtMalformed);         // CO-RE type id
}

TEST(BtfExt, EveryTruncationFailsCleanly) {
  Fixture f = make();
  const auto full = ext_bytes(f);
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(parse_btf_ext(cut, *f.btf)) << n;
  }
}

}  // namespace
}  // namespace decade
