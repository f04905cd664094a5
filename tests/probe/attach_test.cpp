// SPDX-License-Identifier: Apache-2.0
// In-process probes (src/probe, BpfProgram::attach_uprobe): programs run at
// entry, at an offset and on return of functions of this binary, with
// relocated instructions behaving as before, and the refusals by code.
// Program-running cases run on every engine.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "decade/decade.h"
#include "probe/probe.hpp"
#include "targets.hpp"

namespace decade {
namespace {

using test::addr_of;
using test::u64_at;

long g_not_code = 0;

class ProbeEngines : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = test::load_probes(GetParam());
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
  }
  BpfProgram prog(const char* name) { return *obj_->program(name); }
  uint64_t hits(uint32_t cookie) { return u64_at(*obj_, "hits", cookie); }
  uint64_t last(uint32_t k) { return u64_at(*obj_, "last", k); }
  ProbeLink attach(const char* prog_name, UprobeOptions o) {
    auto l = prog(prog_name).attach_uprobe(o);
    EXPECT_TRUE(l) << l.error().to_string();
    return l ? std::move(*l) : ProbeLink();
  }
  std::optional<BpfObject> obj_;
};

TEST_P(ProbeEngines, EntryProbeSeesArgumentsAndDetachRestoresTheBytes) {
  std::vector<uint8_t> before(16);
  std::memcpy(before.data(), reinterpret_cast<const void*>(&t_work), 16);
  {
    ProbeLink l = attach("on_entry", {.function = "t_work", .cookie = 1});
    ASSERT_TRUE(l.attached());
    EXPECT_EQ(l.address(), addr_of(t_work));
    EXPECT_EQ(t_work(5), 16);
    EXPECT_EQ(hits(1), 1u);
    EXPECT_EQ(last(0), 5u);                  // pt_regs.di
    EXPECT_EQ(last(1), addr_of(t_work));     // bpf_get_func_ip
    EXPECT_EQ(last(4), addr_of(t_work));     // pt_regs.ip
    EXPECT_EQ(last(2), uint64_t(getpid()) << 32 | uint64_t(syscall(SYS_gettid)));
  }
  EXPECT_EQ(t_work(6), 19);
  EXPECT_EQ(hits(1), 1u);
  EXPECT_EQ(std::memcmp(before.data(), reinterpret_cast<const void*>(&t_work), 16), 0);
}

TEST_P(ProbeEngines, ReturnProbeSeesTheResult) {
  ProbeLink l = attach("on_return", {.function = "t_work", .retprobe = true, .cookie = 2});
  EXPECT_EQ(t_call_work(7), 22);
  EXPECT_EQ(hits(2), 1u);
  EXPECT_EQ(last(3), 22u);  // pt_regs.ax at the return
  EXPECT_EQ(last(1), addr_of(t_work));
  ASSERT_TRUE(l.detach());
  EXPECT_EQ(t_call_work(7), 22);
  EXPECT_EQ(hits(2), 1u);
}

TEST_P(ProbeEngines, SeveralProgramsOnOneFunction) {
  ProbeLink a = attach("count_only", {.function = "t_work", .cookie = 1});
  ProbeLink b = attach("count_only", {.function = "t_work", .cookie = 3});
  ProbeLink r = attach("on_return", {.function = "t_work", .retprobe = true, .cookie = 2});
  EXPECT_EQ(t_work(1), 4);
  ASSERT_TRUE(a.detach());
  EXPECT_EQ(t_work(1), 4);
  ASSERT_TRUE(r.detach());
  EXPECT_EQ(t_work(1), 4);
  EXPECT_EQ(hits(1), 1u);
  EXPECT_EQ(hits(3), 3u);
  EXPECT_EQ(hits(2), 2u);
}

// The moved instructions: a RIP-relative load, test + jz rel8, a call
// rel32, and a probe past the prologue.
TEST_P(ProbeEngines, MovedInstructionsBehaveAsBefore) {
  ProbeLink a = attach("count_only", {.function = "t_rip_rel", .cookie = 1});
  ProbeLink b = attach("count_only", {.function = "t_short_jcc", .cookie = 3});
  ProbeLink c = attach("count_only", {.function = "t_call_first", .cookie = 5});
  ProbeLink d = attach("count_only", {.function = "t_work", .offset = 4, .cookie = 6});
  EXPECT_EQ(t_rip_rel(5), 1005);
  EXPECT_EQ(t_short_jcc(9), 1);
  EXPECT_EQ(t_short_jcc(0), 2);
  EXPECT_EQ(t_call_first(41), 42);
  EXPECT_EQ(t_work(2), 7);
  EXPECT_EQ(hits(1), 1u);
  EXPECT_EQ(hits(3), 2u);
  EXPECT_EQ(hits(5), 1u);
  EXPECT_EQ(hits(6), 1u);
}

// What the probed code may rely on survives a hit whose program calls
// helpers: xmm arguments at a function's start, rflags in the middle.
TEST_P(ProbeEngines, ArgumentsAndFlagsSurviveTheHit) {
  ProbeLink a = attach("on_entry", {.function = "t_fadd2", .cookie = 1});
  ProbeLink b = attach("on_entry", {.function = "t_less", .offset = 3, .cookie = 3});
  EXPECT_EQ(t_fadd2(1.5, 2.25), 6.0);
  EXPECT_EQ(t_less(1, 2), 1);
  EXPECT_EQ(t_less(2, 1), 0);
  EXPECT_EQ(hits(1), 1u);
  EXPECT_EQ(hits(3), 2u);
}

// Every register the probed code holds survives a hit whose program calls
// helpers (and so runs C++ and JIT code that uses them): each general
// register in the middle of a function, and the callee-saved ones across
// a call whose entry and return are probed. The stubs reload only what
// the handler may change (docs/uprobes.md).
TEST_P(ProbeEngines, RegistersSurviveTheHit) {
  const uint64_t at = reinterpret_cast<uint64_t>(t_keep_regs_at) - reinterpret_cast<uint64_t>(&t_keep_regs);
  ProbeLink a = attach("on_entry", {.function = "t_keep_regs", .offset = at, .cookie = 2});
  ProbeLink b = attach("on_entry", {.function = "t_keep_regs_inner", .cookie = 4});
  ProbeLink c = attach("on_return", {.function = "t_keep_regs_inner", .retprobe = true, .cookie = 7});
  EXPECT_EQ(t_keep_regs(), 1);
  EXPECT_EQ(t_keep_regs(), 1);
  EXPECT_EQ(hits(2), 2u);
  EXPECT_EQ(hits(4), 2u);
  EXPECT_EQ(hits(7), 2u);
}

TEST_P(ProbeEngines, AttachByAddressWithCookie) {
  ProbeLink l = attach("on_entry", {.address = addr_of(t_rip_rel), .cookie = 7});
  EXPECT_EQ(t_rip_rel(1), 1001);
  EXPECT_EQ(hits(7), 1u);
  EXPECT_EQ(last(1), addr_of(t_rip_rel));
}

// Frame pointers from t_work's entry: the probed address, the return into
// t_call_work, then the frames above it.
TEST_P(ProbeEngines, UserStackThroughFramePointers) {
  ProbeLink l = attach("user_stack", {.function = "t_work"});
  EXPECT_EQ(t_call_work(1), 4);
  auto m = obj_->map("stack");
  ASSERT_TRUE(m);
  uint64_t v[17] = {};
  const uint32_t key = 0;
  ASSERT_TRUE(m->lookup({reinterpret_cast<const uint8_t*>(&key), 4}, {reinterpret_cast<uint8_t*>(v), sizeof v}));
  ASSERT_GE(v[0], 16u);
  EXPECT_EQ(v[0] % 8, 0u);
  EXPECT_EQ(v[1], addr_of(t_work));
  EXPECT_EQ(v[2], reinterpret_cast<uint64_t>(t_call_work_ret));
}

// bpf_get_current_pid_tgid calls getpid(): with the program on getpid
// itself, the nested hit runs no program and the call still works.
TEST_P(ProbeEngines, ProbeOnAFunctionItsOwnHelperCalls) {
  ProbeLink l = attach("calls_getpid", {.binary = "libc.so.6", .function = "getpid", .cookie = 4});
  const uint64_t nested = probe::nested_skips();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(::getpid(), pid_t(::syscall(SYS_getpid)));
  EXPECT_EQ(hits(4), 3u);
  EXPECT_EQ(last(2) >> 32, uint64_t(::getpid()));
  EXPECT_GE(probe::nested_skips() - nested, 3u);
}

std::atomic<int> g_in_handler{0};
void call_from_handler(int) {
  t_work(1);
  g_in_handler.fetch_add(1);
}

TEST_P(ProbeEngines, ProbeRunsInSignalHandlers) {
  ProbeLink l = attach("count_only", {.function = "t_work", .cookie = 5});
  struct sigaction sa {}, old {};
  sa.sa_handler = call_from_handler;
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  for (int i = 0; i < 3; ++i) ::raise(SIGUSR1);
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_EQ(g_in_handler.exchange(0), 3);
  EXPECT_EQ(hits(5), 3u);
}

// The C API: decade_program_attach_uprobe / decade_link_destroy, errors as
// negative errno with the Decade code kept.
TEST_P(ProbeEngines, CApiAttachesAndDestroys) {
  const std::string path = std::string(DECADE_BINARY_DIR) + "/bpf/probe/progs/probes.bpf.o";
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(path.c_str(), &o), 0);
  decade_load_opts lo{};
  lo.sz = sizeof lo;
  lo.engine = GetParam().c_str();
  ASSERT_EQ(decade_object_grant(o, DECADE_GRANT_READ_HOST_MEMORY), 0);  // user_stack needs it
  ASSERT_EQ(decade_object_add_readable_range(o, &g_not_code, sizeof g_not_code), 0);
  ASSERT_EQ(decade_object_load(o, &lo), 0) << decade_last_error();
  decade_program* p = decade_object_find_program(o, "count_only");
  ASSERT_NE(p, nullptr);
  decade_uprobe_opts opts{};
  opts.sz = sizeof opts;
  opts.function = "t_rip_rel";
  opts.cookie = 2;
  decade_link* link = nullptr;
  ASSERT_EQ(decade_program_attach_uprobe(p, &opts, &link), 0) << decade_last_error();
  EXPECT_EQ(t_rip_rel(1), 1001);
  EXPECT_EQ(decade_link_destroy(link), 0);
  EXPECT_EQ(t_rip_rel(1), 1001);
  opts.function = "t_jump_into";
  EXPECT_EQ(decade_program_attach_uprobe(p, &opts, &link), -EINVAL);
  EXPECT_EQ(decade_last_error_code(), int(ErrorCode::ProbeJumpIntoPatch));
  opts.function = "t_nothing_here";
  EXPECT_EQ(decade_program_attach_uprobe(p, &opts, &link), -ENOENT);
  uint64_t count = 0;
  const uint32_t key = 2;
  ASSERT_EQ(decade_map_lookup(decade_object_find_map(o, "hits"), &key, &count), 0);
  EXPECT_EQ(count, 1u);
  decade_object_close(o);
}

INSTANTIATE_TEST_SUITE_P(Engines, ProbeEngines, ::testing::ValuesIn(engines()));

// Refusals, by code (no program runs).
struct Refusal {
  const char* what;
  UprobeOptions where;
  ErrorCode code;
};

class ProbeRefusals : public ::testing::TestWithParam<Refusal> {};

TEST_P(ProbeRefusals, RefusedWithItsCode) {
  auto o = test::load_probes(engines().front());
  ASSERT_TRUE(o) << o.error().to_string();
  const Refusal& r = GetParam();
  auto l = o->program("count_only")->attach_uprobe(r.where);
  ASSERT_FALSE(l) << r.what;
  EXPECT_EQ(l.error().code, r.code) << r.what << ": " << l.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ProbeRefusals,
    ::testing::Values(
        Refusal{"too short", {.function = "t_too_short"}, ErrorCode::ProbeFunctionTooShort},
        Refusal{"jump into the patch", {.function = "t_jump_into"}, ErrorCode::ProbeJumpIntoPatch},
        Refusal{"loop cannot move", {.function = "t_loop_first"}, ErrorCode::ProbeCannotRelocate},
        Refusal{"not code", {.address = reinterpret_cast<uint64_t>(&g_not_code)}, ErrorCode::ProbeBadAddress},
        Refusal{"inside an instruction", {.function = "t_work", .offset = 2}, ErrorCode::ProbeBadAddress},
        Refusal{"return probe at an offset", {.function = "t_work", .offset = 4, .retprobe = true},
                ErrorCode::ProbeBadAddress},
        Refusal{"no such function", {.function = "t_no_such_function"}, ErrorCode::ProbeSymbolNotFound},
        Refusal{"no such library", {.binary = "libnothere.so", .function = "f"}, ErrorCode::ProbeSymbolNotFound}));

}  // namespace
}  // namespace decade
