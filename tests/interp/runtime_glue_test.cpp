// SPDX-License-Identifier: Apache-2.0
// The interpreter against the runtime: tail calls through a prog_array,
// bpf_loop callbacks, map pseudo loads and helper argument checks.
#include "interp_test_util.hpp"
#include "tail_chains.hpp"
#include "runtime/registry.hpp"

namespace decade::test {
namespace {

const Platform& standard() {
  static const Platform p = Platform::standard();
  return p;
}

std::unique_ptr<Map> make_map(MapType type, uint32_t key, uint32_t value, uint32_t max) {
  MapDef d;
  d.name = "m";
  d.type = type;
  d.key_size = key;
  d.value_size = value;
  d.max_entries = max;
  auto m = create_map(d);
  EXPECT_TRUE(m.has_value()) << m.error().to_string();
  return m ? std::move(*m) : nullptr;
}

// Compiles `text` and stores it in slot `index` of `prog_array`.
void install(Map& prog_array, uint32_t index, const char* text, ProgramEnv env) {
  auto h = std::make_shared<ProgramHandle>();
  h->executable = checked(text, std::move(env));
  ASSERT_TRUE(h->executable);
  h->profile.program_type = "raw";
  const uint32_t id = register_program(h);
  EXPECT_EQ(prog_array.host_update(&index, &id, 0), 0);
}

TEST(InterpTailCall, RunsTheTargetAndFallsThroughOnEmptySlots) {
  auto pa = make_map(MapType::ProgArray, 4, 4, 4);
  ProgramEnv env;
  env.platform = &standard();
  env.maps = {pa.get()};
  install(*pa, 0, "mov %r0, %r1\nadd %r0, 1000\nexit", env);
  // Slot 0: the target's result is the program's result, with the same r1.
  EXPECT_EQ(value("mov %r1, 5\nlddw_map_idx %r2, 0\nmov %r3, 0\ncall 12\nmov %r0, 99\nexit", nullptr, env), 1005u);
  // Slot 1 is empty and 7 is out of range: execution continues.
  EXPECT_EQ(value("lddw_map_idx %r2, 0\nmov %r3, 1\ncall 12\nmov %r0, 99\nexit", nullptr, env), 99u);
  EXPECT_EQ(value("lddw_map_idx %r2, 0\nmov %r3, 7\ncall 12\nmov %r0, 99\nexit", nullptr, env), 99u);
}

// Runs `entry` with slots filled from `slots`; expects the chain to stop
// after 33 tail calls with the kernel's outcome (34 runs, the last tail call
// falls through and the program goes on).
void expect_chain_of_33(const char* entry, std::vector<const char*> slots) {
  auto pa = make_map(MapType::ProgArray, 4, 4, 2);
  ProgramEnv env;
  env.platform = &standard();
  env.maps = {pa.get()};
  for (uint32_t i = 0; i < slots.size(); ++i) install(*pa, i, slots[i], env);
  std::vector<uint8_t> counts(16, 0);
  EXPECT_EQ(value(entry, &counts, env), 34u);
  uint64_t fails = 0;
  std::memcpy(&fails, counts.data() + 8, 8);
  EXPECT_EQ(fails, 1u);
}

TEST(InterpTailCall, ChainStopsAfter33) { expect_chain_of_33(kSelfChain, {kSelfChain}); }
TEST(InterpTailCall, MutualChainStopsAfter33) { expect_chain_of_33(kPing, {kPing, kPong}); }
TEST(InterpTailCall, ChainFromASubprogramStopsAfter33) { expect_chain_of_33(kSubprogChain, {kSubprogChain}); }
TEST(InterpTailCall, ChainFromACallbackStopsAfter33) { expect_chain_of_33(kCallbackChain, {kSelfChain}); }

TEST(InterpTailCall, ChainThroughNestedCallbacksEndsAtTheFrameLimit) {
  auto pa = make_map(MapType::ProgArray, 4, 4, 1);
  ProgramEnv env;
  env.platform = &standard();
  env.maps = {pa.get()};
  install(*pa, 0, kCallbackChain, env);
  std::vector<uint8_t> counts(16, 0);
  auto r = run(kCallbackChain, &counts, env);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::ExecCallDepth) << r.error().to_string();
}

// A tail call from the program's outermost frame replaces the frame without
// nesting a run, so a chain fits a stack far smaller than 33 nested runs
// would need; from subprograms and callbacks each tail call nests one run,
// bounded by the chain's 33.
TEST(InterpTailCall, ChainsKeepTheHostStackBounded) {
  on_small_stack(64 << 10, [] {
    expect_chain_of_33(kSelfChain, {kSelfChain});
    expect_chain_of_33(kPing, {kPing, kPong});
  });
  on_small_stack(1 << 20, [] {
    expect_chain_of_33(kSubprogChain, {kSubprogChain});
    expect_chain_of_33(kCallbackChain, {kSelfChain});
  });
}

TEST(InterpTailCall, UnknownMapPointerIsABadCall) {
  ProgramEnv env;
  env.platform = &standard();
  expect_error(run("mov %r2, %r10\nmov %r3, 0\ncall 12\nexit", nullptr, env), ErrorCode::ExecBadCall, 2);
}

// bpf_loop(5, cb, &sum, 0): cb(i, ctx) adds i to *ctx.
const char* kLoop =
    "stdw [%r10-8], 0\n"
    "mov %r1, 5\n"
    "lddw_func %r2, cb\n"
    "mov %r3, %r10\nadd %r3, -8\n"
    "mov %r4, 0\n"
    "call 181\n"
    "ldxdw %r1, [%r10-8]\n"
    "lsh %r0, 32\n"
    "or %r0, %r1\n"
    "exit\n"
    "cb:\n"
    "ldxdw %r3, [%r2+0]\nadd %r3, %r1\nstxdw [%r2+0], %r3\n"
    "mov %r0, 0\n"
    "exit";

TEST(InterpCallback, BpfLoop) {
  ProgramEnv env;
  env.platform = &standard();
  EXPECT_EQ(value(kLoop, nullptr, env), (5ULL << 32) | 10);  // 5 iterations, sum 0+1+2+3+4
}

TEST(InterpCallback, FaultInsideACallbackNamesItsInstruction) {
  ProgramEnv env;
  env.platform = &standard();
  const char* text =
      "mov %r1, 3\n"
      "lddw_func %r2, cb\n"
      "mov %r3, 0\nmov %r4, 0\n"
      "call 181\n"
      "exit\n"
      "cb:\n"
      "mov %r0, 0\n"
      "ldxdw %r0, [%r0+0]\n"  // null dereference at slot 8
      "exit";
  expect_error(run(text, nullptr, env), ErrorCode::ExecOutOfBounds, 8);
}

TEST(InterpCallback, CallbackMustBeAFunctionOfTheProgram) {
  ProgramEnv env;
  env.platform = &standard();
  expect_error(run("mov %r1, 3\nmov %r2, 12345\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit", nullptr, env),
               ErrorCode::ExecBadCall, 4);
}

TEST(InterpMaps, LookupAndDirectValue) {
  auto arr = make_map(MapType::Array, 4, 8, 2);
  const uint32_t k = 1;
  const uint64_t v = 0x55;
  ASSERT_EQ(arr->update(&k, &v, 0), 0);
  ProgramEnv env;
  env.platform = &standard();
  env.maps = {arr.get()};
  // bpf_map_lookup_elem(map, &key) then a load through the returned pointer.
  const char* lookup =
      "stw [%r10-4], 1\n"
      "lddw_map_idx %r1, 0\n"
      "mov %r2, %r10\nadd %r2, -4\n"
      "call 1\n"
      "jeq %r0, 0, +2\n"
      "ldxdw %r0, [%r0+0]\n"
      "exit\n"
      "mov %r0, -1\n"
      "exit";
  EXPECT_EQ(value(lookup, nullptr, env), 0x55u);
  EXPECT_EQ(value("lddw_map_idx_value %r1, 0, 8\nldxdw %r0, [%r1+0]\nexit", nullptr, env), 0x55u);
  // In front of the array's storage.
  expect_error(run("lddw_map_idx_value %r1, 0, 0\nldxdw %r0, [%r1-8]\nexit", nullptr, env),
               ErrorCode::ExecOutOfBounds, 2);
}

TEST(InterpMaps, HelperArgumentsAreChecked) {
  auto arr = make_map(MapType::Array, 4, 8, 2);
  ProgramEnv env;
  env.platform = &standard();
  env.maps = {arr.get()};
  // The key pointer is not memory the program owns.
  expect_error(run("lddw_map_idx %r1, 0\nmov %r2, 16\ncall 1\nexit", nullptr, env), ErrorCode::ExecOutOfBounds, 3);
  // r1 is not a map.
  expect_error(run("mov %r1, %r10\nmov %r2, %r10\ncall 1\nexit", nullptr, env), ErrorCode::ExecBadCall, 2);
  // Unknown map index in a pseudo load fails at compile time.
  auto e = interp::compile_checked(program("lddw_map_idx %r1, 3\nexit"), env);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::MapNotFound);
  EXPECT_EQ(e.error().insn, 0);
}

TEST(InterpMaps, SpinLocksCannotHangTheHost) {
  auto arr = make_map(MapType::Array, 4, 8, 1);
  ProgramEnv env;
  env.platform = &standard();
  env.maps = {arr.get()};
  const std::string lock = "lddw_map_idx_value %r6, 0, 0\nmov %r1, %r6\ncall 93\n";    // slots 0..3
  const std::string unlock = "mov %r1, %r6\ncall 94\n";
  EXPECT_EQ(value(lock + unlock + "mov %r0, 1\nexit", nullptr, env), 1u);
  // Taking the same lock twice fails at the second call instead of spinning forever.
  expect_error(run(lock + "mov %r1, %r6\ncall 93\nexit", nullptr, env), ErrorCode::ExecHelperFault, 5);
  // Exiting with the lock held is an error, and the lock is released.
  auto r = run(lock + "mov %r0, 0\nexit", nullptr, env);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::ExecHelperFault);
  EXPECT_EQ(value(lock + unlock + "mov %r0, 2\nexit", nullptr, env), 2u);
  // Unlocking a lock not held.
  expect_error(run("lddw_map_idx_value %r6, 0, 0\n" + unlock + "exit", nullptr, env), ErrorCode::ExecHelperFault, 3);
}

// A zero size for a ConstSize argument is refused as the verifier refuses
// it: the helper would take a NULL buffer as memory (UBSan found
// bpf_xdp_load_bytes passing one to memset).
TEST(InterpHelpers, ZeroConstSizeIsABadCall) {
  ProgramEnv env;
  env.platform = &standard();
  expect_error(run("mov %r1, 0\nmov %r2, 0\ncall 16\nexit", nullptr, env), ErrorCode::ExecBadCall, 2);
  // bpf_snprintf's buffer size may be zero (ConstSizeOrZero).
  expect_error(run("mov %r1, 0\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\nmov %r5, 0\ncall 165\nexit", nullptr, env),
               ErrorCode::ExecOutOfBounds, 5);
}

// Unverified code may hand an iterator kfunc any address; one that is not
// an aligned stack slot is refused before the kfunc touches its state.
TEST(InterpKfuncs, IteratorArgumentsMustBeAligned) {
  const FuncProto* iter_new = standard().kfunc("bpf_iter_num_new");
  const FuncProto* iter_destroy = standard().kfunc("bpf_iter_num_destroy");
  ASSERT_TRUE(iter_new && iter_destroy);
  ProgramEnv env;
  env.platform = &standard();
  env.kfuncs = {iter_new, iter_destroy};
  const std::string body = "mov %r2, 0\nmov %r3, 3\ncall_kfunc 0, 0\n";
  const std::string destroy = "mov %r1, %r10\nadd %r1, -16\ncall_kfunc 1, 0\n";
  EXPECT_EQ(value("mov %r1, %r10\nadd %r1, -16\n" + body + destroy + "mov %r0, 7\nexit", nullptr, env), 7u);
  expect_error(run("mov %r1, %r10\nadd %r1, -13\n" + body + "exit", nullptr, env), ErrorCode::ExecMisaligned, 4);
}

}  // namespace
}  // namespace decade::test
