// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "btf/btf.hpp"
#include "btf_builder.hpp"

namespace decade {
namespace {

using test::BtfBuilder;

ErrorCode parse_error(const std::vector<uint8_t>& bytes) {
  auto r = Btf::parse(bytes);
  EXPECT_FALSE(r.has_value());
  return r ? ErrorCode::Ok : r.error().code;
}

TEST(BtfParse, TypesAndQueries) {
  BtfBuilder b;
  const uint32_t i32 = b.int_("int", 4);                      // 1
  const uint32_t u64 = b.int_("unsigned long", 8, false);     // 2
  const uint32_t arr = b.array(i32, i32, 3);                   // 3
  const uint32_t st = b.struct_("pair", 24, {{"a", i32, 0}, {"v", arr, 32}, {"b", u64, 128}});  // 4
  const uint32_t td = b.typedef_("pair_t", st);                // 5
  const uint32_t cst = b.const_(td);                           // 6
  const uint32_t p = b.ptr(cst);                               // 7
  const uint32_t en = b.enum_("color", {{"RED", 0}, {"BLUE", -2}});  // 8
  const uint32_t fp = b.func_proto(i32, {p});                  // 9
  const uint32_t fn = b.func("use_pair", fp);                  // 10
  auto btf = Btf::parse(b.bytes());
  ASSERT_TRUE(btf) << btf.error().to_string();
  const Btf& t = **btf;
  EXPECT_EQ(t.count(), 11u);
  EXPECT_EQ(t.type(st)->kind, BtfKind::Struct);
  ASSERT_EQ(t.type(st)->members.size(), 3u);
  EXPECT_EQ(t.type(st)->members[2].name, "b");
  EXPECT_EQ(t.type(st)->members[2].bit_offset, 128u);
  EXPECT_EQ(t.resolve(cst), st);
  EXPECT_EQ(t.resolve(p), p);
  EXPECT_EQ(t.size_of(arr), 12u);
  EXPECT_EQ(t.size_of(cst), 24u);
  EXPECT_EQ(t.size_of(p), 8u);
  EXPECT_EQ(t.size_of(en), 4u);
  EXPECT_FALSE(t.size_of(fn).has_value());
  EXPECT_FALSE(t.size_of(0).has_value());
  EXPECT_EQ(t.find("pair", BtfKind::Struct), st);
  EXPECT_EQ(t.find("pair", BtfKind::Union), 0u);
  EXPECT_EQ(t.type(en)->enumerators[1].value, -2);
  EXPECT_EQ(t.type(fn)->linkage, 1u);
  EXPECT_EQ(t.type_name(p), "pair_t const *");
  EXPECT_EQ(t.type_name(arr), "int[3]");
  EXPECT_EQ(t.type_name(u64), "unsigned long");
  EXPECT_EQ(t.string_at(1).value_or(""), "int");
  EXPECT_FALSE(t.string_at(100000).has_value());
}

TEST(BtfParse, BitfieldMembersUseKindFlag) {
  BtfBuilder b;
  const uint32_t u32 = b.int_("unsigned int", 4, false);
  const uint32_t st = b.struct_("flags", 4, {{"lo", u32, 0, 3}, {"hi", u32, 3, 5}});
  auto btf = Btf::parse(b.bytes());
  ASSERT_TRUE(btf);
  EXPECT_EQ((*btf)->type(st)->members[1].bit_offset, 3u);
  EXPECT_EQ((*btf)->type(st)->members[1].bitfield_size, 5u);
}

TEST(BtfParse, TruncatedHeader) {
  BtfBuilder b;
  b.int_("int", 4);
  auto bytes = b.bytes();
  bytes.resize(10);
  EXPECT_EQ(parse_error(bytes), ErrorCode::BtfMalformed);
}

TEST(BtfParse, BadMagic) {
  BtfBuilder b;
  auto bytes = b.bytes();
  bytes[0] = 0x12;
  EXPECT_EQ(parse_error(bytes), ErrorCode::BtfMalformed);
}

TEST(BtfParse, SectionsPastTheEnd) {
  BtfBuilder b;
  b.int_("int", 4);
  auto bytes = b.bytes();
  bytes.resize(bytes.size() - 3);  // string section now runs past the end
  EXPECT_EQ(parse_error(bytes), ErrorCode::BtfMalformed);
}

TEST(BtfParse, TruncatedRecord) {
  BtfBuilder b;
  b.rec("s", 4, 3, 8);  // a struct announcing 3 members, with none written
  EXPECT_EQ(parse_error(b.bytes()), ErrorCode::BtfMalformed);
}

TEST(BtfParse, UnknownKind) {
  BtfBuilder b;
  b.rec("x", 25, 0, 0);
  EXPECT_EQ(parse_error(b.bytes()), ErrorCode::BtfMalformed);
}

TEST(BtfParse, NameOutsideStringSection) {
  BtfBuilder b;
  b.int_("int", 4);
  b.raw_types()[0] = 0xff;  // name_off of type 1
  b.raw_types()[1] = 0x7f;
  EXPECT_EQ(parse_error(b.bytes()), ErrorCode::BtfBadString);
}

TEST(BtfParse, TypeIdOutOfRange) {
  BtfBuilder b;
  b.ptr(42);
  EXPECT_EQ(parse_error(b.bytes()), ErrorCode::BtfBadTypeId);
  BtfBuilder c;
  const uint32_t i = c.int_("int", 4);
  c.struct_("s", 4, {{"m", 99, 0}});
  (void)i;
  EXPECT_EQ(parse_error(c.bytes()), ErrorCode::BtfBadTypeId);
}

TEST(BtfParse, TypedefToItselfIsACycle) {
  BtfBuilder b;
  b.typedef_("loop", 1);
  EXPECT_EQ(parse_error(b.bytes()), ErrorCode::BtfCycle);
}

TEST(BtfParse, StructContainingItselfByValueIsACycle) {
  BtfBuilder b;
  const uint32_t i = b.int_("int", 4);
  b.struct_("node", 8, {{"v", i, 0}, {"next", 2, 32}});  // id 2 contains id 2
  EXPECT_EQ(parse_error(b.bytes()), ErrorCode::BtfCycle);
}

TEST(BtfParse, CycleThroughPointerIsFine) {
  BtfBuilder b;
  const uint32_t i = b.int_("int", 4);           // 1
  b.struct_("node", 16, {{"v", i, 0}, {"next", 3, 64}});  // 2, next: ptr (3) to node
  b.ptr(2);                                       // 3
  auto btf = Btf::parse(b.bytes());
  ASSERT_TRUE(btf) << btf.error().to_string();
  EXPECT_EQ((*btf)->type_name(3), "struct node *");
}

TEST(BtfParse, HugeArrayIsTooLarge) {
  BtfBuilder b;
  const uint32_t i = b.int_("int", 4);
  const uint32_t a = b.array(i, i, 0x40000000);
  b.array(a, i, 0x40000000);
  EXPECT_EQ(parse_error(b.bytes()), ErrorCode::BtfTooLarge);
}

TEST(BtfParse, MemberPastStructEnd) {
  BtfBuilder b;
  const uint32_t i = b.int_("int", 4);
  b.struct_("s", 4, {{"a", i, 0}, {"b", i, 32}});
  EXPECT_EQ(parse_error(b.bytes()), ErrorCode::BtfMalformed);
}

TEST(BtfParse, FuncMustPointToPrototype) {
  BtfBuilder b;
  const uint32_t i = b.int_("int", 4);
  b.func("f", i);
  EXPECT_EQ(parse_error(b.bytes()), ErrorCode::BtfMalformed);
}

TEST(BtfParse, OversizedInputIsTooLarge) {
  std::vector<uint8_t> bytes(Btf::kMaxBytes + 1, 0);
  EXPECT_EQ(parse_error(bytes), ErrorCode::BtfTooLarge);
}

TEST(BtfParse, EveryTruncationFailsCleanly) {
  BtfBuilder b;
  const uint32_t i = b.int_("int", 4);
  const uint32_t s = b.struct_("s", 8, {{"a", i, 0}, {"b", i, 32}});
  b.ptr(s);
  b.enum_("e", {{"A", 1}});
  const auto full = b.bytes();
  ASSERT_TRUE(Btf::parse(full));
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(Btf::parse(cut)) << n;
  }
}

}  // namespace
}  // namespace decade
