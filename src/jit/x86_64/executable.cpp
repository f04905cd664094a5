// SPDX-License-Identifier: Apache-2.0
#include "jit/x86_64/executable.hpp"

#include <cstring>
#include <string>

#include "isa/semantics.hpp"
#include "jit/x86_64/glue.hpp"

namespace decade::jit::x64 {

namespace {

std::string fault_message(ErrorCode code) {
  if (code == ErrorCode::ExecOutOfBounds) return "memory access out of bounds";
  if (code == ErrorCode::ExecBudgetExhausted) return "instruction budget exhausted";
  if (code == ErrorCode::ExecBadCall) return "call to an unknown helper, kfunc or function";
  if (code == ErrorCode::ExecCallDepth) return "too many nested calls (8 frames)";
  if (code == ErrorCode::ExecBadJump) return "jump outside the function";
  if (code == ErrorCode::ExecUnsupported) return "instruction not supported in user space";
  return std::string(error_code_name(code));
}

}  // namespace

uint64_t JitCode::func_entry(uint64_t value) const {
  const uint64_t table = mem.base() + layout.func_table;
  const uint64_t n = layout.func_start.size();
  if (value < table || value - table >= 8 * n || (value - table) % 8 != 0) return 0;
  return *reinterpret_cast<const uint64_t*>(value);
}

int32_t JitCode::slot_at(uint64_t addr) const {
  if (addr < mem.base() || addr - mem.base() >= mem.size()) return -1;
  return pc_map.lookup(static_cast<uint32_t>(addr - mem.base()));
}

Error JitCode::located(Error e) const {
  if (e.insn >= 0 && e.where.file.empty())
    if (const LineInfo* li = prog.line_for(static_cast<uint32_t>(e.insn))) e.where = {li->file, li->line, li->column, li->text};
  return e;
}

Error JitCode::error_at(ErrorCode code, uint64_t native) const {
  const int32_t slot = slot_at(native);
  return located(Error{code, slot, fault_message(code), {}, {}});
}

namespace {

// The largest of the request's regions becomes the primary one, checked
// inline by emitted code (see JitHot::prim_lim).
void set_primary_region(JitHot& h, std::span<const MemRegion> regions) {
  const MemRegion* best = nullptr;
  for (const MemRegion& r : regions)
    if (!best || r.size > best->size) best = &r;
  if (!best) return;
  h.prim_base = best->start;
  for (unsigned lg = 0; lg < 4; ++lg) {
    const uint64_t size = uint64_t{1} << lg;
    const uint64_t lim = best->size >= size ? best->size - size + 1 : 0;
    h.prim_lim[lg] = lim;
    h.prim_lim[4 + lg] = best->writable ? lim : 0;
  }
}

}  // namespace

DECADE_JIT_CALL Result<uint64_t> run_code(const JitCode& code, const RunRequest& req, RunContext* chain) {
  static const int64_t flag_off = glue::fault_flag_offset();
  if (flag_off < 0) return make_error(ErrorCode::Internal, "jit: unsupported std::optional layout");
  JitState st;
  st.code = &code;
  // Checked programs may read stack they never wrote: make that read zeros,
  // as in the interpreter. Verified programs cannot, so they skip the cost.
  if (code.checked) std::memset(st.stack, 0, sizeof(st.stack));
  RunContext own;
  RunContext* rc = chain ? chain : &own;
  void* saved_engine = rc->engine;
  InvokeCallbackFn saved_invoke = rc->invoke_callback;
  rc->engine = &st;
  rc->invoke_callback = &glue::invoke_callback;
  if (!chain) rc->ctx = req.r1;
  RunScope scope(*rc);
  st.rc = rc;
  JitHot& h = st.hot;
  h.owner = &st;
  h.call_limit = st.stack_base() + 2 * kFrameSize;
  h.stack_top = st.stack_base() + sizeof(st.stack);
  h.budget = req.insn_budget ? req.insn_budget : kDefaultBudget;
  h.fault_flag = reinterpret_cast<const uint8_t*>(&rc->fault) + flag_off;
  // Map storage is collected only when an access misses every other region.
  st.request = req.regions;
  set_primary_region(h, st.request);
  const uint64_t args[6] = {req.r1, req.r2, 0, 0, 0, h.stack_top + kFrameSize};
  const uint64_t r0 = code.trampoline()(&h, code.main_entry(), args);
  rc->engine = saved_engine;
  rc->invoke_callback = saved_invoke;
  const bool lock_released = glue::release_held_lock(st);
  if (rc->fault) {
    Error e = *rc->fault;
    if (e.insn < 0) e.insn = code.slot_at(h.fault_native);
    return std::unexpected(code.located(std::move(e)));
  }
  if (h.fault_code) return std::unexpected(code.error_at(static_cast<ErrorCode>(h.fault_code), h.fault_native));
  if (!lock_released) return make_error(ErrorCode::ExecHelperFault, "the program exited holding a bpf_spin_lock");
  return r0;
}

}  // namespace decade::jit::x64
