// SPDX-License-Identifier: Apache-2.0
// Table-driven verifier cases: assembly text, program type, and the expected
// outcome (Ok = accepted, or the rejection code and instruction index).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "verifier_test_util.hpp"

namespace decade::test {

// Packet prologues the tables share. SKB_PKT: data, data_end of an
// __sk_buff in r2, r3; r4 = data + 14; `out:` when shorter. META: r2 =
// data_meta, r3 = data of an xdp_md.
#define SKB_PKT "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\n"
#define META "r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 0)\n"

struct Case {
  const char* name;
  const char* type;  // program type
  const char* text;  // LLVM-syntax assembly
  ErrorCode code;    // ErrorCode::Ok when the program must be accepted
  int64_t insn = -1; // the instruction the rejection names
};

inline std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

// Assembles `text`, verifies it as `type` with `opts` and checks the
// outcome: accepted for ErrorCode::Ok, else rejected with `code` at `insn`.
inline void run_case_with(const char* name, const char* type, const char* text, const VerifyOptions& opts,
                          ErrorCode code, int64_t insn) {
  VerifierEnv env;
  auto p = env.assemble_program(text);
  ASSERT_TRUE(p.has_value()) << name << ": " << p.error().to_string();
  auto r = env.verify_program(*p, type, opts);
  if (code == ErrorCode::Ok) {
    EXPECT_TRUE(r.has_value()) << name << ": " << r.error().to_string();
    return;
  }
  ASSERT_FALSE(r.has_value()) << name << ": accepted, expected " << error_code_name(code);
  EXPECT_EQ(r.error().code, code) << name << ": " << r.error().to_string();
  EXPECT_EQ(r.error().insn, insn) << name << ": " << r.error().to_string();
}

inline void run_case(const Case& c) { run_case_with(c.name, c.type, c.text, {}, c.code, c.insn); }

// The stack tables' cases: a stack size (0: the default) and the divided
// stack, verified as xdp.
inline void run_stack_case(const char* name, const char* text, uint32_t max_stack, bool divided, ErrorCode code,
                           int64_t insn) {
  VerifyOptions o;
  if (max_stack) o.max_stack = max_stack;
  o.divided_stack = divided;
  run_case_with(name, "xdp", text, o, code, insn);
}

inline std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

// Every table registers itself here so the kernel-agreement test sees them all.
inline std::vector<Case>& case_registry() {
  static std::vector<Case> cases;
  return cases;
}
template <size_t N>
bool register_cases(const Case (&cases)[N]) {
  for (const Case& c : cases) case_registry().push_back(c);
  return true;
}

}  // namespace decade::test
