// SPDX-License-Identifier: Apache-2.0
// C programs compiled by clang-19 during the build, loaded with load_object
// and verified. tests/verifier/progs/*.bpf.c state their expected outcome in
// a "// verifier: accept" or "// verifier: reject CODE" line; a rejection must
// name the source line marked /* REJECT */ (from BTF line info). The loader's
// corpus (tests/loader/progs) must verify too: those programs run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "loader/object.hpp"
#include "verifier/verifier.hpp"

namespace decade::test {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Expectation {
  bool accept = true;
  std::string code;
  uint32_t line = 0;  // the /* REJECT */ line, 0 when none
};

Expectation expectation(const std::string& src) {
  Expectation e;
  std::istringstream in(src);
  std::string l;
  for (uint32_t n = 1; std::getline(in, l); ++n) {
    if (auto p = l.find("// verifier: reject "); p != std::string::npos) {
      e.accept = false;
      e.code = l.substr(p + 20);
    }
    if (l.find("/* REJECT */") != std::string::npos) e.line = n;
  }
  return e;
}

// Objects that the loader corpus keeps to exercise load failures (addresses
// in global data are rejected by the loader: data_fn_*, data_ptr_*).
bool loads_on_purpose_fail(const std::string& stem, ErrorCode code) {
  return stem == "missing_kfunc.bpf" || stem == "unknown_section.bpf" || stem == "arena_globals_no_map.v4.bpf" ||
         code == ErrorCode::ElfDataRelocation;
}

void verify_object(const fs::path& obj, const fs::path& src, bool own) {
  SCOPED_TRACE(obj.string());
  Platform platform = Platform::standard();
  platform.grant(kGrantReadHostMemory);  // tracing programs of the corpus read through bpf_probe_read*
  const std::string bytes = read_text(obj);
  ObjectLoadOptions lo;
  lo.platform = &platform;
  auto o = load_object(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), lo);
  if (!o) {
    EXPECT_TRUE(loads_on_purpose_fail(obj.stem().string(), o.error().code)) << o.error().to_string();
    return;
  }
  Expectation want = own ? expectation(read_text(src)) : Expectation{};
  for (const ObjectProgram& p : o->programs) {
    if (p.error) {  // a program's own load failure (ObjectProgram::error)
      EXPECT_TRUE(loads_on_purpose_fail(obj.stem().string(), p.error->code)) << p.error->to_string();
      continue;
    }
    VerifyInput in;
    in.program = &p.program;
    in.platform = &platform;
    in.type = platform.program_type(p.type);
    ASSERT_NE(in.type, nullptr) << p.name << ": no program type " << p.type;
    for (const MapDef& m : o->maps) in.maps.push_back(&m);
    for (const ObjectKfunc& k : o->kfuncs) in.kfuncs.push_back(k.proto);
    in.btf = o->btf.get();
    auto r = verify(in);
    if (want.accept) {
      EXPECT_TRUE(r.has_value()) << p.name << ": " << r.error().to_string();
      continue;
    }
    ASSERT_FALSE(r.has_value()) << p.name << ": accepted, expected " << want.code;
    EXPECT_EQ(std::string(error_code_name(r.error().code)), want.code) << r.error().to_string();
    if (want.line) {
      EXPECT_EQ(r.error().where.line, want.line) << r.error().to_string();
    }
  }
}

void verify_dir(const std::string& sub, bool own) {
  const fs::path objs = fs::path(DECADE_BINARY_DIR) / "bpf" / sub;
  const fs::path srcs = fs::path(DECADE_SOURCE_DIR) / "tests" / sub;
  if (!fs::exists(objs)) GTEST_SKIP() << "no compiled BPF objects in " << objs;
  int n = 0;
  for (const auto& e : fs::directory_iterator(objs)) {
    if (e.path().extension() != ".o") continue;
    fs::path src = srcs / e.path().filename();
    src.replace_extension(".c");
    if (!fs::exists(src)) continue;  // left in the build folder by a source that moved
    verify_object(e.path(), src, own);
    ++n;
  }
  EXPECT_GT(n, 0);
}

TEST(VerifierCorpus, OwnCases) { verify_dir("verifier/progs", true); }
TEST(VerifierCorpus, LoaderCorpusVerifies) { verify_dir("loader/progs", false); }

}  // namespace
}  // namespace decade::test
