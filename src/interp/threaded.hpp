// SPDX-License-Identifier: Apache-2.0
// The interpreter's compact threaded form and per-run state. A Program is
// translated once (translate.cpp) into one TInsn per instruction carrying the
// address of its handler label, its pre-resolved target and immediate;
// exec_checked.cpp and exec_verified.cpp run it with computed goto.
// Internal to src/interp.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "decade/error.hpp"
#include "isa/insn.hpp"
#include "runtime/checked_args.hpp"
#include "runtime/engine.hpp"
#include "runtime/run_context.hpp"
#include "runtime/run_control.hpp"

namespace decade::interp::detail {

enum class Kind : uint16_t {
#define K(NAME) NAME,
#include "interp/handlers.def"
#undef K
};
inline constexpr size_t kKindCount = 0
#define K(NAME) +1
#include "interp/handlers.def"
#undef K
    ;

// The forwarded variants follow the plain kinds, the superinstructions
// follow both (handlers.def).
inline constexpr size_t kFusedBegin = 0
#define K(NAME) +1
#define KF(NAME)
#include "interp/handlers.def"
#undef K
#undef KF
    ;
constexpr bool is_fused(Kind k) { return static_cast<size_t>(k) >= kFusedBegin; }
constexpr bool is_variant(Kind k) { return k > Kind::UNSUPPORTED && !is_fused(k); }
// Calls of every kind: the next instruction is their return point.
constexpr bool is_call(Kind k) {
  return k == Kind::CALL_LOCAL || k == Kind::CALLX || k == Kind::CALL_HELPER || k == Kind::CALL_KFUNC ||
         k == Kind::TAIL_CALL || k == Kind::LD_PKT;  // LD_PKT: a call of ld_packet, writing r0-r5
}

inline constexpr uint8_t kCheckMem = 1;  // this access is bounds-checked at run time
inline constexpr uint8_t kFwdD = 2;      // dst is read from `last` (forward.cpp)
inline constexpr uint8_t kFwdS = 4;      // src is read from `last`
inline constexpr uint8_t kLdInd = 8;     // LD_PKT: the offset adds src's low 32 bits (ld_ind)
// The register array's extra slot: never written, read instead of a
// forwarded register so that the load does not wait for that register's store.
inline constexpr uint8_t kSinkReg = kNumRegs;

struct TInsn {
  const void* h = nullptr;   // handler label address
  const TInsn* t = nullptr;  // jump / local-call target
  uint64_t k = 0;            // immediate (already widened for its operation), constant, FuncProto*, width
  int32_t off = 0;           // memory offset
  uint32_t pc = 0;           // slot index, for errors
  uint8_t dst = 0;
  uint8_t src = 0;
  uint8_t rd = 0;  // where dst is read from: dst, or kSinkReg when forwarded
  uint8_t rs = 0;  // the same for src
  uint8_t flags = 0;
  Kind kind{};
};
static_assert(sizeof(TInsn) == 40);

inline constexpr uint32_t kMaxFrames = 8;
inline constexpr uint32_t kFrameSize = 512;  // the default frame (TProgram::frame_size)
inline constexpr uint64_t kDefaultBudget = 10'000'000;
// callx: register values below this are helper ids (the conformance suite's
// `call %r2` with r2 = 5); everything else must be a function address.
inline constexpr uint64_t kMaxHelperId = 1u << 16;

struct TProgram {
  std::vector<TInsn> code;             // one per instruction, then a BAD_JUMP sentinel
  std::vector<int32_t> slot_to_index;  // slot -> index into code, -1 for non-starts (gotox)
  Program prog;                        // the source, for error locations
  ProgramEnv env;
  bool checked = true;                 // built by compile_checked
  bool zero_stack = false;             // VerifiedProgram::zero_stack: reads stack it may not have written
  uint32_t frame_size = kFrameSize;    // VerifiedProgram::frame_size: each call frame's bytes
  uint64_t arena_base = 0;             // user_vm_start of the program's arena, 0 when none

  // Run control (docs/runtime-control.md): every instruction that may close
  // a loop (a jump whose target is not after it, gotox) runs its plain
  // handler, which reads no stop word, except while a run of this code has
  // a stop pending: then it runs its backward twin, which does (hold_checks).
  // The handler pointers are read and swapped with relaxed atomic accesses,
  // as other threads may be running the code meanwhile.
  struct BackEdge {
    uint32_t index;     // into code
    const void* plain;  // the handler translation chose
    const void* check;  // its twin, reading the stop word on the taken branch
  };
  std::vector<BackEdge> back_edges;
  mutable std::mutex stop_mu;          // guards stops_pending and the swap
  mutable uint32_t stops_pending = 0;  // runs that made this code check and have not ended

  bool contains(uint64_t addr) const {
    const auto lo = reinterpret_cast<uint64_t>(code.data());
    const uint64_t n = code.size() - 1;  // not the sentinel
    return addr >= lo && addr < lo + n * sizeof(TInsn) && (addr - lo) % sizeof(TInsn) == 0;
  }
};

struct Frame {
  const TInsn* ret = nullptr;
  uint64_t saved[4] = {};  // caller's r6..r9 (r10 follows from the depth)
  uint64_t may_goto = 0;     // caller's remaining may_goto count
  uint64_t may_goto_ts = 0;  // and the start of its time slice (timed_loop_refill)
};

struct RunState {
  const TProgram* prog = nullptr;
  RunContext* rc = nullptr;
  uint64_t budget = 0;          // checked mode: instructions left
  uint32_t depth = 0;           // frames in use; the current frame is depth - 1
  Frame frames[kMaxFrames];
  const std::vector<MemRegion>* request = nullptr;  // RunRequest::regions
  CheckedMapMemory map_memory;                      // the maps' storage, collected on first need
  // Non-zero (a StopReason) once the run is to stop: attached to
  // RunRequest::control, read at every backward jump and gotox.
  StopWord stop{0};
  // With a control attached: the code the run executes (published at entry
  // and at every switch_program), read by a stop to make it check
  // (enter_code, stop_hook), and the codes made to check for this run,
  // given back when it ends (release_checks). `patched` is guarded by patch_mu.
  std::atomic<const TProgram*> running{nullptr};
  std::mutex patch_mu;
  std::vector<const TProgram*> patched;
  std::optional<Error> error;
  // stackargs: the function in frame d stores its outgoing arguments in
  // stack_args[d + 1] and reads its incoming ones from stack_args[d] (what
  // its caller stored). Level 0 is never written and reads as zero (the
  // run state is value-initialised); verified programs never read it.
  uint64_t stack_args[kMaxFrames + 1][kMaxStackArgs];
  // Bytes of each call frame (TProgram::frame_size of the program the state
  // was made for): frames larger than kFrameSize extend `stack` into the
  // bytes allocated after the object (new_run_state), so it stays last.
  uint32_t frame_size = kFrameSize;
  // Last: with guard pages on, the frames' top lies against one (run.cpp).
  alignas(16) uint8_t stack[kMaxFrames * kFrameSize];

  uint64_t stack_top() const { return reinterpret_cast<uint64_t>(stack) + uint64_t{kMaxFrames} * frame_size; }
  // r10 of frame d (0 = outermost).
  uint64_t frame_pointer(uint32_t d) const { return stack_top() - uint64_t{d} * frame_size; }
};

// A stop (StopWord) takes effect unless the run holds a bpf_spin_lock: a
// critical section is never cut in half, so what it updates stays
// consistent; the stop takes effect at the first check after the unlock.
// Out of line and cold: the loop's check stays a load, a test and a branch.
[[gnu::cold, gnu::noinline]] bool stop_now(const RunState& st);

// Records an error at an instruction (with its source line when known). Returns false.
bool fail(RunState& st, ErrorCode code, const TInsn* at, std::string message);
// Adopts RunContext::fault (a helper or callback gave up) as the run's error.
bool adopt_fault(RunState& st, const TInsn* at);
// The instruction's conformance-suite mnemonic, for messages.
std::string insn_name(const RunState& st, const TInsn* at);

// Checked mode: whether [addr, addr+size) lies inside the live stack frames,
// a request region or a map's storage (refreshing map storage once on a miss).
bool mem_ok_slow(RunState& st, uint64_t addr, uint64_t size, bool write);
inline bool mem_ok(RunState& st, uint64_t addr, uint64_t size, bool write) {
  const uint64_t lo = st.frame_pointer(st.depth);  // bottom of the deepest live frame
  const uint64_t hi = st.stack_top();
  if (addr >= lo && addr <= hi && size <= hi - addr) return true;
  return mem_ok_slow(st, addr, size, write);
}
// "8-byte write at 0x..." for error messages.
std::string describe_access(uint64_t addr, uint64_t size, bool write);

// Checked mode: the arguments a helper or kfunc prototype promises are
// pointers are checked against the same regions before the call.
// bpf_spin_lock / bpf_spin_unlock are carried out here in checked mode
// (bounded acquisition, one lock at a time, released when the run ends), so
// an unverified program cannot hang the host on a lock word it corrupted.
enum class CallCheck : uint8_t { Fail, Call, Done };
CallCheck check_call_args(RunState& st, const FuncProto& proto, uint64_t* regs, const TInsn* at);
// bpf_tail_call (the chain's count is st.rc->tail_calls).
//  - Fallthrough: no target, or the chain made kMaxTailCalls; the kernel
//    continues with the next instruction.
//  - InPlace (only when `top`: the call is in the outermost frame of this
//    exec, so the target gets every call frame a fresh run would): the
//    target is threaded code of the same mode and is now st.prog; the caller
//    runs it from its first instruction in the current frame, as the
//    kernel's tail call reuses the frame: no host stack grows.
//  - Ran: it ran nested in the chain (another engine or mode, or a call
//    from a subprogram); *r0 is its result. Each nesting is one run on the
//    host stack, at most kMaxTailCalls deep.
//  - Failed: st.error is set.
enum class TailCallResult : uint8_t { Fallthrough, InPlace, Ran, Failed };
TailCallResult tail_call(RunState& st, const uint64_t* regs, const TInsn* at, uint64_t* r0, bool top);
// Makes `prog` the running program: after a tail call in place, and back
// when a callback that made one returns.
void switch_program(RunState& st, const TProgram* prog);
// callx / callback targets: a function address made by ld_imm64 src=4.
const TInsn* code_target(const RunState& st, uint64_t value);

// ---- Making shared code check for a stop (docs/runtime-control.md) ----
// Makes tp's back-edges run their checking twins until the run `st` ends
// (once per run and code; a count per code keeps them while any run needs them).
void hold_checks(RunState& st, const TProgram& tp);
// Publishes tp as the code st executes (seq_cst), then re-reads the run's
// stop word (seq_cst): a stop that read the previous code is seen here and
// the run makes tp check itself. Only for runs with a control attached.
void enter_code(RunState& st, const TProgram& tp);
// The RunControl hook of an interpreter run (arg = its RunState), called by
// a stop after it wrote the run's word (seq_cst), under the control's lock
// while the word is attached: makes the code the run executes check.
void stop_hook(void* st);
// After the run's word is detached: the codes it made check are given back;
// the last run to give a code back restores its plain handlers.
void release_checks(RunState& st);
// Tests: how many of tp's back-edges run their checking twin now.
size_t checking_back_edges(const TProgram& tp);

// A loop's handler addresses. labels: one per Kind. back: for every kind
// that may jump (conditional jumps, ja, their forwarded variants, the
// superinstructions ending in a branch, gotox), its backward twin: the same
// operation whose taken branch also reads the stop word. The translator
// records the twin of every jump whose target is not after it, and of every
// gotox, in TProgram::back_edges; a stop swaps them in (hold_checks), so
// loops stop and, until then, no jump tests anything (exec_loop.hpp).
struct BackHandler {
  Kind kind;
  const void* label;
};
struct Handlers {
  const void* const* labels = nullptr;
  const BackHandler* back = nullptr;
  size_t back_count = 0;
};

// Runs from `start` in a frame the caller has pushed (st.depth >= 1) with
// r1..r5 = args; returns false with st.error set on a fault. With st == nullptr
// it only stores its handler addresses in *handlers.
// Each mode's loop is its own translation unit (exec_checked.cpp,
// exec_verified.cpp).
template <bool Checked>
bool exec(RunState* st, const TInsn* start, const uint64_t* args, uint64_t* r0, Handlers* handlers);
template <>
bool exec<true>(RunState* st, const TInsn* start, const uint64_t* args, uint64_t* r0, Handlers* handlers);
template <>
bool exec<false>(RunState* st, const TInsn* start, const uint64_t* args, uint64_t* r0, Handlers* handlers);

// The RunContext::invoke_callback of this engine (engine = RunState*).
bool invoke_callback(void* engine, uint64_t target, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                     uint64_t r5, uint64_t* r0);

// Runs a translated program from its first instruction with the request's
// r1/r2 and regions, `repeat` times (Executable::run_repeat; at least
// once); installs a RunContext unless `rc` is given (a tail call of another
// mode or engine keeps the chain's context).
// `budget` (checked mode) is the chain's remaining budget for tail calls; nullptr
// starts from the request's.
Result<uint64_t> run_program(const TProgram& prog, const RunRequest& req, RunContext* rc, uint64_t* budget,
                             uint64_t repeat = 1);
// Executable::HitEntry::run: `prog` is the TProgram.
void hit_program(const void* prog, uint64_t r1);

// Program -> threaded form. `safe` (indexed like prog.insns, may be empty)
// marks accesses the verifier proved in bounds.
Result<std::unique_ptr<TProgram>> translate(Program prog, ProgramEnv env, bool checked,
                                            const std::vector<bool>& safe);

// Verified programs: turns runs of instructions (fusion.def) whose later parts
// are reached only by falling through into superinstructions (fuse.cpp). Runs
// before handler addresses are assigned; returns the number of runs fused.
size_t fuse(TProgram& tp);

// Verified programs: marks the operand reads that take the value the
// previous instruction left in `last` (forward.cpp) and points their rd / rs
// at the sink slot. Runs before fuse(); returns the number of forwarded reads.
size_t forward(TProgram& tp);
// After fuse(): plain instructions with a forwarded read take the variant
// kind that reads it from `last` (forward.def); superinstructions' parts
// read by their flags.
void use_variants(TProgram& tp);
// The kind a forwarded variant stands for (any other kind: itself).
Kind plain_kind(Kind k);

// The threaded code of an interpreter Executable; nullptr for another engine's.
const TProgram* threaded_code(const Executable& e);

}  // namespace decade::interp::detail
