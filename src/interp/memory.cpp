// SPDX-License-Identifier: Apache-2.0
// Checked mode's memory model: an access is allowed when it lies inside the
// live stack frames (inline fast path in threaded.hpp), a region of the run
// request, or the storage of one of the program's maps. Helper and kfunc
// arguments that their prototypes declare as pointers are checked the same
// way before the call, so an unverified program cannot make a helper touch
// memory it could not touch itself.
#include <fmt/format.h>

#include <atomic>


#include "interp/threaded.hpp"
#include "runtime/checked_args.hpp"
#include "runtime/registry.hpp"
#include "runtime/spin_lock.hpp"

namespace decade::interp::detail {
namespace {

bool known_map(const RunState& st, uint64_t v) { return checked_map_arg(st.prog->env.maps, v); }

bool arg_fault(RunState& st, ErrorCode code, const FuncProto& proto, int arg, const TInsn* at, std::string_view what) {
  return fail(st, code, at, fmt::format("{}: argument {} (r{}) {}", proto.name, arg + 1, arg + 1, what));
}

CallCheck spin_lock_call(RunState& st, const FuncProto& proto, uint64_t* regs, const TInsn* at) {
  const auto fault = proto.name == "bpf_spin_lock" ? checked_spin_lock(*st.rc, regs[1])
                                                   : checked_spin_unlock(*st.rc, regs[1]);
  if (fault) {
    fail(st, ErrorCode::ExecHelperFault, at, *fault);
    return CallCheck::Fail;
  }
  regs[0] = 0;
  return CallCheck::Done;
}

}  // namespace

std::string describe_access(uint64_t addr, uint64_t size, bool write) {
  return fmt::format("{}-byte {} at {:#x}", size, write ? "write" : "read", addr);
}

bool mem_ok_slow(RunState& st, uint64_t addr, uint64_t size, bool write) {
  const std::span<const MemRegion> request = st.request ? std::span<const MemRegion>(*st.request) : std::span<const MemRegion>();
  return st.map_memory.allows(request, st.prog->env.maps, addr, size, write);
}

static bool check_args(RunState& st, const FuncProto& proto, const uint64_t* regs, const TInsn* at);

CallCheck check_call_args(RunState& st, const FuncProto& proto, uint64_t* regs, const TInsn* at) {
  if (!check_args(st, proto, regs, at)) return CallCheck::Fail;
  if (is_spin_lock_helper(proto)) return spin_lock_call(st, proto, regs, at);
  return CallCheck::Call;
}

static bool check_args(RunState& st, const FuncProto& proto, const uint64_t* regs, const TInsn* at) {
  const auto f = check_helper_args(
      proto, regs + 1, st.rc->ctx, [&](uint64_t a, uint64_t n, bool w) { return mem_ok(st, a, n, w); },
      [&](uint64_t v) { return known_map(st, v); }, [&](uint64_t v) { return code_target(st, v) != nullptr; });
  if (!f) return true;
  const int arg = static_cast<int>(f->arg);
  if (f->size) return arg_fault(st, f->code, proto, arg, at, describe_access(f->addr, f->size, f->write));
  return arg_fault(st, f->code, proto, arg, at, f->what);
}

}  // namespace decade::interp::detail
