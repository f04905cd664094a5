// SPDX-License-Identifier: Apache-2.0
// stackargs in the engines (docs/isa-extensions.md, docs/jit.md): the
// checked interpreter, the checked JIT, the verified interpreter and the
// verified JIT (plain and with constant blinding) give the same results for
// calls with up to 12 arguments, nested calls, and calls inside a bpf_loop
// callback, whose frames sit below the helper's caller.
#include <gtest/gtest.h>

#include "jit_test_util.hpp"

namespace decade::jit::test {
namespace {

// f(1..12) weighs each argument; the result shows a swapped or lost slot.
const char* kTwelve =
    "r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = 5\n"
    "*(u64 *)(r11 - 8) = 6\n*(u64 *)(r11 - 16) = 7\n*(u64 *)(r11 - 24) = 8\n*(u64 *)(r11 - 32) = 9\n"
    "*(u64 *)(r11 - 40) = 10\n*(u64 *)(r11 - 48) = 11\nr6 = 0x100000000 ll\n*(u64 *)(r11 - 56) = r6\ncall f\nexit\n"
    "f: r0 = r1\nr0 += r5\nr6 = *(u64 *)(r11 + 8)\nr6 *= 10\nr0 += r6\nr6 = *(u64 *)(r11 + 16)\nr6 *= 100\nr0 += r6\n"
    "r6 = *(u64 *)(r11 + 24)\nr6 *= 1000\nr0 += r6\nr6 = *(u64 *)(r11 + 32)\nr6 *= 10000\nr0 += r6\n"
    "r6 = *(u64 *)(r11 + 40)\nr6 *= 100000\nr0 += r6\nr6 = *(u64 *)(r11 + 48)\nr6 *= 1000000\nr0 += r6\n"
    "r6 = *(u64 *)(r11 + 56)\nr0 += r6\nexit\n";
constexpr uint64_t kTwelveResult = 1 + 5 + 60 + 700 + 8000 + 90000 + 1000000 + 11000000 + 0x100000000ull;

// Three levels: f reads its own argument again after calling g.
const char* kNested =
    "r6 = 100\n*(u64 *)(r11 - 8) = 3\n*(u64 *)(r11 - 16) = 4\ncall f\nr0 += r6\nexit\n"
    "f: r7 = *(u64 *)(r11 + 8)\nr7 *= 10\n*(u64 *)(r11 - 8) = r7\ncall g\nr1 = *(u64 *)(r11 + 16)\nr0 += r1\n"
    "r1 = *(u64 *)(r11 + 8)\nr0 += r1\nexit\n"
    "g: r0 = *(u64 *)(r11 + 8)\nr0 *= 1000\nexit\n";

// bpf_loop runs cb 3 times; cb calls h with 6 arguments, h adds its sixth
// (the loop index times 7) to the counter cb passes by pointer.
const char* kCallback =
    "r6 = 0\n*(u64 *)(r10 - 8) = r6\nr1 = 3\nr2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\n"
    "r0 = *(u64 *)(r10 - 8)\nexit\n"
    "cb: r6 = r1\nr6 *= 7\n*(u64 *)(r11 - 8) = r6\nr1 = r2\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall h\nr0 = 0\nexit\n"
    "h: r2 = *(u64 *)(r11 + 8)\nr3 = *(u64 *)(r1 + 0)\nr3 += r2\n*(u64 *)(r1 + 0) = r3\nr0 = 0\nexit\n";

void expect_all_engines(const char* text, uint64_t want) {
  const Program p = assembled(text);
  auto vr = verify_raw(p);
  ASSERT_TRUE(vr.has_value()) << vr.error().to_string();
  auto checked_interp = interp::compile_checked(p, env_of());
  auto checked_jit = compile_checked(p, env_of());
  auto interp = interp::compile(vr->program, env_of());
  auto jit = compile(vr->program, env_of());
  JitOptions blind;
  blind.blind_constants = true;
  auto jit_blind = compile(vr->program, env_of(), blind);
  ASSERT_TRUE(checked_interp && checked_jit && interp && jit && jit_blind);
  for (const auto* exe : {&*checked_interp, &*checked_jit, &*interp, &*jit, &*jit_blind}) {
    auto r = (*exe)->run(request_for(nullptr));
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(*r, want);
  }
}

TEST(StackArgs, TwelveArgumentsInEveryEngine) { expect_all_engines(kTwelve, kTwelveResult); }
TEST(StackArgs, NestedCallsKeepTheirOwnSlots) { expect_all_engines(kNested, 30107); }
TEST(StackArgs, CallsInsideACallback) { expect_all_engines(kCallback, 7 * (0 + 1 + 2)); }

// A host kfunc of 12 arguments, the last seven numbers in the stack slots.
uint64_t weigh12(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7,
                 uint64_t a8, uint64_t a9, uint64_t a10, uint64_t a11, uint64_t a12) {
  return a1 + 2 * a2 + 3 * a3 + 4 * a4 + 5 * a5 + 6 * a6 + 7 * a7 + 8 * a8 + 9 * a9 + 10 * a10 + 11 * a11 +
         12 * a12;
}

FuncProto wide_proto() {
  FuncProto p = make_wide_proto("test_weigh12", weigh12, kMaxStackArgs);
  p.args = {ArgKind::Scalar, ArgKind::Scalar, ArgKind::Scalar, ArgKind::Scalar, ArgKind::Scalar};
  return p;
}

// Arguments 1..12 = 1..12: the weighted sum is 650 (a slot out of place changes it).
#define WIDE_ARGS                                                                                            \
  "r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = 5\n*(u64 *)(r11 - 8) = 6\n*(u64 *)(r11 - 16) = 7\n"               \
  "*(u64 *)(r11 - 24) = 8\n*(u64 *)(r11 - 32) = 9\n*(u64 *)(r11 - 40) = 10\n*(u64 *)(r11 - 48) = 11\n"
const char* kWideKfunc = WIDE_ARGS "r6 = 12\n*(u64 *)(r11 - 56) = r6\ncall_kfunc 0, 0\nexit\n";
// The same from a static function (its own slot level), with r6-r9 live across.
const char* kWideFromCallee = "r6 = 5\ncall f\nr0 += r6\nexit\nf: " WIDE_ARGS
                              "r6 = 12\n*(u64 *)(r11 - 56) = r6\ncall_kfunc 0, 0\nexit\n";

Result<VerifyResult> verify_with(const Program& p, const FuncProto& proto) {
  VerifyInput in;
  in.program = &p;
  in.platform = &standard_platform();
  in.type = standard_platform().program_type("raw");
  in.kfuncs = {&proto};
  return verify(in);
}

void expect_wide(const char* text, uint64_t want) {
  static const FuncProto proto = wide_proto();
  const Program p = assembled(text);
  auto vr = verify_with(p, proto);
  ASSERT_TRUE(vr.has_value()) << vr.error().to_string();
  ProgramEnv env = env_of();
  env.kfuncs = {&proto};
  auto checked_interp = interp::compile_checked(p, env);
  auto checked_jit = compile_checked(p, env);
  auto interp = interp::compile(vr->program, env);
  auto jit = compile(vr->program, env);
  ASSERT_TRUE(checked_interp && checked_jit && interp && jit);
  for (const auto* exe : {&*checked_interp, &*checked_jit, &*interp, &*jit}) {
    auto r = (*exe)->run(request_for(nullptr));
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(*r, want);
  }
}

TEST(StackArgs, HostFunctionOfTwelveArguments) { expect_wide(kWideKfunc, 650); }
TEST(StackArgs, HostFunctionCalledFromAStaticFunction) { expect_wide(kWideFromCallee, 655); }

TEST(StackArgs, HostFunctionArgumentsAreVerified) {
  static const FuncProto proto = wide_proto();
  struct Reject {
    const char* text;
    ErrorCode code;
    int64_t insn;
  } cases[] = {
      // Argument 12 not stored.
      {WIDE_ARGS "call_kfunc 0, 0\nexit\n", ErrorCode::VerifierStackArg, 11},
      // Argument 12 is a pointer where the function takes a number.
      {WIDE_ARGS "*(u64 *)(r11 - 56) = r10\ncall_kfunc 0, 0\nexit\n", ErrorCode::VerifierPointerLeak, 12},
  };
  for (const Reject& c : cases) {
    const Program p = assembled(c.text);
    auto vr = verify_with(p, proto);
    ASSERT_FALSE(vr.has_value()) << c.text;
    EXPECT_EQ(vr.error().code, c.code) << vr.error().to_string();
    EXPECT_EQ(vr.error().insn, c.insn) << vr.error().to_string();
  }
}

}  // namespace
}  // namespace decade::jit::test
