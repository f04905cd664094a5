// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "btf/core.hpp"
#include "btf_builder.hpp"

namespace decade {
namespace {

using test::BtfBuilder;
using K = CoreReloKind;

std::shared_ptr<Btf> parse(const BtfBuilder& b) {
  auto r = Btf::parse(b.bytes());
  EXPECT_TRUE(r) << r.error().to_string();
  return r ? *r : nullptr;
}

// Local: struct task { int pid; long long start; unsigned flags:3, mode:5; enum state s; }
struct Local {
  std::shared_ptr<Btf> btf;
  uint32_t task = 0, state = 0;
};

Local make_local() {
  BtfBuilder b;
  const uint32_t i32 = b.int_("int", 4);
  const uint32_t i64 = b.int_("long long", 8);
  const uint32_t u32 = b.int_("unsigned int", 4, false);
  const uint32_t st = b.enum_("state", {{"RUNNING", 0}, {"SLEEPING", 1}});
  const uint32_t task = b.struct_("task", 24, {{"pid", i32, 0}, {"start", i64, 64}, {"flags", u32, 128, 3}, {"mode", u32, 131, 5}, {"s", st, 160}});
  return {parse(b), task, st};
}

BtfExtCoreRelo relo(uint32_t type, const std::string& access, K kind) { return {0, type, access, static_cast<uint32_t>(kind)}; }

TEST(Core, EssentialName) {
  EXPECT_EQ(core_essential_name("task___v2"), "task");
  EXPECT_EQ(core_essential_name("task"), "task");
  EXPECT_EQ(core_essential_name("__task"), "__task");
  EXPECT_EQ(core_essential_name("a____b"), "a____b");
}

TEST(Core, SameBtfGivesTheCompilersValues) {
  Local l = make_local();
  auto r = core_relocate(*l.btf, *l.btf, relo(l.task, "0:1", K::FieldByteOffset));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->orig_value, 8u);
  EXPECT_EQ(r->new_value, 8u);
  EXPECT_EQ(r->new_size, 8u);
}

TEST(Core, FieldsMoveInTheTarget) {
  Local l = make_local();
  // Target: struct task___new { long long start; char pad[4]; int pid; unsigned short flags:3, mode:5; } (flavour suffix ignored)
  BtfBuilder t;
  const uint32_t i64 = t.int_("long long", 8);
  const uint32_t ch = t.int_("char", 1);
  const uint32_t arr = t.array(ch, ch, 4);
  const uint32_t i32 = t.int_("int", 4);
  const uint32_t u16 = t.int_("unsigned short", 2, false);
  const uint32_t task = t.struct_("task___new", 24, {{"start", i64, 0}, {"pad", arr, 64}, {"pid", i32, 96}, {"flags", u16, 128, 3}, {"mode", u16, 131, 5}});
  (void)task;
  auto target = parse(t);
  auto pid = core_relocate(*l.btf, *target, relo(l.task, "0:0", K::FieldByteOffset));
  ASSERT_TRUE(pid) << pid.error().to_string();
  EXPECT_EQ(pid->orig_value, 0u);
  EXPECT_EQ(pid->new_value, 12u);
  auto start = core_relocate(*l.btf, *target, relo(l.task, "0:1", K::FieldByteOffset));
  ASSERT_TRUE(start);
  EXPECT_EQ(start->new_value, 0u);
  auto size = core_relocate(*l.btf, *target, relo(l.task, "0:0", K::FieldByteSize));
  ASSERT_TRUE(size);
  EXPECT_EQ(size->new_value, 4u);
  // Bitfield `mode`: 5 bits at bit 131, read from a 2-byte word at byte 16.
  auto off = core_relocate(*l.btf, *target, relo(l.task, "0:3", K::FieldByteOffset));
  auto bsz = core_relocate(*l.btf, *target, relo(l.task, "0:3", K::FieldByteSize));
  auto lsh = core_relocate(*l.btf, *target, relo(l.task, "0:3", K::FieldLshiftU64));
  auto rsh = core_relocate(*l.btf, *target, relo(l.task, "0:3", K::FieldRshiftU64));
  ASSERT_TRUE(off && bsz && lsh && rsh);
  EXPECT_EQ(off->new_value, 16u);
  EXPECT_EQ(bsz->new_value, 2u);
  EXPECT_EQ(lsh->new_value, 64u - (131 + 5 - 128));
  EXPECT_EQ(rsh->new_value, 59u);
  auto sgn = core_relocate(*l.btf, *target, relo(l.task, "0:0", K::FieldSigned));
  ASSERT_TRUE(sgn);
  EXPECT_EQ(sgn->new_value, 1u);
  // `s` is missing in the target: exists gives 0, offset has no match.
  auto ex = core_relocate(*l.btf, *target, relo(l.task, "0:4", K::FieldExists));
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->orig_value, 1u);
  EXPECT_EQ(ex->new_value, 0u);
  auto missing = core_relocate(*l.btf, *target, relo(l.task, "0:4", K::FieldByteOffset));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::CoreNoMatch);
}

TEST(Core, TypeAndEnumRelocations) {
  Local l = make_local();
  BtfBuilder t;
  const uint32_t i32 = t.int_("int", 4);
  t.struct_("task", 32, {{"pid", i32, 0}});
  const uint32_t st = t.enum_("state", {{"SLEEPING", 7}});
  auto target = parse(t);
  auto size = core_relocate(*l.btf, *target, relo(l.task, "0", K::TypeSize));
  ASSERT_TRUE(size);
  EXPECT_EQ(size->orig_value, 24u);
  EXPECT_EQ(size->new_value, 32u);
  auto id = core_relocate(*l.btf, *target, relo(l.task, "0", K::TypeIdTarget));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->new_value, 2u);
  auto local_id = core_relocate(*l.btf, *target, relo(l.task, "0", K::TypeIdLocal));
  ASSERT_TRUE(local_id);
  EXPECT_EQ(local_id->new_value, l.task);
  auto val = core_relocate(*l.btf, *target, relo(l.state, "1", K::EnumvalValue));
  ASSERT_TRUE(val);
  EXPECT_EQ(val->orig_value, 1u);
  EXPECT_EQ(val->new_value, 7u);
  auto gone = core_relocate(*l.btf, *target, relo(l.state, "0", K::EnumvalExists));
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->new_value, 0u);
  (void)st;
}

TEST(Core, MissingTypeExistsIsZero) {
  Local l = make_local();
  BtfBuilder t;
  t.int_("int", 4);
  auto target = parse(t);
  auto ex = core_relocate(*l.btf, *target, relo(l.task, "0", K::TypeExists));
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->new_value, 0u);
  auto sz = core_relocate(*l.btf, *target, relo(l.task, "0", K::TypeSize));
  ASSERT_FALSE(sz);
  EXPECT_EQ(sz.error().code, ErrorCode::CoreNoMatch);
}

TEST(Core, DisagreeingCandidatesAreAmbiguous) {
  Local l = make_local();
  BtfBuilder t;
  const uint32_t i32 = t.int_("int", 4);
  t.struct_("task___a", 8, {{"pid", i32, 0}});
  t.struct_("task___b", 8, {{"x", i32, 0}, {"pid", i32, 32}});
  auto target = parse(t);
  auto r = core_relocate(*l.btf, *target, relo(l.task, "0:0", K::FieldByteOffset));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::CoreAmbiguous);
}

TEST(Core, AnonymousMembersAreSearched) {
  Local l = make_local();
  BtfBuilder t;
  const uint32_t i32 = t.int_("int", 4);
  const uint32_t anon = t.struct_("", 8, {{"x", i32, 0}, {"pid", i32, 32}});
  t.struct_("task", 16, {{"y", i32, 0}, {"", anon, 64}});
  auto target = parse(t);
  auto r = core_relocate(*l.btf, *target, relo(l.task, "0:0", K::FieldByteOffset));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->new_value, 12u);
}

TEST(Core, IncompatibleFieldDoesNotMatch) {
  Local l = make_local();
  BtfBuilder t;
  const uint32_t i32 = t.int_("int", 4);
  const uint32_t inner = t.struct_("inner", 4, {{"v", i32, 0}});
  t.struct_("task", 8, {{"pid", inner, 0}});
  auto target = parse(t);
  auto r = core_relocate(*l.btf, *target, relo(l.task, "0:0", K::FieldByteOffset));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::CoreNoMatch);
}

// struct upid { int nr; void *ns; }; struct pid { int count; unsigned level; <pad>; struct upid numbers[]; }
// with the flexible array member at `numbers_bit`, and `int tail[0]` in the middle when asked.
std::shared_ptr<Btf> make_pid(const std::string& name, uint32_t numbers_bit, bool zero_array_inside = false) {
  BtfBuilder b;
  const uint32_t i32 = b.int_("int", 4);
  const uint32_t u32 = b.int_("unsigned int", 4, false);
  const uint32_t vp = b.ptr(0);
  const uint32_t upid = b.struct_("upid", 16, {{"nr", i32, 0}, {"ns", vp, 64}});
  const uint32_t flex = b.array(upid, i32, 0);
  const uint32_t zero = b.array(i32, i32, 0);
  std::vector<BtfBuilder::M> ms{{"count", i32, 0}, {"level", u32, 32}};
  if (zero_array_inside) ms.push_back({"tail", zero, 64});
  ms.push_back({"numbers", flex, numbers_bit});
  if (zero_array_inside) ms.push_back({"after", i32, numbers_bit});
  b.struct_(name, numbers_bit / 8 + (zero_array_inside ? 8 : 0), ms);
  return parse(b);
}

uint32_t pid_id(const Btf& btf) { return btf.find("pid", BtfKind::Struct); }

TEST(Core, FlexibleArrayMemberHasAnOffsetAndNoSize) {
  // bcc's runqlat: &pid->numbers[level] with a variable level relocates the
  // offset of `numbers` (access "0:2"); its type, `struct upid[]`, has size 0.
  auto local = make_pid("pid", 64);
  auto target = make_pid("pid", 128);  // two more words before `numbers` on the host
  const uint32_t id = pid_id(*local);
  auto off = core_relocate(*local, *target, relo(id, "0:2", K::FieldByteOffset));
  ASSERT_TRUE(off) << off.error().to_string();
  EXPECT_EQ(off->orig_value, 8u);
  EXPECT_EQ(off->new_value, 16u);
  EXPECT_EQ(off->orig_size, 0u);
  EXPECT_EQ(off->new_size, 0u);
  auto size = core_relocate(*local, *target, relo(id, "0:2", K::FieldByteSize));
  ASSERT_TRUE(size) << size.error().to_string();
  EXPECT_EQ(size->new_value, 0u);
  auto same = core_relocate(*local, *local, relo(id, "0:2", K::FieldByteOffset));
  ASSERT_TRUE(same) << same.error().to_string();
  EXPECT_EQ(same->new_value, 8u);
  // A constant index past the (zero) length: numbers[3].ns, in bounds for a flexible member.
  auto ns = core_relocate(*local, *target, relo(id, "0:2:3:1", K::FieldByteOffset));
  ASSERT_TRUE(ns) << ns.error().to_string();
  EXPECT_EQ(ns->orig_value, 8u + 3 * 16 + 8);
  EXPECT_EQ(ns->new_value, 16u + 3 * 16 + 8);
  EXPECT_EQ(ns->new_size, 8u);
  auto elem = core_relocate(*local, *target, relo(id, "0:2:3", K::FieldByteSize));
  ASSERT_TRUE(elem) << elem.error().to_string();
  EXPECT_EQ(elem->new_value, 16u);
}

TEST(Core, ZeroLengthArrayInsideAStructHasNoElements) {
  // `int tail[0]` and `numbers[0]` followed by another member are no
  // flexible arrays: as libbpf, any index into them is out of range, in the
  // local BTF (malformed) and in a target (no match).
  auto inside = make_pid("pid", 64, true);
  auto r = core_relocate(*inside, *inside, relo(pid_id(*inside), "0:2:1", K::FieldByteOffset));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::BtfExtMalformed);
  auto local = make_pid("pid", 64);
  auto m = core_relocate(*local, *inside, relo(pid_id(*local), "0:2:0:0", K::FieldByteOffset));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::CoreNoMatch);
  // The member itself, not an element of it, still matches.
  auto member = core_relocate(*local, *inside, relo(pid_id(*local), "0:2", K::FieldByteOffset));
  ASSERT_TRUE(member) << member.error().to_string();
  EXPECT_EQ(member->new_value, 8u);
}

TEST(Core, ArrayElementsHaveNoSignednessOrShifts) {
  auto local = make_pid("pid", 64);
  for (K k : {K::FieldSigned, K::FieldLshiftU64, K::FieldRshiftU64}) {
    auto r = core_relocate(*local, *local, relo(pid_id(*local), "0:2:1", k));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::BtfExtMalformed);
  }
}

TEST(Core, BitfieldRightShiftIsValidated) {
  Local l = make_local();
  auto rsh = core_relocate(*l.btf, *l.btf, relo(l.task, "0:3", K::FieldRshiftU64));
  auto lsh = core_relocate(*l.btf, *l.btf, relo(l.task, "0:3", K::FieldLshiftU64));
  ASSERT_TRUE(rsh && lsh);
  EXPECT_TRUE(rsh->validate);
  EXPECT_FALSE(lsh->validate);
}

TEST(Core, UnknownKindAndBadAccess) {
  Local l = make_local();
  auto r = core_relocate(*l.btf, *l.btf, {0, l.task, "0:0", 99});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::CoreUnknownRelocKind);
  for (const char* bad : {"", "0:", "x", "0:9", "0:0:0", "-1"}) {
    auto b = core_relocate(*l.btf, *l.btf, relo(l.task, bad, K::FieldByteOffset));
    ASSERT_FALSE(b) << bad;
    EXPECT_EQ(b.error().code, ErrorCode::BtfExtMalformed) << bad;
  }
}

}  // namespace
}  // namespace decade
