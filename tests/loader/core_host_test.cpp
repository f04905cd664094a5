// SPDX-License-Identifier: Apache-2.0
// CO-RE across host versions: core_read.bpf.c is compiled once; the host
// describes its struct host_cfg with BTF (two layouts, hosts/host_v1 and
// hosts/host_v2, and host_v2 again as gcc debug info turned into BTF by
// pahole -J), and the loader rewrites the program's field accesses.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <tuple>

#include "loader/core_patch.hpp"
#include "loader_test_util.hpp"

namespace decade {
namespace {

using namespace decade::test;

struct Shape {
  std::set<std::pair<uint32_t, int16_t>> ctx_loads;  // (width bits, offset) of loads from r1
  std::vector<int32_t> r1_consts;                    // r1 = imm (field exists, type size)
  uint64_t enum_exists = 0;                          // the ld_imm64
  std::vector<int32_t> probe_adds;                   // core_probe: r1 = imm (0, then the relocated field offset)
};

Shape shape_of(const Object& o) {
  Shape s;
  const ObjectProgram* probe = find_program(o, "core_probe");
  EXPECT_NE(probe, nullptr);
  for (const Insn& in : probe ? probe->program.insns : std::vector<Insn>{})
    if (in.op == Op::MOV64_IMM && in.dst == 1) s.probe_adds.push_back(in.imm);
  const ObjectProgram* main = find_program(o, "core_read");
  EXPECT_NE(main, nullptr);
  if (!main) return s;
  for (const Insn& in : main->program.insns) {
    if (in.info().shape == decade::Shape::Load && in.src == 1) s.ctx_loads.insert({in.info().width, in.off});
    if (in.op == Op::MOV64_IMM && in.dst == 1) s.r1_consts.push_back(in.imm);
    if (in.op == Op::LDDW) s.enum_exists = in.imm64;
  }
  return s;
}

std::shared_ptr<const Btf> btf_of(const std::string& path) {
  auto btf = load_btf_file(read_bytes(path));
  EXPECT_TRUE(btf) << path << ": " << btf.error().to_string();
  return btf ? *btf : nullptr;
}

using Loads = std::set<std::pair<uint32_t, int16_t>>;

TEST(CoreHost, OwnBtfKeepsTheCompiledLayout) {
  Shape s = shape_of(load_prog("core_read.bpf"));
  EXPECT_EQ(s.ctx_loads, (Loads{{32, 0}, {16, 4}, {64, 8}}));
  EXPECT_EQ(s.r1_consts, (std::vector<int32_t>{1, 24}));
  EXPECT_EQ(s.enum_exists, 1u);
  EXPECT_EQ(s.probe_adds, (std::vector<int32_t>{0, 8}));
}

TEST(CoreHost, LayoutV1) {
  auto target = btf_of(prog_path("hosts/host_v1.bpf"));
  ASSERT_NE(target, nullptr);
  Shape s = shape_of(load_prog("core_read.bpf", target));
  // limit at 0 (8 bytes), port at 8 widened to 4 bytes, id at 12; no flags; 16 bytes.
  EXPECT_EQ(s.ctx_loads, (Loads{{64, 0}, {32, 8}, {32, 12}}));
  EXPECT_EQ(s.r1_consts, (std::vector<int32_t>{0, 16}));
  EXPECT_EQ(s.enum_exists, 1u);
  EXPECT_EQ(s.probe_adds, (std::vector<int32_t>{0, 0}));
}

void expect_v2(const Shape& s) {
  // flags at 16, limit at 20 narrowed to 4 bytes, port at 24, id at 28; 32 bytes; no enum host_mode.
  EXPECT_EQ(s.ctx_loads, (Loads{{32, 20}, {16, 24}, {32, 28}}));
  EXPECT_EQ(s.r1_consts, (std::vector<int32_t>{1, 32}));
  EXPECT_EQ(s.enum_exists, 0u);
  EXPECT_EQ(s.probe_adds, (std::vector<int32_t>{0, 20}));
}

TEST(CoreHost, LayoutV2) {
  auto target = btf_of(prog_path("hosts/host_v2.bpf"));
  ASSERT_NE(target, nullptr);
  expect_v2(shape_of(load_prog("core_read.bpf", target)));
}

TEST(CoreHost, LayoutV2FromPahole) {
  // The host's own compiler and debug info, converted the way a host would.
  if (std::system("command -v pahole >/dev/null 2>&1 && command -v cc >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "pahole or cc not installed";
  const auto dir = std::filesystem::temp_directory_path() / ("decade_core_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string obj = (dir / "host_v2.o").string();
  const std::string src = std::string(DECADE_SOURCE_DIR) + "/tests/loader/progs/hosts/host_v2.bpf.c";
  const std::string cmd = "cc -x c -g -c " + src + " -o " + obj + " && pahole -J " + obj + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto target = btf_of(obj);
  std::filesystem::remove_all(dir);
  ASSERT_NE(target, nullptr);
  EXPECT_NE(target->find("host_cfg", BtfKind::Struct), 0u);
  expect_v2(shape_of(load_prog("core_read.bpf", target)));
}

// core_flex: the immediates moved into r2 (count's offset, the read size,
// the zeroed copy, the offset of the flexible array member `items`, the
// element's size) and the offset of the load of the copy's `value`.
std::pair<std::vector<int32_t>, int16_t> flex_shape(const Object& o) {
  std::pair<std::vector<int32_t>, int16_t> s{{}, -1};
  const ObjectProgram* p = find_program(o, "core_flex");
  EXPECT_NE(p, nullptr);
  for (const Insn& in : p ? p->program.insns : std::vector<Insn>{}) {
    if (in.op == Op::MOV64_IMM && in.dst == 2) s.first.push_back(in.imm);
    if (in.info().shape == decade::Shape::Load && in.dst == 0) s.second = in.off;
  }
  return s;
}

TEST(CoreHost, FlexibleArrayMemberOffsetIsRelocated) {
  // The field `items` has no size (struct host_item[]): its offset is
  // relocated all the same, as libbpf does for bcc's pid->numbers[level].
  auto own = flex_shape(load_prog("core_flex.bpf"));
  EXPECT_EQ(own.first, (std::vector<int32_t>{0, 4, 0, 4, 8}));
  EXPECT_EQ(own.second, 4);
  auto target = btf_of(prog_path("hosts/host_flex.bpf"));
  ASSERT_NE(target, nullptr);
  auto host = flex_shape(load_prog("core_flex.bpf", target));
  EXPECT_EQ(host.first, (std::vector<int32_t>{4, 4, 0, 16, 8}));
  EXPECT_EQ(host.second, 0);
}

TEST(CoreHost, TargetWithoutTheStructPoisonsTheAccess) {
  // smoke.bpf.o's BTF has no struct host_cfg: field offsets cannot be
  // relocated. As libbpf, the load goes on with each such instruction
  // turned into a call of helper 0xbad2310, which the verifier refuses
  // where it is reached (a branch behind bpf_core_field_exists never is).
  auto target = btf_of(prog_path("smoke.bpf"));
  ASSERT_NE(target, nullptr);
  auto r = load_bytes(read_bytes(prog_path("core_read.bpf")), target);
  ASSERT_TRUE(r) << r.error().to_string();
  const Program& p = find_program(*r, "core_read")->program;
  const auto calls = insns_with(p, Sem::Call);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(static_cast<uint32_t>(calls.front()->imm), kCorePoisonHelper);
  EXPECT_EQ(calls.front(), &p.insns.front());  // the first relocated load
}

TEST(CoreHost, RawBtfBytesAreAcceptedAsTarget) {
  auto target = btf_of(prog_path("hosts/host_v1.bpf"));
  ASSERT_NE(target, nullptr);
  auto again = load_btf_file(target->raw());
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->count(), target->count());
}

TEST(CoreHost, KernelBtfParsesWhenPresent) {
  // The running kernel's BTF: a large real-world input (over 100k types).
  if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) GTEST_SKIP() << "no /sys/kernel/btf/vmlinux";
  auto btf = load_btf_file(read_bytes("/sys/kernel/btf/vmlinux"));
  ASSERT_TRUE(btf) << btf.error().to_string();
  const uint32_t task = (*btf)->find("task_struct", BtfKind::Struct);
  ASSERT_NE(task, 0u);
  EXPECT_GT((*btf)->size_of(task).value_or(0), 1000u);
}

}  // namespace
}  // namespace decade
