// SPDX-License-Identifier: Apache-2.0
// What the real-world measure (docs/corpus.md) found missing, each run in
// both engines: bpf_trace_vprintk (bpf_printk with more than three
// arguments), bpf_get_ns_current_pid_tgid, and libbpf's poisoning of CO-RE
// relocations no host type satisfies, behind bpf_core_field_exists.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "decade/decade.hpp"

namespace decade {
namespace {

std::string obj(const std::string& rel) { return std::string(DECADE_BINARY_DIR) + "/bpf/" + rel; }

class CorpusFixes : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusFixes, PrintkWithMoreThanThreeArguments) {
  auto o = BpfObject::open(obj("loader/progs/printk_many.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto st = o->load({.engine = GetParam()});
  ASSERT_TRUE(st) << st.error().to_string();
  auto r = o->program("printk_many")->test_run({});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->retval, 13u);
  EXPECT_EQ(o->drain_trace(), std::vector<std::string>{"a 1 -2 3c 4 5"});
}

TEST_P(CorpusFixes, UnresolvableFieldBehindFieldExistsIsPoisonedNotFatal) {
  for (const char* host : {"loader/progs/hosts/host_v1.bpf.o", "loader/progs/hosts/host_v2.bpf.o"}) {
    auto o = BpfObject::open(obj("loader/progs/core_guarded.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    ASSERT_TRUE(o->set_target_btf_file(obj(host)));
    auto st = o->load({.engine = GetParam()});
    ASSERT_TRUE(st) << host << ": " << st.error().to_string();
    // The value has the host's layout: id at 12 in v1, at 28 in v2.
    std::vector<uint8_t> value(32, 0);
    value[std::string(host).find("v1") != std::string::npos ? 12 : 28] = 7;
    const uint32_t key = 0;
    ASSERT_TRUE(o->map("cfgs")->update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&key), 4),
                                       std::span<const uint8_t>(value)));
    auto r = o->program("core_guarded")->test_run({});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->retval, 7u) << host;
  }
}

TEST_P(CorpusFixes, PidAndTgidInTheProcessPidNamespace) {
  struct stat own{};
  ASSERT_EQ(stat("/proc/self/ns/pid", &own), 0);
  for (const bool same : {true, false}) {
    auto o = BpfObject::open(obj("loader/progs/ns_pid.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    const uint64_t dev = own.st_dev, ino = same ? own.st_ino : own.st_ino + 1;
    std::memcpy(o->global_var("ns_dev")->data(), &dev, 8);
    std::memcpy(o->global_var("ns_ino")->data(), &ino, 8);
    auto st = o->load({.engine = GetParam()});
    ASSERT_TRUE(st) << st.error().to_string();
    auto r = o->program("ns_pid")->test_run({});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(static_cast<int32_t>(r->retval), same ? getpid() : -EINVAL);
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusFixes, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
