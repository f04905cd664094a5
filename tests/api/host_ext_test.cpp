// SPDX-License-Identifier: Apache-2.0
// Host additions through the API: a helper, a kfunc and a program type,
// registered between open() and load(), then called by a C program.
#include <gtest/gtest.h>

#include <cstring>

#include "api_test_util.hpp"

namespace decade {
namespace {

uint64_t host_add(uint64_t a, uint64_t b, uint64_t, uint64_t, uint64_t) { return a + b; }
uint64_t host_mul(uint64_t a, uint64_t b, uint64_t, uint64_t, uint64_t) { return a * b; }

struct HookCtx {
  uint32_t a, b;
  uint64_t result;
};

Status add_everything(BpfObject& o) {
  FunctionSpec add{.name = "host_add", .id = 1000, .fn = host_add, .ret = ReturnType::Integer,
                   .args = {ArgType::Scalar, ArgType::Scalar}};
  if (auto s = o.add_helper(add); !s) return s;
  FunctionSpec mul{.name = "host_mul", .id = 0, .fn = host_mul, .ret = ReturnType::Integer,
                   .args = {ArgType::Scalar, ArgType::Scalar}};
  if (auto s = o.add_kfunc(mul); !s) return s;
  ProgramTypeSpec hook;
  hook.name = "myhook";
  hook.sections = {"myhook"};
  hook.ctx_size = sizeof(HookCtx);
  hook.fields = {{"a", 0, 4, false}, {"b", 4, 4, false}, {"result", 8, 8, true}};
  return o.add_program_type(hook);
}

class HostExt : public ::testing::TestWithParam<std::string> {};

TEST_P(HostExt, HelperKfuncAndProgramType) {
  auto o = BpfObject::open(test::obj("api/progs/host_ext.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(add_everything(*o));
  LoadOptions lo;
  lo.engine = GetParam();
  auto s = o->load(lo);
  ASSERT_TRUE(s) << s.error().to_string();
  auto scaled = o->program("scaled");
  ASSERT_TRUE(scaled);
  const uint64_t args[2] = {3, 4};
  auto r = scaled->test_run({.ctx = test::as_bytes(args)});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 15u);
  auto hook = o->program("hook");
  ASSERT_TRUE(hook);
  EXPECT_EQ(hook->type(), "myhook");
  HookCtx ctx{6, 7, 0};
  auto h = hook->test_run({.ctx = test::as_bytes(ctx)});
  ASSERT_TRUE(h) << h.error().to_string();
  EXPECT_EQ(h->retval, 13u);
  ASSERT_EQ(h->ctx_out.size(), sizeof(HookCtx));
  HookCtx out;
  std::memcpy(&out, h->ctx_out.data(), sizeof out);
  EXPECT_EQ(out.result, 42u);
}

INSTANTIATE_TEST_SUITE_P(Api, HostExt, ::testing::ValuesIn(engines()));

TEST(HostExtErrors, MissingAdditionsFailTheLoad) {
  auto o = BpfObject::open(test::obj("api/progs/host_ext.bpf.o"));
  if (!o) {  // the loader may refuse the unknown section or kfunc at open
    const auto c = o.error().code;
    EXPECT_TRUE(c == ErrorCode::ElfUnknownSection || c == ErrorCode::ElfMissingSymbol ||
                c == ErrorCode::KfuncNotFound) << o.error().to_string();
    return;
  }
  auto s = o->load();
  ASSERT_FALSE(s);
  const auto c = s.error().code;
  EXPECT_TRUE(c == ErrorCode::ElfUnknownSection || c == ErrorCode::ElfMissingSymbol || c == ErrorCode::KfuncNotFound ||
              c == ErrorCode::ProgramTypeNotFound) << s.error().to_string();
}

TEST(HostExtErrors, DuplicateHelperIdIsRejected) {
  auto o = BpfObject::open(test::obj("api/progs/host_ext.bpf.o"));
  ASSERT_TRUE(o);
  FunctionSpec dup{.name = "dup", .id = 1, .fn = host_add};  // 1 is bpf_map_lookup_elem
  auto s = o->add_helper(dup);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
}

uint64_t host_wide(uint64_t a, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t f, uint64_t, uint64_t, uint64_t,
                   uint64_t, uint64_t, uint64_t) {
  return a + f;
}

// More than five arguments (stackargs): fn_wide with 1..7 stack arguments is
// registered; both or neither of fn and fn_wide, or a count outside 1..7, is not.
TEST(HostExtErrors, WideFunctionSpecs) {
  auto o = BpfObject::open(test::obj("api/progs/host_ext.bpf.o"));
  ASSERT_TRUE(o);
  FunctionSpec ok{.name = "wide_ok", .id = 0, .fn_wide = host_wide, .stack_args = 7};
  EXPECT_TRUE(o->add_kfunc(ok));
  const FunctionSpec bad[] = {
      {.name = "wide_both", .id = 0, .fn = host_add, .fn_wide = host_wide, .stack_args = 1},
      {.name = "wide_none", .id = 0, .stack_args = 1},
      {.name = "wide_zero", .id = 0, .fn_wide = host_wide, .stack_args = 0},
      {.name = "wide_eight", .id = 0, .fn_wide = host_wide, .stack_args = 8},
      {.name = "narrow_with_count", .id = 0, .fn = host_add, .stack_args = 2},
  };
  for (const FunctionSpec& spec : bad) {
    auto s = o->add_kfunc(spec);
    ASSERT_FALSE(s) << spec.name;
    EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument) << spec.name;
  }
}

}  // namespace
}  // namespace decade
