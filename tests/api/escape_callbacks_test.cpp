// SPDX-License-Identifier: Apache-2.0
// What bpf_for_each_map_elem hands its callback, on every engine: the key
// is read-only (writes are rejected by the verifier and fault in checked
// execution, so neither a hash map's stored key nor an array walk can be
// changed through it), and the key and value pointers a callback leaves in
// its caller's stack stay valid after the walk, also when the callback
// deleted or updated elements of the map it walks.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "api_test_util.hpp"

namespace decade {
namespace {

class EscapeCallbacks : public ::testing::TestWithParam<std::string> {
 protected:
  Result<BpfObject> open_loaded(const std::string& name, bool unverified = false) const {
    return test::open_loaded("api/progs/" + name + ".bpf.o", GetParam(), unverified);
  }
};

Result<uint64_t> run(const BpfObject& o, const std::string& prog) {
  auto p = o.program(prog);
  if (!p) return std::unexpected(p.error());
  auto r = p->test_run({});
  if (!r) return std::unexpected(r.error());
  return r->retval;
}

// The map's keys in ascending order.
std::vector<uint32_t> keys_of(const BpfMap& m) {
  std::vector<uint32_t> out;
  uint32_t k = 0, next = 0;
  bool first = true;
  for (;;) {
    auto more = m.next_key(first ? std::span<const uint8_t>{} : test::as_bytes(k),
                           std::span<uint8_t>(reinterpret_cast<uint8_t*>(&next), sizeof next));
    if (!more || !*more) break;
    out.push_back(next);
    k = next;
    first = false;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The line of escape_callbacks_write.bpf.c marked "REJECT <what>".
uint32_t marked_line(const std::string& what) {
  std::ifstream f(std::string(DECADE_SOURCE_DIR) + "/tests/api/progs/escape_callbacks_write.bpf.c");
  std::string line;
  for (uint32_t n = 1; std::getline(f, line); ++n)
    if (line.find("/* REJECT " + what + " */") != std::string::npos) return n;
  return 0;
}

// The callback's key pointer, kept in the caller's stack, read after the
// walk returned: it used to point into a buffer freed with the walk.
TEST_P(EscapeCallbacks, KeptKeyAndValueOutliveTheWalk) {
  for (bool unverified : {false, true}) {
    SCOPED_TRACE(unverified ? "checked execution" : "verified");
    auto o = open_loaded("escape_callbacks", unverified);
    ASSERT_TRUE(o) << o.error().to_string();
    for (const char* prog : {"key_after_walk_array", "key_after_walk_hash"}) {
      auto r = run(*o, prog);
      ASSERT_TRUE(r) << prog << ": " << r.error().to_string();
      EXPECT_EQ(*r, 1u) << prog;
    }
  }
}

TEST_P(EscapeCallbacks, NestedWalksKeepTheirOwnKeys) {
  auto o = open_loaded("escape_callbacks");
  ASSERT_TRUE(o) << o.error().to_string();
  auto r = run(*o, "nested_walks");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, 0u);
}

// A callback that deletes what it visits and inserts new keys: the walk
// ends, the pointers it kept stay readable, every original key is gone.
TEST_P(EscapeCallbacks, CallbackChangesTheMapItWalks) {
  auto o = open_loaded("escape_callbacks");
  ASSERT_TRUE(o) << o.error().to_string();
  auto r = run(*o, "delete_during_walk");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_GE(*r, 8u);
  EXPECT_LE(*r, 16u);
  auto hash = o->map("hash");
  ASSERT_TRUE(hash);
  const auto left = keys_of(*hash);
  EXPECT_LE(left.size(), 8u);
  for (uint32_t k : left) EXPECT_GE(k, 100u) << "original key " << k << " survived";

  auto u = run(*o, "update_during_walk");
  ASSERT_TRUE(u) << u.error().to_string();
  EXPECT_EQ(*u, 4u);
}

// Writes through the key: rejected where they are written, whichever
// engine loads the object.
TEST_P(EscapeCallbacks, WritesThroughTheKeyAreRejected) {
  auto o = BpfObject::open(test::obj("api/progs/escape_callbacks_write.bpf.o"));
  ASSERT_TRUE(o) << o.error().to_string();
  auto reports = o->verify_programs();
  ASSERT_TRUE(reports) << reports.error().to_string();
  ASSERT_EQ(reports->size(), 3u);
  for (const VerifyReport& rep : *reports) {
    SCOPED_TRACE(rep.program);
    ASSERT_FALSE(rep.accepted);
    EXPECT_EQ(rep.error.code, ErrorCode::VerifierReadOnly) << rep.error.to_string();
    EXPECT_GE(rep.error.insn, 0);
    const std::string mark = rep.program == "write_kept_key" ? "write_kept_key" : "rewrite_key";
    EXPECT_EQ(rep.error.where.line, marked_line(mark)) << rep.error.to_string();
  }
  LoadOptions lo;
  lo.engine = GetParam();
  auto s = o->load(lo);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::VerifierReadOnly);
}

// Without the verifier (checked execution) the same writes fault: the key
// is the run's read-only copy, so the hash map keeps one element per key
// and the array walk ends.
TEST_P(EscapeCallbacks, UnverifiedWritesFaultAndLeaveTheMapIntact) {
  auto o = open_loaded("escape_callbacks_write", true);
  ASSERT_TRUE(o) << o.error().to_string();
  for (const char* prog : {"write_key_hash", "write_key_array", "write_kept_key"}) {
    auto r = run(*o, prog);
    ASSERT_FALSE(r) << prog << " returned " << *r;
    EXPECT_EQ(r.error().code, ErrorCode::ExecOutOfBounds) << prog << ": " << r.error().to_string();
  }
  auto hash = o->map("hash");
  ASSERT_TRUE(hash);
  EXPECT_EQ(keys_of(*hash), (std::vector<uint32_t>{1, 2, 3, 4}));
}

INSTANTIATE_TEST_SUITE_P(Api, EscapeCallbacks, ::testing::ValuesIn(engines()));

}  // namespace
}  // namespace decade
