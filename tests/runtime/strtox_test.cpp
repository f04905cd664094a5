// SPDX-License-Identifier: Apache-2.0
// bpf_strtol and bpf_strtoul (runtime/helpers/sock_helpers.cpp): the bytes
// consumed and the value, with the kernel's bases, signs and errors.
#include "runtime/helpers/helpers.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

struct StrCase {
  const char* text;
  uint64_t flags;
  long strtol_rc;   // bytes consumed or -errno
  int64_t strtol_value;
  long strtoul_rc;
  uint64_t strtoul_value;
};

const StrCase kCases[] = {
    {"42", 0, 2, 42, 2, 42},
    {"  -17x", 0, 5, -17, -EINVAL, 0},  // strtoul refuses a sign
    {"0x1f", 0, 4, 31, 4, 31},
    {"0x1f", 16, 4, 31, 4, 31},
    {"1f", 16, 2, 31, 2, 31},
    {"017", 0, 3, 15, 3, 15},
    {"019", 0, 2, 1, 2, 1},             // base 8 stops at 9
    {"0x", 0, 1, 0, 1, 0},              // "0" in base 8: the x is not a hex prefix without a digit
    {"abc", 10, -EINVAL, 0, -EINVAL, 0},
    {"   ", 0, -EINVAL, 0, -EINVAL, 0},
    {"12", 3, -EINVAL, 0, -EINVAL, 0},  // base 3
    {"12", 0x20, -EINVAL, 0, -EINVAL, 0},
    {"9223372036854775808", 10, -ERANGE, 0, 19, 9223372036854775808ull},
    {"-9223372036854775808", 10, 20, INT64_MIN, -EINVAL, 0},
    {"18446744073709551616", 10, -ERANGE, 0, -ERANGE, 0},
};

// *res is 0 after a failed call (the kernel zeroes it first): the verifier
// counts it as written whatever the call returns.
TEST(Strtox, KernelResults) {
  for (const StrCase& c : kCases) {
    const uint64_t len = std::strlen(c.text);
    uint64_t v = 0xdead;
    EXPECT_EQ(as_long(call(kHelperStrtol, u(c.text), len, c.flags, u(&v))), c.strtol_rc) << c.text;
    EXPECT_EQ(static_cast<int64_t>(v), c.strtol_rc >= 0 ? c.strtol_value : 0) << c.text;
    v = 0xdead;
    EXPECT_EQ(as_long(call(kHelperStrtoul, u(c.text), len, c.flags, u(&v))), c.strtoul_rc) << c.text;
    EXPECT_EQ(v, c.strtoul_rc >= 0 ? c.strtoul_value : 0) << c.text;
  }
}

// Only the first buf_len bytes count, at most 63 of them after the sign.
TEST(Strtox, LengthBoundsTheDigits) {
  uint64_t v = 0;
  EXPECT_EQ(as_long(call(kHelperStrtoul, u("12345"), 3, 0, u(&v))), 3);
  EXPECT_EQ(v, 123u);
  std::string zeros(70, '0');
  zeros += "5";
  EXPECT_EQ(as_long(call(kHelperStrtoul, u(zeros.c_str()), zeros.size(), 10, u(&v))), 63);
  EXPECT_EQ(v, 0u);
}

}  // namespace
}  // namespace decade::test
