// SPDX-License-Identifier: Apache-2.0
// bpf_timer in the verifier, with the kernel's rules: the timer argument is
// exactly the struct bpf_timer field of a map value, bpf_timer_init's map
// is the map holding it, the callback is verified with (map, key, value)
// and must return 0, loads and stores never touch the field, and tracing
// programs cannot use timers. The kernel's verdicts on the same shapes in C
// are checked by tests/api/timer_test.cpp against the running kernel.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "verifier_test_util.hpp"

namespace decade::test {
namespace {

using E = ErrorCode;

// Maps of the cases (map_idx(N)): values of 24 bytes, { u64 count; struct
// bpf_timer t; } where a timer exists (offset 8).
class TimerEnv {
 public:
  TimerEnv() : platform_(Platform::standard()) {
    add("tarr", MapType::Array, 8);       // 0
    add("thash", MapType::Hash, 8);       // 1
    add("plain", MapType::Array, -1);     // 2: no timer
    add("tarr2", MapType::Array, 8);      // 3: another map with a timer
  }

  Result<VerifyResult> verify(const std::string& text, const std::string& type) {
    VerifierEnv asm_env;
    auto p = asm_env.assemble_program(text);
    if (!p) return std::unexpected(p.error());
    prog_ = std::move(*p);
    VerifyInput in;
    in.program = &prog_;
    in.platform = &platform_;
    in.type = platform_.program_type(type);
    for (const auto& m : defs_) in.maps.push_back(m.get());
    return decade::verify(in, {});
  }

 private:
  void add(const char* name, MapType t, int32_t timer_off) {
    auto m = std::make_shared<MapDef>();
    m->name = name;
    m->type = t;
    m->key_size = 4;
    m->value_size = 24;
    m->max_entries = 4;
    m->timer_off = timer_off;
    defs_.push_back(m);
  }

  Platform platform_;
  std::vector<std::shared_ptr<MapDef>> defs_;
  Program prog_;
};

struct TimerCase {
  const char* name;
  const char* type;
  const char* text;
  ErrorCode code;
  int64_t insn = -1;
};

// r6 = the value of key 0 of map N (insns 0-8; 9 with the NULL check's exit below).
#define VALUE_OF(N) \
  "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(" #N ") ll\ncall 1\nif r0 == 0 goto out\nr6 = r0\n"
#define INIT(N, CLOCK) "r1 = r6\nr1 += 8\nr2 = map_idx(" #N ") ll\nr3 = " #CLOCK "\ncall 169\n"  // 5 insns (6 slots)
#define SET_CB "r1 = r6\nr1 += 8\nr2 = func(cb) ll\ncall 170\n"                             // 4 insns (5 slots)
#define START "r1 = r6\nr1 += 8\nr2 = 1000\nr3 = 0\ncall 171\n"
#define CANCEL "r1 = r6\nr1 += 8\ncall 172\n"
#define OUT "out: r0 = 0\nexit\n"
// The callback adds 1 to the value's counter through r3.
#define CB "cb: r1 = *(u64 *)(r3 + 0)\nr1 += 1\n*(u64 *)(r3 + 0) = r1\nr0 = 0\nexit\n"

const TimerCase kTimers[] = {
    {"init_set_start_cancel", "xdp", VALUE_OF(0) INIT(0, 1) SET_CB START CANCEL OUT CB, E::Ok},
    {"hash_value", "sched_cls", VALUE_OF(1) INIT(1, 7) SET_CB START OUT CB, E::Ok},
    // The callback reads its key (4 bytes) and may look the map up again.
    {"callback_uses_map_and_key", "xdp",
     VALUE_OF(0) INIT(0, 0) SET_CB OUT
     "cb: r2 = r2\nr1 = r1\ncall 1\nif r0 == 0 goto done\nr1 = 5\n*(u64 *)(r0 + 0) = r1\ndone: r0 = 0\nexit\n",
     E::Ok},
    // Slots: VALUE_OF 0-8 (the ld_imm64 takes 4-5), INIT 9-14, SET_CB 15-19.
    {"callback_returns_1", "xdp", VALUE_OF(0) INIT(0, 1) SET_CB OUT "cb: r0 = 1\nexit\n", E::VerifierBadCallback, 23},
    {"callback_writes_key", "xdp", VALUE_OF(0) INIT(0, 1) SET_CB OUT "cb: r1 = 0\n*(u32 *)(r2 + 0) = r1\nr0 = 0\nexit\n",
     E::VerifierReadOnly, 23},
    {"callback_value_out_of_bounds", "xdp", VALUE_OF(0) INIT(0, 1) SET_CB OUT "cb: r1 = *(u64 *)(r3 + 24)\nr0 = 0\nexit\n",
     E::VerifierOutOfBounds, 22},
    {"callback_r4_unset", "xdp", VALUE_OF(0) INIT(0, 1) SET_CB OUT "cb: r0 = r4\nexit\n", E::VerifierUninitRegister, 22},
    {"timer_not_at_field", "xdp", VALUE_OF(0) "r1 = r6\nr2 = map_idx(0) ll\nr3 = 1\ncall 169\n" OUT,
     E::VerifierBadHelperArg, 13},
    {"timer_variable_offset", "xdp",
     VALUE_OF(0) "r1 = r6\nr2 = *(u64 *)(r6 + 0)\nr2 &= 8\nr1 += r2\nr2 = map_idx(0) ll\nr3 = 1\ncall 169\n" OUT,
     E::VerifierBadHelperArg, 16},
    {"map_without_timer", "xdp", VALUE_OF(2) INIT(2, 1) OUT, E::VerifierBadHelperArg, 14},
    {"timer_not_null_checked", "xdp",
     "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_idx(0) ll\ncall 1\nr6 = r0\n"
     "r1 = r6\nr2 = map_idx(0) ll\nr3 = 1\ncall 169\n" OUT,
     E::VerifierBadHelperArg, 12},
    {"timer_on_stack", "xdp", "r1 = r10\nr1 += -16\nr2 = map_idx(0) ll\nr3 = 1\ncall 169\n" OUT, E::VerifierBadHelperArg, 5},
    {"init_other_map", "xdp", VALUE_OF(0) INIT(3, 1) OUT, E::VerifierBadMap, 14},
    {"set_callback_not_function", "xdp", VALUE_OF(0) "r1 = r6\nr1 += 8\nr2 = 0\ncall 170\n" OUT, E::VerifierBadHelperArg, 12},
    {"load_timer_field", "xdp", VALUE_OF(0) "r1 = *(u64 *)(r6 + 8)\n" OUT, E::VerifierInvalidMemAccess, 9},
    {"store_timer_field", "xdp", VALUE_OF(0) "r1 = 0\n*(u64 *)(r6 + 16) = r1\n" OUT, E::VerifierInvalidMemAccess, 10},
    {"load_counter_beside_timer", "xdp", VALUE_OF(0) "r1 = *(u64 *)(r6 + 0)\n" OUT, E::Ok},
    // A helper writing over the field is a store too.
    {"helper_writes_timer", "xdp", VALUE_OF(0) "r1 = r6\nr2 = 16\ncall 16\n" OUT, E::VerifierInvalidMemAccess, 11},
    {"tracing_program", "kprobe", VALUE_OF(0) INIT(0, 1) OUT, E::VerifierBadMap, 14},
    // Calls need no lock held; the kernel refuses every helper but the unlock under bpf_spin_lock.
    {"callback_calls_cancel_of_its_timer", "xdp", VALUE_OF(0) INIT(0, 1) SET_CB OUT "cb: r1 = r3\nr1 += 8\ncall 172\nr0 = 0\nexit\n",
     E::Ok},
};

class Timers : public ::testing::TestWithParam<TimerCase> {};

TEST_P(Timers, Verdict) {
  const TimerCase& c = GetParam();
  TimerEnv env;
  auto r = env.verify(c.text, c.type);
  if (c.code == E::Ok) {
    EXPECT_TRUE(r.has_value()) << r.error().to_string();
    return;
  }
  ASSERT_FALSE(r.has_value()) << "accepted, expected " << error_code_name(c.code);
  EXPECT_EQ(r.error().code, c.code) << r.error().to_string();
  EXPECT_EQ(r.error().insn, c.insn) << r.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(Verifier, Timers, ::testing::ValuesIn(kTimers),
                         [](const ::testing::TestParamInfo<TimerCase>& i) { return std::string(i.param.name); });

// The kernel's words where Decade prints them.
TEST(Timers, KernelPhrases) {
  TimerEnv env;
  auto phrase = [&](const char* text, const char* type = "xdp") {
    auto r = env.verify(text, type);
    return r ? std::string("accepted") : r.error().kernel;
  };
  EXPECT_EQ(phrase(VALUE_OF(0) "r1 = *(u64 *)(r6 + 8)\n" OUT), "bpf_timer cannot be accessed directly by load/store");
  EXPECT_EQ(phrase(VALUE_OF(0) "r1 = r6\nr2 = map_idx(0) ll\nr3 = 1\ncall 169\n" OUT),
            "off 0 doesn't point to 'struct bpf_timer' that is at 8");
  EXPECT_EQ(phrase(VALUE_OF(2) INIT(2, 1) OUT), "map 'plain' has no valid bpf_timer");
  EXPECT_EQ(phrase(VALUE_OF(0) INIT(0, 1) SET_CB OUT "cb: r0 = 1\nexit\n"),
            "At async callback return the register R0 has smin=1 smax=1 should have been in [0, 0]");
  EXPECT_EQ(phrase(VALUE_OF(0) INIT(3, 1) OUT), "timer pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0");
  EXPECT_EQ(phrase(VALUE_OF(0) INIT(0, 1) OUT, "kprobe"), "tracing progs cannot use bpf_timer yet");
}

}  // namespace
}  // namespace decade::test
