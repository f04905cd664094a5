// SPDX-License-Identifier: Apache-2.0
#include "verifier/stack_args.hpp"

#include <fmt/format.h>

#include "isa/semantics.hpp"
#include "verifier/transfer.hpp"

namespace decade::verifier {

Status do_stack_arg(Env& env, State& st, const Insn& insn) {
  const uint32_t k = stack_arg_slot(insn.off);
  Frame& f = st.cur();
  const Sem sem = insn.info().sem;
  if (sem == Sem::LdxArg) {
    if (k >= f.in_args.size())
      return fail(env, ErrorCode::VerifierStackArg, insn.pc,
                  fmt::format("r11 + {} reads argument {}, but this function was called with {} stack argument{}", insn.off,
                              6 + k, f.in_args.size(), f.in_args.size() == 1 ? "" : "s"),
                  "a function reads only the arguments its prototype declares (the main program and callbacks have none)");
    st.reg(insn.dst) = f.in_args[k];
    return ok();
  }
  if (sem == Sem::StxArg || sem == Sem::StArg) {
    if (sem == Sem::StxArg)
      if (auto s = check_readable(env, st, insn.src, insn.pc); !s) return s;
    if (f.out_args.size() <= k) f.out_args.resize(k + 1);
    f.out_args[k] = sem == Sem::StxArg ? st.reg(insn.src) : RegState::scalar(Scalar::constant(decade::sem::imm64(insn.imm)));
    return ok();
  }
  return fail(env, ErrorCode::Internal, insn.pc, "do_stack_arg called for another instruction");
}

Result<std::vector<RegState>> take_stack_args(Env& env, State& st, const Insn& call, int32_t declared,
                                              std::string_view callee) {
  std::vector<RegState> out = std::move(st.cur().out_args);
  st.cur().out_args.clear();
  const size_t stored = out.size();  // one past the highest written slot
  const size_t n = declared < 0 ? stored : static_cast<size_t>(declared);
  if (stored > n)
    return fail(env, ErrorCode::VerifierStackArg, call.pc,
                fmt::format("argument {} is stored at r11 - {}, but {} takes {} argument{}", 5 + stored, 8 * stored, callee,
                            5 + n, 5 + n == 1 ? "" : "s"),
                "store only the arguments the callee declares");
  out.resize(n);
  for (size_t k = 0; k < n; ++k)
    if (out[k].type == RegType::NotInit)
      return fail(env, ErrorCode::VerifierStackArg, call.pc,
                  fmt::format("argument {} of {} (r11 - {}) is not stored before the call", 6 + k, callee, 8 * (k + 1)),
                  "store every argument past the fifth with *(u64 *)(r11 - 8*(k+1)) = x before the call");
  return out;
}

}  // namespace decade::verifier
