// SPDX-License-Identifier: Apache-2.0
// bpf_throw and exception callbacks in C (tests/verifier/exceptions/*.bpf.c,
// compiled by clang-19): the kernel's refusals, each naming the source line
// marked /* REJECT */ through BTF line info, and what it accepts. Cases
// that need a return range verify under xdp_ret (xdp's context, r0 in
// 0..4), which no standard type has. The asm cases are cases_throw_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "loader/object.hpp"
#include "verifier/verifier.hpp"

namespace decade::test {
namespace {

struct CCase {
  const char* name;  // tests/verifier/exceptions/<name>.bpf.c, one program of that name
  const char* type;
  ErrorCode code;    // Ok when accepted
};

std::ostream& operator<<(std::ostream& os, const CCase& c) { return os << c.name; }

const CCase kCases[] = {
    {"throw_holding_lock", "xdp", ErrorCode::VerifierLock},
    {"throw_holding_record", "xdp", ErrorCode::VerifierRefLeak},
    {"throw_in_callback", "xdp", ErrorCode::VerifierException},
    {"throw_cookie_range", "xdp_ret", ErrorCode::VerifierBadReturn},
    {"exception_cb_static", "xdp", ErrorCode::VerifierException},
    {"exception_cb_missing", "xdp", ErrorCode::VerifierException},   // refused by the loader
    {"exception_cb_two_tags", "xdp", ErrorCode::VerifierException},  // refused by the loader
    {"exception_cb_two_args", "xdp", ErrorCode::VerifierException},
    {"exception_cb_called", "xdp", ErrorCode::VerifierException},
    {"exception_cb_throws", "xdp", ErrorCode::VerifierException},
    {"exception_cb_range", "xdp_ret", ErrorCode::VerifierBadReturn},
    {"exception_cb_join", "xdp_ret", ErrorCode::VerifierBadReturn},
    {"exception_cb_ok", "xdp_ret", ErrorCode::Ok},
    {"exception_cb_range", "xdp", ErrorCode::Ok},  // xdp has no return range
};

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

uint32_t reject_line(const std::string& src) {
  std::istringstream in(src);
  std::string l;
  for (uint32_t n = 1; std::getline(in, l); ++n)
    if (l.find("/* REJECT */") != std::string::npos) return n;
  return 0;
}

// The standard platform plus xdp_ret.
Platform platform_with_ranges() {
  Platform p = Platform::standard();
  ProgramType ret = *p.program_type("xdp");
  ret.name = "xdp_ret";
  ret.sec_prefixes.clear();
  ret.ret_min = 0;
  ret.ret_max = 4;
  (void)p.add_program_type(std::move(ret));
  return p;
}

class Exceptions : public ::testing::TestWithParam<CCase> {};

TEST_P(Exceptions, Case) {
  const CCase& c = GetParam();
  const std::string base = std::string("verifier/exceptions/") + c.name + ".bpf";
  const std::string bytes = read_file(std::string(DECADE_BINARY_DIR) + "/bpf/" + base + ".o");
  ASSERT_FALSE(bytes.empty()) << base;
  const Platform platform = platform_with_ranges();
  ObjectLoadOptions lo;
  lo.platform = &platform;
  auto o = load_object(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), lo);
  Status verdict = ok();
  if (!o) {
    verdict = std::unexpected(o.error());
  } else {
    ASSERT_EQ(o->programs.size(), 1u);
    const ObjectProgram& p = o->programs[0];
    VerifyInput in;
    in.program = &p.program;
    in.platform = &platform;
    in.type = platform.program_type(c.type);
    for (const MapDef& m : o->maps) in.maps.push_back(&m);
    for (const ObjectKfunc& k : o->kfuncs) in.kfuncs.push_back(k.proto);
    in.btf = o->btf.get();
    if (auto r = verify(in); !r) verdict = std::unexpected(r.error());
  }
  if (c.code == ErrorCode::Ok) {
    EXPECT_TRUE(verdict) << verdict.error().to_string();
    return;
  }
  ASSERT_FALSE(verdict) << c.name << ": accepted, expected " << error_code_name(c.code);
  EXPECT_EQ(verdict.error().code, c.code) << verdict.error().to_string();
  EXPECT_EQ(verdict.error().where.line, reject_line(read_file(std::string(DECADE_SOURCE_DIR) + "/tests/" + base + ".c")))
      << verdict.error().to_string();
}

std::string case_name(const ::testing::TestParamInfo<CCase>& info) {
  return std::string(info.param.name) + "_" + info.param.type;
}

INSTANTIATE_TEST_SUITE_P(Verifier, Exceptions, ::testing::ValuesIn(kCases), case_name);

}  // namespace
}  // namespace decade::test
