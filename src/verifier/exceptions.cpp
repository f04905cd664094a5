// SPDX-License-Identifier: Apache-2.0
#include "verifier/exceptions.hpp"

#include <fmt/format.h>

#include "verifier/cfg.hpp"

namespace decade::verifier {

Status check_throw(Env& env, const State& st, const Insn& insn) {
  if (!st.refs.empty()) {
    const RefState& r = st.refs.front();
    return fail(env, ErrorCode::VerifierRefLeak, r.acquire_pc,
                fmt::format("reference acquired at insn {} is still held at bpf_throw (insn {})", r.acquire_pc, insn.pc),
                "release every reference before throwing: nothing releases it while the frames unwind");
  }
  for (const Frame& fr : st.frames)
    for (size_t k = 0; k < fr.iters.size(); ++k)
      if (fr.bytes[k * 8] == SlotByte::Iter)
        return fail(env, ErrorCode::VerifierRefLeak, fr.iters[k].new_pc,
                    fmt::format("iterator created at insn {} is alive at bpf_throw (insn {})", fr.iters[k].new_pc, insn.pc),
                    "call bpf_iter_num_destroy before throwing");
  if (env.prog.exception_cb >= 0 || !env.in.type) return ok();
  // The kernel's default callback returns the cookie as the program's result.
  const ProgramType& t = *env.in.type;
  const RegState& r1 = st.reg(1);
  if (r1.val.smin < t.ret_min || r1.val.smax > t.ret_max)
    return fail(env, ErrorCode::VerifierBadReturn, insn.pc,
                fmt::format("bpf_throw's cookie R1 = {} is outside [{}, {}] allowed for {} programs", r1.to_string(),
                            t.ret_min, t.ret_max, t.name),
                "without an exception callback the cookie is the program's return value");
  return ok();
}

namespace {

bool integer_type(const Btf& btf, uint32_t id) {
  const BtfType* t = btf.type(btf.resolve(id));
  return t && (t->kind == BtfKind::Int || t->kind == BtfKind::Enum || t->kind == BtfKind::Enum64);
}

}  // namespace

Status check_exception_callback(Env& env) {
  if (env.prog.exception_cb < 0) return ok();
  const auto k = static_cast<size_t>(env.sub_of_pc[static_cast<size_t>(env.prog.exception_cb)]);
  SubprogInfo& si = env.subs[k];
  if (k == 0) return fail(env, ErrorCode::VerifierException, si.start, "the main function cannot be its own exception callback");
  const Btf* btf = env.in.btf;
  if (!si.global || !btf)
    return fail(env, ErrorCode::VerifierException, si.start,
                fmt::format("exception callback {} must be a global function", si.name.empty() ? "?" : si.name),
                "declare it without 'static', as int cb(u64 cookie)");
  const BtfType* fn = btf->type(btf->find(si.name, BtfKind::Func));
  const BtfType* proto = fn ? btf->type(fn->type) : nullptr;
  if (si.arg_kinds.size() != 1 || si.arg_kinds[0] != 0 /* scalar */)
    return fail(env, ErrorCode::VerifierException, si.start,
                fmt::format("exception callback {} must take exactly one integer argument", si.name),
                "declare it as int cb(u64 cookie)");
  if (!proto || !integer_type(*btf, proto->type))
    return fail(env, ErrorCode::VerifierException, si.start, fmt::format("exception callback {} must return an integer", si.name),
                "declare it as int cb(u64 cookie)");
  si.exception_cb = true;
  return ok();
}

Status check_throw_sites(const Env& env) {
  const size_t n = env.subs.size();
  std::vector<std::vector<uint32_t>> callees(n);
  for (const Insn& insn : env.prog.insns) {
    if (insn.info().sem != Sem::CallLocal) continue;
    const auto callee = static_cast<uint32_t>(env.sub_of_pc[static_cast<size_t>(insn.target)]);
    if (env.subs[callee].exception_cb)
      return fail(env, ErrorCode::VerifierException, insn.pc, fmt::format("call of the exception callback {}", env.subs[callee].name),
                  "only bpf_throw runs the exception callback");
    callees[static_cast<size_t>(env.sub_of_pc[insn.pc])].push_back(callee);
  }
  for (const auto& [pc, target] : env.indirect_calls)
    callees[static_cast<size_t>(env.sub_of_pc[pc])].push_back(static_cast<uint32_t>(env.sub_of_pc[target]));
  // Everything a callback may run, along the static call graph.
  std::vector<uint8_t> in_callback(n, 0);
  std::vector<uint32_t> work;
  for (uint32_t s = 0; s < n; ++s)
    if (env.subs[s].callback || env.subs[s].exception_cb) {
      in_callback[s] = 1;
      work.push_back(s);
    }
  while (!work.empty()) {
    const uint32_t s = work.back();
    work.pop_back();
    for (uint32_t c : callees[s])
      if (!in_callback[c]) {
        in_callback[c] = 1;
        work.push_back(c);
      }
  }
  for (const Insn& insn : env.prog.insns)
    if (is_throw(env, insn) && in_callback[static_cast<size_t>(env.sub_of_pc[insn.pc])])
      return fail(env, ErrorCode::VerifierException, insn.pc, "bpf_throw cannot be called from a callback",
                  "a callback cannot unwind its helper: return a value that stops the loop and throw after it");
  return ok();
}

}  // namespace decade::verifier
