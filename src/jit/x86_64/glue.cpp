// SPDX-License-Identifier: Apache-2.0
#include "jit/x86_64/glue.hpp"

#include <atomic>
#include <cstring>
#include <string>

#include "jit/x86_64/executable.hpp"
#include "runtime/checked_args.hpp"
#include "runtime/map.hpp"
#include "runtime/spin_lock.hpp"

namespace decade::jit::x64::glue {

namespace {

JitState* current_state() {
  RunContext* rc = current_run_context();
  return rc ? static_cast<JitState*>(rc->engine) : nullptr;
}

bool known_map(const JitState& st, uint64_t m) { return checked_map_arg(st.code->env.maps, m); }

bool arg_fault(ErrorCode code, const FuncProto& p, size_t i, const char* what) {
  raise_fault(code, p.name + ": argument " + std::to_string(i + 1) + " " + what);
  return false;
}

// The arguments a prototype declares as pointers must point into memory the
// run may touch; map arguments must be the program's maps (same rules as the
// interpreter's checked mode).
bool check_args(JitState& st, const FuncProto& p, const uint64_t* regs) {
  const uint64_t r10 = st.hot.cur_r10;
  const auto f = check_helper_args(
      p, regs, st.rc->ctx, [&](uint64_t a, uint64_t n, bool w) { return mem_ok(st, a, n, w, r10); },
      [&](uint64_t v) { return known_map(st, v); }, [&](uint64_t v) { return st.code->func_entry(v) != 0; });
  return !f || arg_fault(f->code, p, f->arg, f->what);
}

uint64_t spin_lock_call(JitState& st, const FuncProto& p, uint64_t lock) {
  const auto fault = p.name == "bpf_spin_lock" ? checked_spin_lock(*st.rc, lock) : checked_spin_unlock(*st.rc, lock);
  if (fault) raise_fault(ErrorCode::ExecHelperFault, *fault);
  return 0;
}

// The outgoing stack-argument level of the frame whose r10 is hot.cur_r10
// (set before every call routed through the glue): see Lowerer::stack_arg.
const uint64_t* outgoing_stack_args(const JitState& st) {
  const uint64_t d = (st.hot.stack_top - st.hot.cur_r10) / st.code->frame_size;
  return d < kMaxFrames ? &st.hot.stack_args[(d + 1) * 8] : nullptr;
}

uint64_t checked_call(JitState& st, const FuncProto& p, const uint64_t* regs) {
  if (!check_args(st, p, regs)) return 0;
  if (is_spin_lock_helper(p)) return spin_lock_call(st, p, regs[0]);
  const uint64_t* stack = p.fn_wide ? outgoing_stack_args(st) : nullptr;
  if (p.fn_wide && !stack) {
    raise_fault(ErrorCode::ExecBadCall, p.name + ": no stack arguments in this frame");
    return 0;
  }
  return call_proto_fn(p, regs, stack);
}

}  // namespace

bool mem_ok(JitState& st, uint64_t addr, uint64_t size, bool write, uint64_t r10) {
  const uint64_t lo = r10 - st.code->frame_size, hi = st.hot.stack_top;
  if (addr >= lo && addr <= hi && size <= hi - addr) return true;
  return st.map_memory.allows(st.request, st.code->env.maps, addr, size, write);
}

uint64_t mem_check(JitHot* hot, uint64_t addr, uint64_t size_write, uint64_t ret, uint64_t r10) {
  ErrorCode code = ErrorCode::ExecOutOfBounds;
  if (mem_ok(*hot->owner, addr, size_write & 0xff, (size_write & 0x100) != 0, r10)) {
    // A stop that interrupted this call found the thread outside emitted
    // code (interrupt.hpp); the thunk returns to the loop, so it is taken here.
    if (!hot->stop.load(std::memory_order_relaxed) || !stop_now(hot)) return 1;
    code = ErrorCode::ExecCancelled;  // fault_error_code tells a timeout apart
  }
  hot->fault_code = static_cast<uint32_t>(code);
  hot->fault_native = ret - 1;  // inside the instruction's code
  return 0;
}

uint64_t helper_checked(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  JitState* st = current_state();
  const auto* p = static_cast<const FuncProto*>(st->hot.pending);
  const uint64_t regs[5] = {r1, r2, r3, r4, r5};
  return checked_call(*st, *p, regs);
}

uint64_t callx_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  JitState* st = current_state();
  const uint64_t id = st->hot.callx_value;
  const Platform* plat = st->code->env.platform;
  const FuncProto* p = plat ? plat->helper(static_cast<uint32_t>(id)) : nullptr;
  if (!p || !p->fn) {
    raise_fault(ErrorCode::ExecBadCall, "callx: no helper " + std::to_string(id));
    return 0;
  }
  if (st->code->checked()) {
    const uint64_t regs[5] = {r1, r2, r3, r4, r5};
    return checked_call(*st, *p, regs);
  }
  return p->fn(r1, r2, r3, r4, r5);
}

TailResult tail_call(JitHot* hot, uint64_t ctx, uint64_t map, uint64_t index) {
  constexpr uint64_t kNoEnt = static_cast<uint64_t>(-2);
  JitState& st = *hot->owner;
  RunContext* rc = st.rc;
  if (st.code->checked() && !known_map(st, map)) {
    raise_fault(ErrorCode::ExecBadCall, "bpf_tail_call: argument 2 is not a map");
    return {0, 2};
  }
  // The index is a u32, as in the kernel: 0x100000000 is slot 0.
  const ProgramHandle* h = tail_call_target(reinterpret_cast<Map*>(map), static_cast<uint32_t>(index));
  if (!h || !h->executable || rc->tail_calls >= kMaxTailCalls) return {kNoEnt, 0};
  ++rc->tail_calls;
  RunRequest req;
  req.r1 = ctx;
  req.regions.assign(st.request.begin(), st.request.end());
  req.insn_budget = hot->budget;
  // Either engine's target joins this chain (rc), so the count above holds
  // across engines; each hop of JIT code nests one run on the host stack,
  // at most kMaxTailCalls deep.
  Result<uint64_t> r = h->executable->run_chained(req, *rc);
  if (!r) {
    if (!rc->fault) rc->fault = r.error();
    return {0, 2};
  }
  return {*r, 1};
}

DECADE_JIT_CALL bool invoke_callback(void* engine, uint64_t target, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                     uint64_t r5, uint64_t* r0) {
  auto* st = static_cast<JitState*>(engine);
  const JitCode& code = *st->code;
  const uint64_t entry = code.func_entry(target);
  if (!entry) {
    raise_fault(ErrorCode::ExecBadCall, "callback is not a function of this program");
    return false;
  }
  const uint64_t frame = st->hot.cur_r10;
  if (frame < st->hot.call_limit) {  // the next frame would be past the last
    raise_fault(ErrorCode::ExecCallDepth, "too many nested calls (8 frames)");
    return false;
  }
  const uint64_t args[6] = {r1, r2, r3, r4, r5, frame};
  const uint64_t r = code.trampoline()(&st->hot, entry, args);
  st->hot.cur_r10 = frame;  // the callback's own helper calls moved it
  if (st->rc->fault) {
    st->hot.fault_code = 0;
    return false;
  }
  if (st->hot.fault_code) {
    st->rc->fault = code.error_at(fault_error_code(st->hot), st->hot.fault_native);
    st->hot.fault_code = 0;
    return false;
  }
  *r0 = r;
  return true;
}

uint64_t stop_now(JitHot* hot) {
  const JitState& st = *hot->owner;
  return !st.rc->held.holds_lock();
}

void may_goto_refill(uint64_t* slot) { slot[0] = timed_loop_refill(&slot[1]); }

ErrorCode fault_error_code(const JitHot& hot) {
  const auto code = static_cast<ErrorCode>(hot.fault_code);
  return code == ErrorCode::ExecCancelled ? stop_error_code(hot.stop.load(std::memory_order_relaxed)) : code;
}

int64_t fault_flag_offset() {
  static const int64_t off = [] {
    std::optional<Error> o;
    const size_t cand = sizeof(Error);
    if (cand >= sizeof(o)) return int64_t{-1};
    const auto* b = reinterpret_cast<const unsigned char*>(&o);
    if (b[cand] != 0) return int64_t{-1};
    o.emplace();
    if (b[cand] != 1) return int64_t{-1};
    o.reset();
    if (b[cand] != 0) return int64_t{-1};
    return static_cast<int64_t>(cand);
  }();
  return off;
}

}  // namespace decade::jit::x64::glue
