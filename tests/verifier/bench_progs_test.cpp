// SPDX-License-Identifier: Apache-2.0
// The compute benchmarks (bench/progs, raw builds) are accepted well inside
// the one-million budget, and every memory access in them is proven: their
// entry check `if (len < 3072) return 0;` bounds r2, the length of r1's memory.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "loader/object.hpp"
#include "verifier/verifier.hpp"

namespace decade::test {
namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool is_memory_access(const Insn& insn) {
  const Shape s = insn.info().shape;
  return s == Shape::Load || s == Shape::StoreImm || s == Shape::StoreReg;
}

}  // namespace

class BenchPrograms : public ::testing::TestWithParam<const char*> {};

TEST_P(BenchPrograms, AcceptedWithProvenAccesses) {
  const std::string path = std::string(DECADE_BINARY_DIR) + "/bpf/bench/progs/" + GetParam() + ".bpf.o";
  const std::string bytes = read_bytes(path);
  ASSERT_FALSE(bytes.empty()) << path;
  const Platform platform = Platform::standard();
  ObjectLoadOptions lo;
  lo.platform = &platform;
  auto o = load_object(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), lo);
  ASSERT_TRUE(o.has_value()) << o.error().to_string();
  ASSERT_EQ(o->programs.size(), 1u);
  const ObjectProgram& p = o->programs[0];
  VerifyInput in;
  in.program = &p.program;
  in.platform = &platform;
  in.type = platform.program_type(p.type);
  in.btf = o->btf.get();
  auto r = verify(in);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_LT(r->program->stats().insns_processed, 500000u);
  const auto& facts = r->program->facts();
  for (size_t i = 0; i < p.program.insns.size(); ++i) {
    if (is_memory_access(p.program.insns[i])) {
      EXPECT_TRUE(facts[i].mem_access_safe) << "insn " << p.program.insns[i].pc;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Verifier, BenchPrograms,
                         ::testing::Values("checksum", "crc32", "matmul", "sort", "sieve", "strsearch", "hashtable"));

}  // namespace decade::test
