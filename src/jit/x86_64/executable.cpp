// SPDX-License-Identifier: Apache-2.0
#include "jit/x86_64/executable.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <new>
#include <memory>
#include <string>

#include "isa/semantics.hpp"
#include "jit/x86_64/glue.hpp"
#include "jit/x86_64/interrupt.hpp"
#include "runtime/cpu.hpp"
#include "runtime/exception.hpp"
#include "runtime/guarded_memory.hpp"

namespace decade::jit::x64 {

namespace {

std::string fault_message(ErrorCode code) {
  if (code == ErrorCode::ExecOutOfBounds) return "memory access out of bounds";
  if (code == ErrorCode::ExecBudgetExhausted) return "instruction budget exhausted";
  if (code == ErrorCode::ExecBadCall) return "call to an unknown helper, kfunc or function";
  if (code == ErrorCode::ExecCallDepth) return "too many nested calls (8 frames)";
  if (code == ErrorCode::ExecBadJump) return "jump outside the function";
  if (code == ErrorCode::ExecUnsupported) return "instruction not supported in user space";
  if (code == ErrorCode::ExecCancelled || code == ErrorCode::ExecTimeout)
    return stop_message(static_cast<uint32_t>(code == ErrorCode::ExecTimeout ? StopReason::Timeout : StopReason::Cancelled));
  return std::string(error_code_name(code));
}

}  // namespace

uint64_t JitCode::next_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

uint64_t JitCode::func_entry(uint64_t value) const {
  const uint64_t table = mem.base() + layout.func_table;
  const uint64_t n = layout.func_start.size();
  if (value < table || value - table >= 8 * n || (value - table) % 8 != 0) return 0;
  return *reinterpret_cast<const uint64_t*>(value);
}

uint64_t JitCode::function_at(uint32_t slot) const {
  for (size_t i = 0; i < layout.func_start.size(); ++i)
    if (layout.func_start[i] == slot) return func_entry(mem.base() + layout.func_table + 8 * i);
  return 0;
}

int32_t JitCode::slot_at(uint64_t addr) const {
  if (addr < mem.base() || addr - mem.base() >= mem.size()) return -1;
  return pc_map.lookup(static_cast<uint32_t>(addr - mem.base()));
}

Error JitCode::located(Error e) const {
  if (e.insn >= 0 && e.where.file.empty())
    if (const LineInfo* li = prog().line_for(static_cast<uint32_t>(e.insn))) e.where = {li->file, li->line, li->column, li->text};
  return e;
}

Error JitCode::error_at(ErrorCode code, uint64_t native) const {
  const int32_t slot = slot_at(native);
  return located(Error{code, slot, fault_message(code), {}, {}});
}

namespace {

// The largest of the request's plain regions becomes the primary one,
// checked inline by emitted code (see JitHot::prim_lim). Strided regions
// (only part of each element accessible) stay with the slow path.
void set_primary_region(JitHot& h, std::span<const MemRegion> regions) {
  const MemRegion* best = nullptr;
  for (const MemRegion& r : regions)
    if (r.stride == 0 && (!best || r.size > best->size)) best = &r;
  if (!best) return;
  h.prim_base = best->start;
  for (unsigned lg = 0; lg < 4; ++lg) {
    const uint64_t size = uint64_t{1} << lg;
    const uint64_t lim = best->size >= size ? best->size - size + 1 : 0;
    h.prim_lim[lg] = lim;
    h.prim_lim[4 + lg] = best->writable ? lim : 0;
  }
}

// Per-thread state reused by every outermost run of the thread, so a run
// neither builds a 4 KiB JitState nor a RunContext from scratch. A run
// nested inside another on the same thread (a tail call, a program a helper
// runs) finds it busy and uses fresh state on the native stack.
struct ThreadSlot {
  // With guard_pages() on (the fuzzers, the soundness tests), the state sits
  // in a guarded mapping with its stack, JitState's last member, flush
  // against a PROT_NONE page: a program escaping the outermost frame faults.
  bool guarded = false;
  JitState* st = make_state(guarded);
  RunContext rc;
  bool busy = false;
  // The JitCode::id whose probe hits `st` and `rc` are prepared for
  // (hit_code), 0 for none: every field a hit of it reads that does not
  // change from hit to hit holds its value, the rest are as a clean run
  // leaves them. Any other run of the thread clears it.
  uint64_t hit_ready = 0;

  ThreadSlot() = default;
  ~ThreadSlot();
  ThreadSlot(const ThreadSlot&) = delete;
  ThreadSlot& operator=(const ThreadSlot&) = delete;
  void free_state() {
    if (!guarded) {
      delete st;
      return;
    }
    st->~JitState();
    guarded_free(st, sizeof(JitState));
  }

  static JitState* make_state(bool& guarded) {
    static_assert(offsetof(JitState, stack) + sizeof(JitState::stack) == sizeof(JitState));
    if (guard_pages())
      if (void* p = guarded_alloc(sizeof(JitState))) {
        guarded = true;
        return new (p) JitState();
      }
    return new JitState();
  }
};

// The thread's slot. A plain pointer with constant initialisation, so the
// run entry reaches it without the TLS initialisation call an object with
// a constructor costs on every access; the owner below is touched once.
// After the thread's destructors ran it (a run from a later destructor of
// the thread), runs use fresh state.
constinit thread_local ThreadSlot* t_slot = nullptr;
constinit thread_local bool t_slot_gone = false;

ThreadSlot::~ThreadSlot() {
  t_slot = nullptr;
  t_slot_gone = true;
  free_state();
}

[[gnu::noinline]] ThreadSlot* make_thread_slot() {
  if (t_slot_gone) return nullptr;
  thread_local ThreadSlot slot;
  t_slot = &slot;
  return &slot;
}

// The stack a zero_stack program may read: in each frame its functions can
// occupy (a call chain holds each function at most once: no recursion), the
// deepest any of them reaches. A one-function program that reads 8 bytes
// zeroes 8 bytes, not the whole 4 KiB.
void zero_frames(uint64_t stack_top, const VerifiedProgram& vp, uint32_t frame_size) {
  uint32_t deepest = 0;
  for (const uint32_t d : vp.stack_depth()) deepest = std::max(deepest, d);
  deepest = std::min<uint32_t>((deepest + 7) / 8 * 8, frame_size);
  const size_t frames = std::min<size_t>(std::max<size_t>(vp.stack_depth().size(), 1), kMaxFrames);
  for (size_t f = 0; f < frames; ++f) std::memset(reinterpret_cast<void*>(stack_top - f * frame_size - deepest), 0, deepest);
}

// Checked programs, and verified ones the privileged rules let read stack
// they never wrote (VerifiedProgram::zero_stack), read zeros there, as in
// the interpreter; other verified programs cannot, so they skip the cost.
// The test is inline (most programs need neither), the zeroing out of line.
[[gnu::noinline]] void zero_stack_now(JitState& st, const JitCode& code) {
  if (code.checked()) std::memset(st.stack, 0, sizeof(st.stack));
  else zero_frames(st.hot.stack_top, *code.verified, code.frame_size);
}
inline void zero_stack(JitState& st, const JitCode& code) {
  if (code.zero_stack()) [[unlikely]]  // checked programs too
    zero_stack_now(st, code);
}

// Everything of `st` a run reads, reset field by field (no bulk zeroing).
void reset_state(JitState& st, const JitCode& code, const RunRequest& req) {
  JitHot& h = st.hot;
  h.saved_rsp = 0;
  h.cur_r10 = 0;
  h.pending = nullptr;
  h.callx_value = 0;
  h.fault_native = 0;
  h.fault_code = 0;
  h.stop.store(0, std::memory_order_relaxed);
  h.owner = &st;
  const uint64_t base = st.stack_base(code.frame_size);
  h.call_limit = base + 2 * uint64_t{code.frame_size};
  h.stack_top = base + uint64_t{kMaxFrames} * code.frame_size;
  h.budget = req.insn_budget ? req.insn_budget : kDefaultBudget;
  h.prim_base = 0;
  for (uint64_t& l : h.prim_lim) l = 0;
  // Map storage is collected only when an access misses every other region.
  st.request = req.regions;
  set_primary_region(h, st.request);
  st.code = &code;
  st.map_memory.reset();
  zero_stack(st, code);
}

// Run 2, 3, ... of a repeat (run_loop): what the run before may have
// changed and a run reads first, reset as a fresh run's state would be.
// The run before ended cleanly: no fault code, nothing held, no callback.
void reset_for_next_run(JitState& st, RunContext& rc, const JitCode& code, const RunRequest& req) {
  st.hot.budget = req.insn_budget ? req.insn_budget : kDefaultBudget;
  st.map_memory.reset();  // a map's storage may have moved (a hash map grew)
  rc.tail_calls = 0;
  zero_stack(st, code);
  if (req.between_runs) req.between_runs(req.between_arg);
}

void reset_context(RunContext& rc) {
  rc.engine = nullptr;
  rc.invoke_callback = nullptr;
  rc.tail_calls = 0;
  rc.trace = nullptr;
  rc.fault.reset();
  rc.thrown.reset();
  rc.callback_depth = 0;
  rc.platform = nullptr;
  rc.executable = nullptr;
  rc.control = nullptr;
}

// The end of a run that bpf_throw unwound (runtime/exception.hpp): what the
// run holds is released, then the program's exception callback runs on a
// fresh outermost frame with r1 = cookie; its r0, or the cookie without
// one, is the result. Its faults are the run's, reported by the caller.
DECADE_JIT_CALL uint64_t catch_exception(JitState& st, RunContext& rc, const JitCode& code, uint64_t cookie) {
  JitHot& h = st.hot;
  h.fault_code = 0;
  h.fault_native = 0;
  release_run_resources(rc);
  const int32_t cb = code.prog().exception_cb;
  if (cb < 0) return cookie;
  const uint64_t entry = code.function_at(static_cast<uint32_t>(cb));
  if (!entry) {
    rc.fault = Error{ErrorCode::Internal, cb, "jit: the exception callback was not compiled", {}, {}};
    return 0;
  }
  // Checked and zero_stack programs read zeros from stack they never wrote, as in a fresh run.
  if (code.zero_stack()) std::memset(reinterpret_cast<void*>(h.stack_top - code.frame_size), 0, code.frame_size);
  const uint64_t args[6] = {cookie, 0, 0, 0, 0, h.stack_top + code.frame_size};
  const uint64_t r0 = code.trampoline()(&h, entry, args);
  finish_exception_callback(rc);
  return r0;
}

// The error a run that did not end normally reports. Out of line and
// cold: the run entry's own frame stays small.
// The run ended with a fault, or (with neither) holding a bpf_spin_lock.
[[gnu::noinline, gnu::cold]] Result<uint64_t> run_error(const JitHot& h, const RunContext& rc, const JitCode& code) {
  if (rc.fault) {
    Error e = *rc.fault;
    if (e.insn < 0) e.insn = code.slot_at(h.fault_native);
    return std::unexpected(code.located(std::move(e)));
  }
  if (h.fault_code) return std::unexpected(code.error_at(glue::fault_error_code(h), h.fault_native));
  return make_error(ErrorCode::ExecHelperFault, "the program exited holding a bpf_spin_lock");
}

// The runs of one entry (run_in): `repeat` of them (1 but for a repeated
// test run), each ended as a run ends (a bpf_throw caught, what the
// outermost run holds given back), stopping after the first one that
// faulted or, unverified, exited holding its bpf_spin_lock (`held_lock`).
// Inlined into its three callers: a probe hit is one run of it.
[[gnu::always_inline]] DECADE_JIT_CALL inline uint64_t run_loop(JitState& st, RunContext& rc, bool outermost,
                                                                const JitCode& code, const RunRequest& req,
                                                                uint64_t entry, const uint64_t* args,
                                                                uint64_t repeat, bool& held_lock) {
  JitHot& h = st.hot;
  for (uint64_t i = 1;; ++i) {
    uint64_t r0 = code.trampoline()(&h, entry, args);
    if (rc.fault) [[unlikely]]
      if (const auto cookie = take_exception(rc)) r0 = catch_exception(st, rc, code, *cookie);
    // A checked program may end holding its bpf_spin_lock (a verified one
    // cannot): released with the rest, and an error when the run succeeded.
    if (outermost && rc.held.size()) [[unlikely]] {
      held_lock = rc.held.holds_lock();
      release_run_resources(rc);  // while the stack iterators live on is still there
    }
    if (i >= repeat || rc.fault || h.fault_code || held_lock) return r0;
    reset_for_next_run(st, rc, code, req);
  }
}

// Runs that may be stopped: the thread's interruptible run for their span,
// the stop word attached to the control. The scope makes this run the
// thread's innermost before a stop may interrupt it, and ends after the
// detach, when none can any more.
[[gnu::noinline]] DECADE_JIT_CALL uint64_t run_stoppable(JitState& st, RunContext& rc, bool outermost,
                                                         const JitCode& code, const RunRequest& req, uint64_t entry,
                                                         const uint64_t* args, uint64_t repeat, bool& held_lock) {
  InterruptScope interruptible(st);
  rc.control->attach(&st.hot.stop, &interrupt_thread);
  const uint64_t r0 = run_loop(st, rc, outermost, code, req, entry, args, repeat, held_lock);
  rc.control->detach(&st.hot.stop);
  return r0;
}

// `repeat` runs of `code` in `st` under `rc`, entered once. The common
// case (no control, no fault, no throw) makes no call but the CPU slot's
// and the program's.
DECADE_JIT_CALL Result<uint64_t> run_in(JitState& st, RunContext& rc, bool outermost, const JitCode& code,
                                        const RunRequest& req, int64_t flag_off, uint64_t repeat) {
  // A callback run (RunRequest::callback) enters at its function.
  const uint64_t entry = req.callback ? code.func_entry(req.callback) : code.main_entry();
  if (!entry) [[unlikely]]
    return make_error(ErrorCode::ExecBadCall, "the callback is not a function of the program");
  reset_state(st, code, req);
  void* saved_engine = rc.engine;
  InvokeCallbackFn saved_invoke = rc.invoke_callback;
  const Platform* saved_platform = rc.platform;
  Executable* saved_executable = rc.executable;
  rc.engine = &st;
  rc.invoke_callback = &glue::invoke_callback;
  rc.platform = code.env.platform;
  rc.executable = code.env.self;
  if (outermost) {
    rc.ctx = req.callback ? 0 : req.r1;
    // A run started inside another on this thread (by a helper, a probe
    // hit in a function a helper calls) is part of it: the enclosing run's
    // stop ends it too, unless its request brings a control of its own.
    const RunContext* enclosing = current_run_context();
    rc.control = req.control ? req.control : enclosing ? enclosing->control : nullptr;
  }
  RunScope scope(rc);
  st.rc = &rc;
  JitHot& h = st.hot;
  h.fault_flag = reinterpret_cast<const uint8_t*>(&rc.fault) + flag_off;
  h.cpu = scope.cpu();
  const uint64_t args[6] = {req.r1, req.r2, req.r3, 0, 0, h.stack_top + code.frame_size};
  bool held_lock = false;
  const uint64_t r0 = rc.control ? run_stoppable(st, rc, outermost, code, req, entry, args, repeat, held_lock)
                                 : run_loop(st, rc, outermost, code, req, entry, args, repeat, held_lock);
  rc.engine = saved_engine;
  rc.invoke_callback = saved_invoke;
  rc.platform = saved_platform;
  rc.executable = saved_executable;
  if (rc.fault || h.fault_code || held_lock) [[unlikely]]
    return run_error(h, rc, code);
  return r0;
}

}  // namespace

DECADE_JIT_CALL Result<uint64_t> run_code(const JitCode& code, const RunRequest& req, RunContext* chain,
                                          uint64_t repeat) {
  static const int64_t flag_off = glue::fault_flag_offset();
  if (flag_off < 0) return make_error(ErrorCode::Internal, "jit: unsupported std::optional layout");
  ThreadSlot* slot = t_slot;
  if (!slot) [[unlikely]] slot = make_thread_slot();
  if (!chain && slot && !slot->busy) [[likely]] {
    struct Lease {  // released however the run ends
      ThreadSlot& s;
      explicit Lease(ThreadSlot& t) : s(t) { s.busy = true; }
      ~Lease() {
        s.rc.fault.reset();
        s.busy = false;
      }
    } lease(*slot);
    slot->hit_ready = 0;
    reset_context(slot->rc);
    return run_in(*slot->st, slot->rc, true, code, req, flag_off, repeat);
  }
  std::unique_ptr<JitState> st(new JitState);  // default-initialised: no 4 KiB of zeroing
  if (chain) return run_in(*st, *chain, false, code, req, flag_off, repeat);
  RunContext own;
  return run_in(*st, own, true, code, req, flag_off, repeat);
}

namespace {

const RunRequest kHitRequest{};  // what a hit's run is asked: r1 only, passed in args

// A hit the prepared path does not take: the first of its code on this
// thread (which prepares the state for the next ones), a hit inside
// another run of the thread, or one after a hit that did not end cleanly.
[[gnu::noinline]] DECADE_JIT_CALL void hit_slow(const JitCode& code, uint64_t r1) {
  RunRequest req;
  req.r1 = r1;
  const bool ready = run_code(code, req, nullptr, 1).has_value();
  ThreadSlot* slot = t_slot;
  // run_code left the slot's state set up for this code, ready for the next
  // hit, but for what run_in gives back at its end: the context's engine
  // fields, which no run of this slot changes until one clears hit_ready.
  if (ready && slot && !slot->busy && !current_run_context()) {
    slot->hit_ready = code.id;
    slot->rc.engine = slot->st;
    slot->rc.invoke_callback = &glue::invoke_callback;
    slot->rc.platform = code.env.platform;
    slot->rc.executable = code.env.self;
  }
}

}  // namespace

// What a hit of the same code on the same thread repeats of run_code: the
// CPU slot, the context install, the per-run fields, the program (run_in
// and the engine fields of the context stay as hit_slow left them). The rest
// of the state is as the last hit (hit_slow or this) left it, and a hit
// that does not end cleanly (a fault, a throw, anything held) hands the
// cleanup to run_error and unprepares the state.
DECADE_JIT_CALL void hit_code(const void* p, uint64_t r1) {
  const JitCode& code = *static_cast<const JitCode*>(p);
  ThreadSlot* slot = t_slot;
  if (!slot || slot->busy || slot->hit_ready != code.id || current_run_context()) [[unlikely]]
    return hit_slow(code, r1);
  slot->busy = true;
  JitState& st = *slot->st;
  RunContext& rc = slot->rc;
  JitHot& h = st.hot;
  rc.ctx = r1;  // engine, invoke_callback, platform and executable: set by hit_slow
  rc.tail_calls = 0;
  h.budget = kDefaultBudget;
  st.map_memory.reset();
  if (code.zero_stack()) [[unlikely]]
    zero_stack(st, code);
  {
    // What RunScope does for an outermost run (no run is current here),
    // without its optional slot: the CPU slot is taken inline (cpu.hpp)
    // and the context is installed after it and removed before it goes.
    const CpuSlot cpu;
    detail::t_current_run = &rc;
    h.cpu = cpu.cpu();
    const uint64_t args[6] = {r1, 0, 0, 0, 0, h.stack_top + code.frame_size};
    bool held_lock = false;
    (void)run_loop(st, rc, true, code, kHitRequest, code.main_entry(), args, 1, held_lock);
    detail::t_current_run = nullptr;
    if (rc.fault || h.fault_code || held_lock) [[unlikely]] {
      // Nowhere to report it: the next hit starts from scratch.
      slot->hit_ready = 0;
      h.fault_code = 0;
      rc.fault.reset();
    }
  }
  slot->busy = false;
}

}  // namespace decade::jit::x64
