// SPDX-License-Identifier: Apache-2.0
// The kernel's words: every kind of rejection carries the Linux verifier's
// phrase for the same rule (Error::kernel), with the registers, types,
// offsets and sizes its log prints, and `-v` (log level 1) prints the log
// in the kernel's format. The phrases are what users search for, so here
// they are the data under test (codes and instructions are the case
// tables'). Unprivileged unless a case says otherwise.
#include <string>

#include "case_table.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

struct PhraseCase {
  const char* name;
  const char* type;
  const char* text;
  ErrorCode code;
  const char* phrase;  // a substring of Error::kernel
  bool privileged = false;
};

inline std::ostream& operator<<(std::ostream& os, const PhraseCase& c) { return os << c.name; }

// data, data_end of an xdp_md in r2, r3; r4 = data + 14.
#define PKT "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\n"
// Looks up key 0 in map N (r0 = value or NULL).
#define LOOKUP(N) "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(" #N ") ll\ncall 1\n"

const PhraseCase kPhrases[] = {
    // Registers and memory access.
    {"uninit_register", "xdp", "r0 = r2\nexit\n", E::VerifierUninitRegister, "R2 !read_ok"},
    {"scalar_deref", "xdp", "r1 = 0\nr0 = *(u64 *)(r1 + 0)\nexit\n", E::VerifierInvalidMemAccess, "R1 invalid mem access 'scalar'"},
    {"map_ptr_deref", "xdp", "r1 = map_idx(1) ll\nr0 = *(u64 *)(r1 + 0)\nexit\n", E::VerifierInvalidMemAccess,
     "R1 invalid mem access 'map_ptr'"},
    {"null_deref", "xdp", LOOKUP(1) "r0 = *(u64 *)(r0 + 0)\nexit\n", E::VerifierNullDeref,
     "R0 invalid mem access 'map_value_or_null'"},
    {"map_value_past_end", "xdp", LOOKUP(1) "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 64)\nout: r0 = 0\nexit\n",
     E::VerifierOutOfBounds, "invalid access to map value, value_size=64 off=64 size=8\nR0 min value is outside of the allowed memory range"},
    {"map_value_negative_index", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr1 = *(s8 *)(r0 + 0)\nif r1 s> 8 goto out\nr0 += r1\nr1 = *(u8 *)(r0 + 0)\nout: r0 = 0\nexit\n",
     E::VerifierOutOfBounds, "R0 min value is negative, either use unsigned index or do a if (index >=0) check."},
    {"map_value_unbounded", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr1 = *(u32 *)(r0 + 0)\nr0 += r1\nr1 = *(u8 *)(r0 + 0)\nout: r0 = 0\nexit\n",
     E::VerifierOutOfBounds, "R0 unbounded memory access, make sure to bounds check any such access"},
    {"map_value_max_outside", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr1 = *(u32 *)(r0 + 0)\nif r1 > 64 goto out\nr0 += r1\nr1 = *(u8 *)(r0 + 0)\nout: r0 = 0\nexit\n",
     E::VerifierOutOfBounds, "invalid access to map value, value_size=64 off=64 size=1\nR0 max value is outside of the allowed memory range"},
    {"packet_past_range", "xdp", PKT "if r4 > r3 goto out\nr0 = *(u8 *)(r2 + 14)\nout: r0 = 2\nexit\n", E::VerifierOutOfBounds,
     "invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)\nR2 offset is outside of the packet"},
    {"div_imm_zero", "xdp", "r0 = 1\nr0 /= 0\nexit\n", E::VerifierReject, "div by zero"},
    {"stack_ptr_sub", "xdp", "r1 = r10\nr1 -= 8\nr0 = 0\nexit\n", E::VerifierBadPointerArith,
     "R1 subtraction from stack pointer prohibited"},
    {"wronly_map_read", "xdp", LOOKUP(13) "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 0)\nout: r0 = 0\nexit\n",
     E::VerifierInvalidMemAccess, "read from map forbidden, value_size="},
    // A minimum past -2^29 is refused at the arithmetic, before any access.
    {"map_value_offset_insane", "xdp",
     LOOKUP(1) "if r0 == 0 goto out\nr1 = *(s32 *)(r0 + 0)\nif r1 s> 8 goto out\nr0 += r1\nr1 = *(u8 *)(r0 + 0)\nout: r0 = 0\nexit\n",
     E::VerifierBadPointerArith, "value -2147483648 makes map_value pointer be out of bounds"},
    {"ctx_outside_fields", "xdp", "r0 = *(u32 *)(r1 + 64)\nexit\n", E::VerifierBadCtxAccess, "invalid bpf_context access off=64 size=4"},
    {"ctx_modified", "xdp", "r1 += 4\nr0 = *(u32 *)(r1 + 0)\nexit\n", E::VerifierBadCtxAccess,
     "dereference of modified ctx ptr R1 off=4 disallowed"},
    {"stack_above_frame", "xdp", "r0 = *(u64 *)(r10 + 8)\nexit\n", E::VerifierOutOfBounds, "invalid read from stack R10 off=8 size=8"},
    {"stack_below_frame", "xdp", "*(u64 *)(r10 - 520) = 0\nr0 = 0\nexit\n", E::VerifierOutOfBounds,
     "invalid write to stack R10 off=-520 size=8"},
    {"stack_misaligned", "xdp", "r1 = r10\nr1 += -16\n*(u64 *)(r1 + 2) = 0\nr0 = 0\nexit\n", E::VerifierMisaligned,
     "misaligned stack access off 0+-16+2 size 8"},
    {"stack_misaligned_past_frame", "xdp", "r1 = r10\nr1 += -8\n*(u64 *)(r1 + 2) = 0\nr0 = 0\nexit\n", E::VerifierOutOfBounds,
     "misaligned stack access off 0+-8+2 size 8"},
    {"stack_uninit_read", "xdp", "r0 = *(u64 *)(r10 - 8)\nexit\n", E::VerifierUninitStack, "invalid read from stack off -8+0 size 8"},
    {"spill_fill_narrow", "xdp", "*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit\n", E::VerifierInvalidMemAccess,
     "invalid size of register fill"},
    {"frame_pointer_write", "xdp", "r10 = 0\nexit\n", E::VerifierReadOnly, "frame pointer is read only"},
    {"rodata_write", "xdp", "r1 = map_idx_value(3, 0) ll\n*(u32 *)(r1 + 0) = 1\nr0 = 0\nexit\n", E::VerifierReadOnly,
     "write into map forbidden, value_size=16 off=0 size=4"},
    // Pointer arithmetic.
    {"arith_on_map_ptr", "xdp", "r1 = map_idx(1) ll\nr1 += 8\nr0 = 0\nexit\n", E::VerifierBadPointerArith,
     "R1 pointer arithmetic on map_ptr prohibited"},
    {"arith_on_nullable", "xdp", LOOKUP(1) "r0 += 8\nr0 = 0\nexit\n", E::VerifierBadPointerArith,
     "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first"},
    {"pointer_plus_pointer", "xdp", "r2 = r10\nr2 += r10\nr0 = 0\nexit\n", E::VerifierBadPointerArith, "R2 pointer += pointer prohibited"},
    {"scalar_minus_pointer", "xdp", "r2 = 0\nr2 -= r10\nr0 = 0\nexit\n", E::VerifierBadPointerArith,
     "R2 tried to subtract pointer from scalar"},
    {"pointer_32bit_arith", "xdp", "r2 = r10\nw2 += 4\nr0 = 0\nexit\n", E::VerifierBadPointerArith,
     "R2 32-bit pointer arithmetic prohibited"},
    {"pointer_bitwise", "xdp", "r2 = r10\nr2 &= 4\nr0 = 0\nexit\n", E::VerifierBadPointerArith,
     "R2 bitwise operator &= on pointer prohibited"},
    {"pointer_multiply", "xdp", "r2 = r10\nr2 *= 4\nr0 = 0\nexit\n", E::VerifierBadPointerArith,
     "R2 pointer arithmetic with *= operator prohibited"},
    {"pointer_unbounded_offset", "xdp", LOOKUP(1) "if r0 == 0 goto out\nr2 = *(u64 *)(r0 + 0)\nr3 = r10\nr3 += r2\nout: r0 = 0\nexit\n",
     E::VerifierBadPointerArith, "math between fp pointer and register with unbounded min value is not allowed"},
    {"pointer_partial_copy", "xdp", "w2 = w10\nr0 = 0\nexit\n", E::VerifierPointerLeak, "R10 partial copy of pointer"},
    {"pointer_comparison", "xdp", "r2 = r10\nif r2 > 5 goto l\nl: r0 = 0\nexit\n", E::VerifierPointerLeak,
     "R2 pointer comparison prohibited"},
    // Calls.
    {"unknown_helper", "xdp", "call 9999\nr0 = 0\nexit\n", E::VerifierUnknownFunc, "invalid func unknown#9999"},
    {"helper_arg_type", "xdp", "r1 = 0\nr2 = 0\ncall 1\nr0 = 0\nexit\n", E::VerifierBadHelperArg, "R1 type=scalar expected=map_ptr"},
    {"helper_key_type", "xdp", "r1 = map_idx(0) ll\nr2 = 0\ncall 1\nr0 = 0\nexit\n", E::VerifierBadHelperArg,
     "R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value"},
    {"helper_moved_ctx", "xdp", "r1 += -8\nr2 = 0\ncall 44\nr0 = 0\nexit\n", E::VerifierBadHelperArg,
     "negative offset ctx ptr R1 off=-8 disallowed"},
    {"helper_pointer_as_number", "xdp", "r2 = r10\ncall 44\nr0 = 0\nexit\n", E::VerifierPointerLeak,
     "R2 leaks addr into helper function"},
    {"ringbuf_leak", "xdp", "r1 = map_idx(2) ll\nr2 = 8\nr3 = 0\ncall 131\nr0 = 0\nexit\n", E::VerifierRefLeak,
     "Unreleased reference id="},
    // Control flow and exits.
    {"unreachable", "xdp", "r0 = 0\nexit\nr0 = 1\nexit\n", E::VerifierUnreachable, "unreachable insn 2"},
    {"infinite_loop", "xdp", "r0 = 0\nl: if r0 == 0 goto l\nexit\n", E::VerifierInfiniteLoop, "infinite loop detected at insn 1"},
    {"return_out_of_range", "xdp_ret", "r0 = 7\nexit\n", E::VerifierBadReturn,
     "At program exit the register R0 has smin=7 smax=7 should have been in [0, 4]"},
    {"return_unknown", "xdp_ret", LOOKUP(1) "if r0 == 0 goto out\nr0 = *(u64 *)(r0 + 0)\nexit\nout: r0 = 0\nexit\n", E::VerifierBadReturn,
     "At program exit the register R0 has unknown scalar value should have been in [0, 4]"},
    {"return_pointer", "xdp_ret", "r0 = r10\nexit\n", E::VerifierPointerLeak, "At program exit the register R0 is not a known value (fp)"},
};

TEST(KernelPhrase, EveryRejectionCarriesTheKernelsWords) {
  for (const PhraseCase& c : kPhrases) {
    VerifierEnv env;
    if (c.privileged) env.grant(kGrantPrivileged);
    auto p = env.assemble_program(c.text);
    ASSERT_TRUE(p.has_value()) << c.name << ": " << p.error().to_string();
    auto r = env.verify_program(*p, c.type);
    ASSERT_FALSE(r.has_value()) << c.name << ": accepted";
    EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().to_string();
    EXPECT_FALSE(r.error().kernel.empty()) << c.name << ": no kernel phrase: " << r.error().to_string();
    EXPECT_NE(r.error().kernel.find(c.phrase), std::string::npos)
        << c.name << ": kernel phrase '" << r.error().kernel << "' lacks '" << c.phrase << "'";
  }
}

// The log of a rejected program (log level 1, `decade verify -v`):
// instructions in the kernel's syntax with helper names, the other side of a
// branch as "from X to Y:" with its registers, and at the end the rule's
// phrase and the kernel's statistics line.
TEST(KernelPhrase, LogHasTheKernelsFormat) {
  VerifierEnv env;
  VerifyOptions opts;
  opts.log_level = 1;
  auto r = env.verify_text("r6 = *(u32 *)(r1 + 12)\n" LOOKUP(1) "if r6 > 3 goto out\nr0 = *(u64 *)(r0 + 0)\nout: r0 = 0\nexit\n",
                           "xdp", opts);
  ASSERT_FALSE(r.has_value());
  const std::string& log = r.error().message;
  EXPECT_NE(log.find("\n0: R1=ctx() R10=fp0\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\n2: (63) *(u32 *)(r10 -4) = r1\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\n5: (18) r1 = map[idx:1]\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\n7: (85) call bpf_map_lookup_elem#1\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\n8: (25) if r6 > 0x3 goto pc+1\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\n9: (79) r0 = *(u64 *)(r0 +0)\nR0 invalid mem access 'map_value_or_null'\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\nprocessed 9 insns (limit 1000000) max_states_per_insn "), std::string::npos) << log;
  EXPECT_NE(log.find(" mark_read 0\n"), std::string::npos) << log;

  // Accepted: every path, "from X to Y:" where a pending branch resumes,
  // and the statistics line last.
  auto ok = env.verify_text("r6 = *(u32 *)(r1 + 12)\nr0 = 0\nif r6 > 3 goto out\nr0 = 1\nout: exit\n", "xdp", opts);
  ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
  EXPECT_NE(ok->log.find("\nfrom 2 to 4: R0=0 R1=ctx() R6=scalar("), std::string::npos) << ok->log;
  EXPECT_NE(ok->log.find(" R10=fp0\n4: safe\n"), std::string::npos) << ok->log;
  EXPECT_TRUE(ok->log.ends_with(" mark_read 0\n")) << ok->log;
  EXPECT_NE(ok->log.find("processed 6 insns (limit 1000000) max_states_per_insn 1 total_states "), std::string::npos) << ok->log;
}

}  // namespace
}  // namespace decade::test
