// SPDX-License-Identifier: Apache-2.0
// Per-program verdicts (libbpf's autoload): a program's own problems (a
// section naming no program type, a rejection) fail only its own
// verification or load, never another program's; dead code is not rejected
// for what it would do if reached (progs/autoload.bpf.c).
#include <gtest/gtest.h>

#include "api_test_util.hpp"
#include "decade/decade.h"

namespace decade {
namespace {

using test::obj;

const std::string kObject = "api/progs/autoload.bpf.o";

Result<BpfObject> open_object() { return BpfObject::open(obj(kObject)); }

TEST(Autoload, VerifyingOneProgramLooksAtNoOther) {
  auto o = open_object();
  ASSERT_TRUE(o) << o.error().to_string();
  auto good = o->verify_programs("good");
  ASSERT_TRUE(good) << good.error().to_string();
  ASSERT_EQ(good->size(), 1u);
  EXPECT_TRUE((*good)[0].accepted);
  auto rejected = o->verify_programs("rejected");
  ASSERT_TRUE(rejected) << rejected.error().to_string();
  ASSERT_EQ(rejected->size(), 1u);
  EXPECT_FALSE((*rejected)[0].accepted);
  EXPECT_EQ((*rejected)[0].error.code, ErrorCode::VerifierUninitRegister);
  EXPECT_EQ((*rejected)[0].error.insn, 0);
  auto lost = o->verify_programs("lost");
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, ErrorCode::ElfUnknownSection);
  // Every autoloaded program: `lost` is one of them.
  auto all = o->verify_programs();
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().code, ErrorCode::ElfUnknownSection);
}

TEST(Autoload, DeadWriteToR10IsNotRejected) {
  auto o = open_object();
  ASSERT_TRUE(o) << o.error().to_string();
  auto r = o->verify_programs("dead_fp_write");
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].accepted) << (*r)[0].error.to_string();
}

TEST(Autoload, HostTypeForAnUnknownSection) {
  auto o = open_object();
  ASSERT_TRUE(o) << o.error().to_string();
  ASSERT_TRUE(o->set_program_type("lost", "syscall"));
  auto r = o->verify_programs("lost");
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].accepted);
}

class AutoloadEngine : public ::testing::TestWithParam<std::string> {};

TEST_P(AutoloadEngine, LoadSkipsWhatIsNotAutoloaded) {
  auto o = open_object();
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_TRUE(o->program("good")->autoload());
  EXPECT_FALSE(o->program("optional")->autoload());  // "?syscall"
  auto s = o->load({.engine = GetParam()});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::VerifierUninitRegister);
  ASSERT_TRUE(o->set_autoload("rejected", false));
  s = o->load({.engine = GetParam()});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::ElfUnknownSection);
  ASSERT_TRUE(o->set_autoload("lost", false));
  ASSERT_TRUE(o->set_autoload("optional", true));
  EXPECT_EQ(o->set_autoload("nope", false).error().code, ErrorCode::ProgramNotFound);
  s = o->load({.engine = GetParam()});
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(o->set_autoload("good", false).error().code, ErrorCode::InvalidArgument);  // after load
  EXPECT_EQ(o->program("lost")->id(), 0u);
  EXPECT_EQ(o->program("rejected")->id(), 0u);
  const std::pair<const char*, uint64_t> runs[] = {{"good", 7}, {"optional", 3}, {"dead_fp_write", 5}};
  for (const auto& [name, retval] : runs) {
    auto p = o->program(name);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->engine(), GetParam());
    auto r = p->test_run({});
    ASSERT_TRUE(r) << name << ": " << r.error().to_string();
    EXPECT_EQ(r->retval, retval) << name;
  }
}

// Without the verifier, a write to r10 that is reached faults at run time
// in both engines (the verifier refuses it in verified programs).
TEST_P(AutoloadEngine, ReachedWriteToR10FaultsInCheckedExecution) {
  // r10 = 0 ; r0 = 0 ; exit
  const uint8_t code[] = {0xb7, 0x0a, 0, 0, 0, 0, 0, 0, 0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
  auto o = BpfObject::from_bytecode(code);
  ASSERT_TRUE(o) << o.error().to_string();
  auto v = o->verify_programs();
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ((*v)[0].error.code, ErrorCode::VerifierReadOnly);
  EXPECT_EQ((*v)[0].error.insn, 0);
  ASSERT_TRUE(o->load({.engine = GetParam(), .unverified_checked_execution = true}));
  const uint8_t mem[8] = {};
  auto r = o->program("")->test_run({.data = mem});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ExecUnsupported);
  EXPECT_EQ(r.error().insn, 0);
}

INSTANTIATE_TEST_SUITE_P(Api, AutoloadEngine, ::testing::ValuesIn(engines()));

TEST(CApi, SetAutoload) {
  decade_object* o = nullptr;
  ASSERT_EQ(decade_object_open(obj(kObject).c_str(), &o), 0) << decade_last_error();
  EXPECT_LT(decade_object_set_autoload(o, "nope", 0), 0);
  ASSERT_EQ(decade_object_set_autoload(o, "lost", 0), 0) << decade_last_error();
  ASSERT_EQ(decade_object_set_autoload(o, "rejected", 0), 0) << decade_last_error();
  ASSERT_EQ(decade_object_load(o, nullptr), 0) << decade_last_error();
  decade_program* p = decade_object_find_program(o, "good");
  ASSERT_NE(p, nullptr);
  struct decade_test_run run = {};
  run.sz = sizeof run;
  ASSERT_EQ(decade_program_test_run(p, &run), 0) << decade_last_error();
  EXPECT_EQ(run.retval, 7u);
  decade_object_close(o);
}

}  // namespace
}  // namespace decade
