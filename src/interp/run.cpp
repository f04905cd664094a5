// SPDX-License-Identifier: Apache-2.0
// Running threaded code: the per-run state and RunContext, callbacks into
// the program (bpf_loop, for_each_map_elem), tail calls and error values.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

#include "interp/threaded.hpp"
#include "runtime/exception.hpp"
#include "runtime/guarded_memory.hpp"

namespace decade::interp::detail {

bool fail(RunState& st, ErrorCode code, const TInsn* at, std::string message) {
  Error e{code, at ? int64_t{at->pc} : -1, std::move(message), {}, {}};
  if (at && st.prog) {
    if (const LineInfo* li = st.prog->prog.line_for(at->pc)) e.where = {li->file, li->line, li->column, li->text};
  }
  st.error = std::move(e);
  return false;
}

bool stop_now(const RunState& st) { return !st.rc->held.holds_lock(); }

bool adopt_fault(RunState& st, const TInsn* at) {
  Error e = *st.rc->fault;
  if (e.insn < 0) return fail(st, e.code, at, std::move(e.message));
  st.error = std::move(e);  // raised inside a callback: already names its instruction
  return false;
}

std::string insn_name(const RunState& st, const TInsn* at) {
  const Insn* in = st.prog->prog.at_pc(at->pc);
  if (!in) return fmt::format("instruction {}", at->pc);
  const Shape s = in->info().shape;
  if (s == Shape::CallHelper || s == Shape::CallKfunc) return fmt::format("{} {}", in->info().classic, in->imm);
  return std::string(in->info().classic);
}

const TInsn* code_target(const RunState& st, uint64_t value) {
  return st.prog->contains(value) ? reinterpret_cast<const TInsn*>(value) : nullptr;
}

namespace {

// The handlers of tp's back-edges: the twins while a stop is pending, else
// the plain ones. Relaxed atomic stores: the loop reads them with relaxed
// loads (exec_loop.hpp, DISPATCH) on other threads meanwhile. The code is
// const for the runs; its TInsns live in a vector, not in const memory.
void set_back_edges(const TProgram& tp, bool check) {
  for (const TProgram::BackEdge& b : tp.back_edges)
    __atomic_store_n(const_cast<const void**>(&tp.code[b.index].h), check ? b.check : b.plain, __ATOMIC_RELAXED);
}

}  // namespace

void hold_checks(RunState& st, const TProgram& tp) {
  std::lock_guard lock(st.patch_mu);
  if (std::find(st.patched.begin(), st.patched.end(), &tp) != st.patched.end()) return;
  st.patched.push_back(&tp);
  std::lock_guard code_lock(tp.stop_mu);
  if (tp.stops_pending++ == 0) set_back_edges(tp, true);
}

// Dekker's pattern with stop_hook: the run writes `running`, then reads its
// word; a stop writes the word, then reads `running` (all seq_cst). So
// either the stop reads this code and makes it check, or the run reads the
// stop here and does it itself; perhaps both (hold_checks counts once).
void enter_code(RunState& st, const TProgram& tp) {
  st.running.store(&tp, std::memory_order_seq_cst);
  if (st.stop.load(std::memory_order_seq_cst)) [[unlikely]]
    hold_checks(st, tp);
}

void stop_hook(void* arg) {
  RunState& st = *static_cast<RunState*>(arg);
  if (const TProgram* tp = st.running.load(std::memory_order_seq_cst)) hold_checks(st, *tp);
}

// No stop_hook runs any more (the word is detached, under the control's
// lock), so the list is this thread's alone. The codes are alive: the entry
// program's executable outlives the run, and a prog_array keeps every
// program it ever held as long as the map lives.
void release_checks(RunState& st) {
  st.running.store(nullptr, std::memory_order_relaxed);
  if (st.patched.empty()) [[likely]]
    return;
  for (const TProgram* tp : st.patched) {
    std::lock_guard code_lock(tp->stop_mu);
    if (--tp->stops_pending == 0) set_back_edges(*tp, false);
  }
  st.patched.clear();
}

size_t checking_back_edges(const TProgram& tp) {
  size_t n = 0;
  for (const TProgram::BackEdge& b : tp.back_edges)
    n += __atomic_load_n(&tp.code[b.index].h, __ATOMIC_RELAXED) == b.check;
  return n;
}

void switch_program(RunState& st, const TProgram* prog) {
  st.prog = prog;
  st.map_memory.reset();  // checked mode collects the running program's maps
  st.rc->platform = prog->env.platform;
  st.rc->executable = prog->env.self;
  if (st.rc->control) enter_code(st, *prog);
}

TailCallResult tail_call(RunState& st, const uint64_t* regs, const TInsn* at, uint64_t* r0, bool top) {
  Map* map = reinterpret_cast<Map*>(regs[2]);
  if (st.prog->checked && !checked_map_arg(st.prog->env.maps, regs[2])) {
    fail(st, ErrorCode::ExecBadCall, at, "bpf_tail_call: r2 is not one of the program's maps");
    return TailCallResult::Failed;
  }
  // The index is a u32, as in the kernel (its JITs and interpreter
  // compare only the low 32 bits): 0x100000000 is slot 0.
  const ProgramHandle* h = tail_call_target(map, static_cast<uint32_t>(regs[3]));
  if (!h || st.rc->tail_calls >= kMaxTailCalls) return TailCallResult::Fallthrough;
  ++st.rc->tail_calls;
  const TProgram* target = threaded_code(*h->executable);
  // In place when the target's frames are the size of this run's (a
  // host-raised stack size can make them differ); otherwise as a nested run.
  if (top && target && target->checked == st.prog->checked && target->frame_size == st.frame_size) {
    switch_program(st, target);
    // Checked programs, and verified ones that may read stack they never
    // wrote (VerifiedProgram::zero_stack), read zeros there, as a fresh run would.
    if (target->checked || target->zero_stack)
      std::memset(reinterpret_cast<void*>(st.frame_pointer(st.depth - 1) - st.frame_size), 0, st.frame_size);
    return TailCallResult::InPlace;
  }
  RunRequest req;
  req.r1 = regs[1];
  if (st.request) req.regions = *st.request;
  req.insn_budget = st.budget;
  Result<uint64_t> r = target ? run_program(*target, req, st.rc, &st.budget) : h->executable->run_chained(req, *st.rc);
  if (!r) {
    st.error = r.error();
    if (st.error->insn < 0) st.error->insn = at->pc;
    return TailCallResult::Failed;
  }
  *r0 = *r;
  return TailCallResult::Ran;
}

bool invoke_callback(void* engine, uint64_t target, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                     uint64_t r5, uint64_t* r0) {
  RunState& st = *static_cast<RunState*>(engine);
  const TInsn* start = code_target(st, target);
  if (!start) {
    raise_fault(ErrorCode::ExecBadCall, fmt::format("callback {:#x} is not a function of the program", target));
    return false;
  }
  if (st.depth >= kMaxFrames) {
    raise_fault(ErrorCode::ExecCallDepth, "callback exceeds 8 nested call frames");
    return false;
  }
  const uint32_t saved = st.depth;
  const TProgram* prog = st.prog;  // a tail call inside the callback may switch programs
  st.frames[st.depth].ret = nullptr;
  ++st.depth;
  const uint64_t args[5] = {r1, r2, r3, r4, r5};
  const bool ok = prog->checked ? exec<true>(&st, start, args, r0, nullptr) : exec<false>(&st, start, args, r0, nullptr);
  st.depth = saved;
  if (st.prog != prog) switch_program(st, prog);
  if (!ok) {
    if (!st.rc->fault) st.rc->fault = *st.error;
    return false;
  }
  return true;
}

namespace {

struct RunStateDeleter {
  bool guarded = false;
  size_t extra = 0;  // bytes after the object (frames above kFrameSize)
  void operator()(RunState* st) const {
    if (!guarded && extra == 0) {
      delete st;
      return;
    }
    st->~RunState();
    if (guarded) guarded_free(st, sizeof(RunState) + extra);
    else ::operator delete(st, std::align_val_t{alignof(RunState)});
  }
};
using RunStatePtr = std::unique_ptr<RunState, RunStateDeleter>;

// The run's state. With guard_pages() on (the fuzzers, the soundness
// tests), it ends flush against a PROT_NONE page: `stack` is its last member
// and ends the object, so an access above the outermost frame's r10 faults
// at once instead of reading the heap behind it. Frames larger than
// kFrameSize (a host-raised stack size) continue `stack` into bytes
// allocated after the object, zeroed as the object is.
RunStatePtr new_run_state(uint32_t frame_size) {
  const size_t extra = size_t{kMaxFrames} * (frame_size - kFrameSize);
  if (guard_pages()) {
    if (void* p = guarded_alloc(sizeof(RunState) + extra)) {
      RunStatePtr st(new (p) RunState(), RunStateDeleter{true, extra});
      st->frame_size = frame_size;
      return st;
    }
  }
  if (extra == 0) return RunStatePtr(new RunState(), RunStateDeleter{false, 0});
  void* p = ::operator new(sizeof(RunState) + extra, std::align_val_t{alignof(RunState)});
  RunStatePtr st(new (p) RunState(), RunStateDeleter{false, extra});
  std::memset(st->stack + sizeof(st->stack), 0, extra);
  st->frame_size = frame_size;
  return st;
}

// The thread's RunState, reused by every outermost run of the thread: a
// RunState is 5 KiB, and allocating and zeroing one was most of the cost of
// entering a short program. A run nested in another on the same thread (a
// tail call of another mode, a program a helper runs) finds it busy and
// takes a fresh one. Plain pointers with constant initialisation: the run
// entry pays no TLS initialisation call; the owner is touched once.
struct ThreadRunState {
  RunStatePtr st;  // made by the first run; made again when guard pages or the frame size change
  RunContext rc;   // the outermost run's context, reset field by field (reset_context)
  bool busy = false;
  ~ThreadRunState();
};
constinit thread_local ThreadRunState* t_state = nullptr;
constinit thread_local bool t_state_gone = false;  // a run from a later destructor of the thread

ThreadRunState::~ThreadRunState() {
  t_state = nullptr;
  t_state_gone = true;
}

[[gnu::noinline]] ThreadRunState* make_thread_state() {
  if (t_state_gone) return nullptr;
  thread_local ThreadRunState owner;
  t_state = &owner;
  return &owner;
}

// A reused RunState made ready for a run of `prog`: what a run reads
// before writing it is reset, and the stack (with the stack arguments) is
// zeroed where the program may read what it never wrote, as in a fresh
// value-initialised state: checked programs (the whole of it) and verified
// zero_stack ones (the frames).
void zero_run_stack(RunState& st, const TProgram& prog) {
  // Every frame's bytes: `stack` and, for frames above kFrameSize, what follows it.
  const size_t frames = size_t{kMaxFrames} * st.frame_size;
  if (prog.checked) {
    std::memset(st.stack_args, 0, sizeof(st.stack_args));
    std::memset(st.stack, 0, frames);
  } else if (prog.zero_stack) {
    std::memset(st.stack, 0, frames);
  }
}

void reset_run_state(RunState& st, const TProgram& prog) {
  st.depth = 0;
  st.map_memory.reset();
  st.stop.store(0, std::memory_order_relaxed);
  st.error.reset();
  zero_run_stack(st, prog);
}

// Run 2, 3, ... of a repeat (run_loop): the state as run_program leaves it
// for a run's start. The run before ended cleanly, perhaps in a program it
// tail-called in place.
void reset_for_next_run(RunState& st, const TProgram& prog, const RunRequest& req) {
  if (st.prog != &prog) switch_program(st, &prog);
  st.map_memory.reset();  // a map's storage may have moved (a hash map grew)
  st.budget = req.insn_budget ? req.insn_budget : kDefaultBudget;
  st.rc->tail_calls = 0;
  st.depth = 1;
  zero_run_stack(st, prog);
  if (req.between_runs) req.between_runs(req.between_arg);
}

// A reused context made ready for an outermost run: as a fresh one, but
// for what the last run left to reuse (callback key buffers) and nothing
// it held (every run ends with release_run_resources).
void reset_context(RunContext& rc) {
  rc.tail_calls = 0;
  rc.trace = nullptr;
  rc.fault.reset();
  rc.thrown.reset();
  rc.callback_depth = 0;
}

// The end of a run that bpf_throw unwound (runtime/exception.hpp): what the
// run holds is released, then the running program's exception callback (a
// tail call in place may have switched programs) runs on a fresh outermost
// frame with r1 = cookie; its r0, or the cookie without one, is the result.
bool catch_exception(RunState& st, uint64_t cookie, uint64_t* r0) {
  st.error.reset();
  release_run_resources(*st.rc);
  const TProgram& prog = *st.prog;
  if (prog.prog.exception_cb < 0) {
    *r0 = cookie;
    return true;
  }
  st.depth = 1;
  // Checked programs, and verified ones that may read stack they never
  // wrote, read zeros there, as in a fresh run.
  if (prog.checked || prog.zero_stack) std::memset(reinterpret_cast<void*>(st.frame_pointer(1)), 0, st.frame_size);
  const TInsn* start = &prog.code[static_cast<size_t>(prog.slot_to_index[static_cast<size_t>(prog.prog.exception_cb)])];
  const uint64_t args[5] = {cookie, 0, 0, 0, 0};
  const bool ok = prog.checked ? exec<true>(&st, start, args, r0, nullptr) : exec<false>(&st, start, args, r0, nullptr);
  if (st.rc->thrown) {
    finish_exception_callback(*st.rc);
    st.error->message = st.rc->fault->message;
  }
  return ok;
}

// The runs of one entry (run_program): `repeat` of them (1 but for a
// repeated test run), each ended as a run ends (a bpf_throw caught, what
// the outermost run holds given back), stopping after the first that
// failed or, unverified, exited holding its bpf_spin_lock (`held_lock`).
// Returns whether the last one succeeded.
bool run_loop(RunState& st, const TProgram& prog, const RunRequest& req, bool outermost, uint64_t repeat,
              uint64_t* r0, bool& held_lock) {
  RunContext& rc = *st.rc;
  const uint64_t args[5] = {req.r1, req.r2, req.r3, 0, 0};
  // A callback run (RunRequest::callback) enters at its function.
  const TInsn* entry = req.callback ? code_target(st, req.callback) : prog.code.data();
  if (!entry) return fail(st, ErrorCode::ExecBadCall, prog.code.data(), "the callback is not a function of the program");
  for (uint64_t i = 1;; ++i) {
    bool ok = prog.checked ? exec<true>(&st, entry, args, r0, nullptr) : exec<false>(&st, entry, args, r0, nullptr);
    if (!ok)
      if (const auto cookie = take_exception(rc)) ok = catch_exception(st, *cookie, r0);
    // A checked program may end holding its bpf_spin_lock (a verified one
    // cannot): released with the rest, and an error when the run succeeded.
    if (outermost) {
      held_lock = rc.held.holds_lock();
      release_run_resources(rc);  // before st, whose stack iterators live on, is reused
    }
    if (i >= repeat || !ok || held_lock) return ok;
    // Code without loops never reads the stop word: a stop between runs
    // ends the repeat before the next one, at its first instruction.
    if (const uint32_t why = st.stop.load(std::memory_order_relaxed)) [[unlikely]]
      return fail(st, stop_error_code(why), prog.code.data(), stop_message(why));
    reset_for_next_run(st, prog, req);
  }
}

}  // namespace

Result<uint64_t> run_program(const TProgram& prog, const RunRequest& req, RunContext* rc, uint64_t* budget,
                             uint64_t repeat) {
  // A fresh state only when the thread's own is taken (a nested run).
  ThreadRunState* ts = t_state;
  if (!ts) [[unlikely]] ts = make_thread_state();
  RunStatePtr fresh;
  RunState* st;
  if (ts && !ts->busy) [[likely]] {
    // Made at the thread's first run, or for other frames or guard pages.
    if (!ts->st || ts->st.get_deleter().guarded != guard_pages() || ts->st->frame_size != prog.frame_size)
        [[unlikely]]
      ts->st = new_run_state(prog.frame_size);
    st = ts->st.get();
    reset_run_state(*st, prog);
    ts->busy = true;
  } else {
    fresh = new_run_state(prog.frame_size);
    st = fresh.get();
  }
  struct Lease {  // the thread's state is free again however the run ends
    ThreadRunState* ts;
    ~Lease() {
      if (ts) ts->busy = false;
    }
  } lease{fresh ? nullptr : ts};
  st->prog = &prog;
  st->request = &req.regions;
  st->budget = budget ? *budget : (req.insn_budget ? req.insn_budget : kDefaultBudget);
  std::optional<RunContext> local;  // an outermost run's context when the thread's is taken
  std::optional<RunScope> scope;
  const bool nested = rc != nullptr;  // a tail call: keep the chain's context, restore its engine after
  void* outer_engine = nested ? rc->engine : nullptr;
  InvokeCallbackFn outer_invoke = nested ? rc->invoke_callback : nullptr;
  const Platform* outer_platform = nested ? rc->platform : nullptr;
  Executable* outer_executable = nested ? rc->executable : nullptr;
  if (!nested) {
    if (fresh) {
      rc = &local.emplace();
    } else {
      rc = &ts->rc;  // leased with ts->st
      reset_context(*rc);
    }
    rc->ctx = req.callback ? 0 : req.r1;
    // A run started inside another on this thread (by a helper, a probe
    // hit in a function a helper calls) is part of it: the enclosing run's
    // stop ends it too, unless its request brings a control of its own.
    const RunContext* enclosing = current_run_context();
    rc->control = req.control ? req.control : enclosing ? enclosing->control : nullptr;
    scope.emplace(*rc);
  }
  rc->engine = st;
  rc->invoke_callback = &invoke_callback;
  rc->platform = prog.env.platform;
  rc->executable = prog.env.self;
  st->rc = rc;
  st->depth = 1;
  // A stoppable run publishes its code before it attaches (a stop after
  // the attach reads it, under the control's lock) and reads its word after
  // (a stop before the attach wrote it there): either way the code checks.
  if (rc->control) {
    st->running.store(&prog, std::memory_order_relaxed);
    rc->control->attach(&st->stop, nullptr, &stop_hook, st);
    if (st->stop.load(std::memory_order_relaxed)) [[unlikely]]
      hold_checks(*st, prog);
  }
  uint64_t r0 = 0;
  bool held_lock = false;
  const bool ok = run_loop(*st, prog, req, !nested, repeat, &r0, held_lock);
  if (rc->control) {
    rc->control->detach(&st->stop);
    release_checks(*st);
  }
  if (nested) {
    rc->engine = outer_engine;
    rc->invoke_callback = outer_invoke;
    rc->platform = outer_platform;
    rc->executable = outer_executable;
  }
  if (budget) *budget = st->budget;
  if (held_lock && ok) {
    Error e{ErrorCode::ExecHelperFault, -1, "the program exited holding a bpf_spin_lock", {}, {}};
    return std::unexpected(std::move(e));
  }
  if (!ok) return std::unexpected(std::move(*st->error));
  return r0;
}

void hit_program(const void* prog, uint64_t r1) {
  RunRequest req;
  req.r1 = r1;
  (void)run_program(*static_cast<const TProgram*>(prog), req, nullptr, nullptr, 1);
}

}  // namespace decade::interp::detail
