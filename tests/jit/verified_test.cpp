// SPDX-License-Identifier: Apache-2.0
// The verified path: jit::compile of a VerifiedProgram gives the same
// results as checked mode, and leaves out the checks the proof covers.
#include <gtest/gtest.h>

#include <algorithm>

#include "jit_test_util.hpp"
#include "runtime/map.hpp"
#include "verifier/verifier.hpp"

namespace decade::jit::test {
namespace {

std::shared_ptr<const VerifiedProgram> verified(const Program& p) {
  auto r = verify_raw(p);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
  return r ? r->program : nullptr;
}

const char* kPrograms[] = {
    "mov %r0, 0\nmov %r2, 10\nstdw [%r10-8], 3\nl:\nldxdw %r3, [%r10-8]\nadd %r0, %r3\nsub %r2, 1\njne %r2, 0, l\nexit",
    "mov %r6, 7\nmov %r7, 3\ndiv %r6, %r7\nmod %r7, 2\nmov %r0, %r6\nlsh %r0, 8\nor %r0, %r7\nexit",
    "call 5\nmov %r6, %r0\ncall 8\nmov %r0, 11\nexit",
    "mov %r1, 2\ncall local f\nadd %r0, 1\nexit\nf:\nstdw [%r10-16], 40\nldxdw %r0, [%r10-16]\nadd %r0, %r1\nexit",
};

TEST(JitVerified, SameResultsAsChecked) {
  for (const char* text : kPrograms) {
    const Program p = assembled(text);
    auto vp = verified(p);
    ASSERT_TRUE(vp) << text;
    auto fast = compile(vp, env_of());
    ASSERT_TRUE(fast.has_value()) << fast.error().to_string();
    auto slow = compile_checked(p, env_of());
    ASSERT_TRUE(slow.has_value());
    auto a = (*fast)->run(request_for(nullptr)), b = (*slow)->run(request_for(nullptr));
    ASSERT_TRUE(a.has_value()) << text << ": " << a.error().to_string();
    ASSERT_TRUE(b.has_value()) << text << ": " << b.error().to_string();
    EXPECT_EQ(*a, *b) << text;
  }
}

// A proven stack access through a register and a divide by a proven
// non-zero register compile to less code than their checked forms.
TEST(JitVerified, ProvenChecksAreLeftOut) {
  const Program p = assembled("mov %r2, %r10\nadd %r2, -8\nstdw [%r2+0], 1\nmov %r3, 5\nmov %r0, 9\ndiv %r0, %r3\nexit");
  auto vp = verified(p);
  ASSERT_TRUE(vp);
  auto fast = compile(vp, env_of());
  auto slow = compile_checked(p, env_of());
  ASSERT_TRUE(fast.has_value() && slow.has_value());
  const auto fi = inspect(**fast), si = inspect(**slow);
  auto size_of = [](const CodeInfo& ci, int32_t slot) {
    for (size_t i = 0; i + 1 < ci.pc_map.size(); ++i)
      if (ci.pc_map[i].slot == slot) return ci.pc_map[i + 1].offset - ci.pc_map[i].offset;
    return 0u;
  };
  if (vp->facts()[2].mem_access_safe) {
    EXPECT_LT(size_of(*fi, 2), size_of(*si, 2));
  }
  if (vp->facts()[5].div_nonzero) {
    EXPECT_LT(size_of(*fi, 5), size_of(*si, 5));
    for (size_t i = 0; i + 1 < fi->pc_map.size(); ++i) {
      if (fi->pc_map[i].slot != 5) continue;
      const auto code = fi->code.subspan(fi->pc_map[i].offset, fi->pc_map[i + 1].offset - fi->pc_map[i].offset);
      const uint8_t call_r11[] = {0x41, 0xff, 0xd3};
      EXPECT_EQ(std::search(code.begin(), code.end(), std::begin(call_r11), std::end(call_r11)), code.end())
          << "the lookup still calls the helper";
    }
  }
  std::printf("verifier facts: store safe=%d, divisor non-zero=%d\n", vp->facts()[2].mem_access_safe,
              vp->facts()[5].div_nonzero);
  EXPECT_LE(fi->code.size(), si->code.size());
}

}  // namespace
}  // namespace decade::jit::test

namespace decade::jit::test {
namespace {

// bpf_map_lookup_elem on an array map is inlined in verified code: same
// results as the helper, in range and out of range, and no call emitted.
TEST(JitVerified, ArrayLookupIsInlined) {
  MapDef d;
  d.name = "arr";
  d.type = MapType::Array;
  d.key_size = 4;
  d.value_size = 12;  // stride 16
  d.max_entries = 3;
  auto m = create_map(d);
  ASSERT_TRUE(m.has_value());
  for (uint32_t k = 0; k < 3; ++k) {
    const uint64_t v[2] = {0x100 + k, 0};
    ASSERT_EQ((*m)->update(&k, v, 0), 0);
  }
  for (int32_t key : {0, 2, 3, -1}) {
    const std::string text = "stw [%r10-4], " + std::to_string(key) +
                             "\nlddw_map_idx %r1, 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\njeq %r0, 0, +2\n"
                             "ldxdw %r0, [%r0+0]\nexit\nmov %r0, 7\nexit";
    const Program p = assembled(text);
    VerifyInput in;
    in.program = &p;
    in.platform = &standard_platform();
    in.type = standard_platform().program_type("raw");
    in.maps = {&(*m)->def()};
    auto vr = verify(in);
    ASSERT_TRUE(vr.has_value()) << vr.error().to_string();
    auto fast = compile(vr->program, env_of({m->get()}));
    auto slow = compile_checked(p, env_of({m->get()}));
    ASSERT_TRUE(fast.has_value() && slow.has_value());
    auto a = (*fast)->run(request_for(nullptr)), b = (*slow)->run(request_for(nullptr));
    ASSERT_TRUE(a.has_value() && b.has_value());
    EXPECT_EQ(*a, *b) << "key " << key;
    EXPECT_EQ(*a, key >= 0 && key < 3 ? 0x100u + static_cast<uint32_t>(key) : 7u);
    // The call slot (5) of the verified code is shorter than a checked call.
    const auto fi = inspect(**fast), si = inspect(**slow);
    auto size_of = [](const CodeInfo& ci, int32_t slot) {
      for (size_t i = 0; i + 1 < ci.pc_map.size(); ++i)
        if (ci.pc_map[i].slot == slot) return ci.pc_map[i + 1].offset - ci.pc_map[i].offset;
      return 0u;
    };
    EXPECT_LT(size_of(*fi, 5), size_of(*si, 5));
    for (size_t i = 0; i + 1 < fi->pc_map.size(); ++i) {
      if (fi->pc_map[i].slot != 5) continue;
      const auto code = fi->code.subspan(fi->pc_map[i].offset, fi->pc_map[i + 1].offset - fi->pc_map[i].offset);
      const uint8_t call_r11[] = {0x41, 0xff, 0xd3};
      EXPECT_EQ(std::search(code.begin(), code.end(), std::begin(call_r11), std::end(call_r11)), code.end())
          << "the lookup still calls the helper";
    }
  }
}

}  // namespace
}  // namespace decade::jit::test
