// SPDX-License-Identifier: Apache-2.0
// Table-driven verifier cases: assembly text, program type, and the expected
// outcome (Ok = accepted, or the rejection code and instruction index).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "verifier_test_util.hpp"

namespace decade::test {

struct Case {
  const char* name;
  const char* type;  // program type
  const char* text;  // LLVM-syntax assembly
  ErrorCode code;    // ErrorCode::Ok when the program must be accepted
  int64_t insn = -1; // the instruction the rejection names
};

inline std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

inline void run_case(const Case& c) {
  VerifierEnv env;
  auto p = env.assemble_program(c.text);
  ASSERT_TRUE(p.has_value()) << c.name << ": " << p.error().to_string();
  auto r = env.verify_program(*p, c.type);
  if (c.code == ErrorCode::Ok) {
    EXPECT_TRUE(r.has_value()) << c.name << ": " << r.error().to_string();
    return;
  }
  ASSERT_FALSE(r.has_value()) << c.name << ": accepted, expected " << error_code_name(c.code);
  EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().to_string();
  EXPECT_EQ(r.error().insn, c.insn) << c.name << ": " << r.error().to_string();
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
