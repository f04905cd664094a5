// SPDX-License-Identifier: Apache-2.0
// The interpreter's Executable: translate once, run many times (also from
// several threads at once: all per-run state lives in run_program).
#include "interp/interp.hpp"

#include "interp/threaded.hpp"

namespace decade::interp {
namespace {

class InterpExecutable final : public Executable {
 public:
  InterpExecutable(std::unique_ptr<detail::TProgram> tp, std::shared_ptr<const VerifiedProgram> keep)
      : tp_(std::move(tp)), keep_(std::move(keep)) {
    tp_->env.self = this;
  }

  Result<uint64_t> run(const RunRequest& req) override { return detail::run_program(*tp_, req, nullptr, nullptr); }
  Result<uint64_t> run_chained(const RunRequest& req, RunContext& chain) override {
    return detail::run_program(*tp_, req, &chain, nullptr);
  }
  Result<uint64_t> run_repeat(const RunRequest& req, uint64_t repeat) override {
    return detail::run_program(*tp_, req, nullptr, nullptr, repeat);
  }
  HitEntry hit_entry() const override { return tp_->checked ? HitEntry{} : HitEntry{&detail::hit_program, tp_.get()}; }
  std::string_view engine_name() const override { return "interp"; }
  const detail::TProgram& code() const { return *tp_; }

 private:
  std::unique_ptr<detail::TProgram> tp_;
  std::shared_ptr<const VerifiedProgram> keep_;
};

// The program without the bpf_fastcall spills and fills the verifier
// removed (verifier/fastcall.hpp), and the bounds facts of what is left. A
// removed slot maps to the next instruction left: only a pattern's
// outermost spill may be a jump target, and what follows it is its call's
// other spills (removed too) and the call. Every Insn keeps its pc, so
// targets, line info and errors still name slots of the loaded program.
// An alloca carries its area's placement (InsnFacts::alloca_offset) in imm.
// The helper calls themselves keep r1-r5: interpreter registers are memory.
Program without_fastcall_pairs(const VerifiedProgram& vp, std::vector<bool>& safe) {
  const Program& in = vp.program();
  const auto& facts = vp.facts();
  auto fact = [&](size_t i) { return i < facts.size() ? facts[i] : InsnFacts{}; };
  Program out = in;
  out.insns.clear();
  safe.clear();
  std::vector<int32_t> new_index(in.insns.size());  // old index -> its index, or the next one left
  for (size_t i = 0; i < in.insns.size(); ++i) {
    new_index[i] = static_cast<int32_t>(out.insns.size());
    if (fact(i).fastcall_dropped) continue;
    out.insns.push_back(in.insns[i]);
    // alloca: the verifier's placement travels in imm (translate.cpp).
    if (in.insns[i].info().sem == Sem::Alloca) out.insns.back().imm = fact(i).alloca_offset;
    safe.push_back(fact(i).mem_access_safe);
  }
  for (int32_t& idx : out.slot_index)
    if (idx >= 0) idx = new_index[static_cast<size_t>(idx)];
  return out;
}

}  // namespace

Result<std::unique_ptr<Executable>> compile(std::shared_ptr<const VerifiedProgram> prog, ProgramEnv env) {
  if (!prog) return make_error(ErrorCode::InvalidArgument, "compile: no program");
  std::vector<bool> safe;
  auto tp = detail::translate(without_fastcall_pairs(*prog, safe), std::move(env), false, safe);
  if (!tp) return std::unexpected(tp.error());
  (*tp)->zero_stack = prog->zero_stack();  // each run's RunState is zeroed; in-place tail calls zero the frame
  (*tp)->frame_size = prog->frame_size();
  return std::make_unique<InterpExecutable>(std::move(*tp), std::move(prog));
}

Result<std::unique_ptr<Executable>> compile_checked(Program prog, ProgramEnv env, uint32_t frame_size) {
  if (frame_size < detail::kFrameSize || frame_size > (uint32_t{1} << 16) || frame_size % 8 != 0)
    return make_error(ErrorCode::InvalidArgument,
                      "compile_checked: frame size " + std::to_string(frame_size) + " is not a multiple of 8 in [512, 65536]");
  auto tp = detail::translate(std::move(prog), std::move(env), true, {});
  if (!tp) return std::unexpected(tp.error());
  (*tp)->frame_size = frame_size;
  return std::make_unique<InterpExecutable>(std::move(*tp), nullptr);
}

namespace detail {

const TProgram* threaded_code(const Executable& e) {
  const auto* i = dynamic_cast<const InterpExecutable*>(&e);
  return i ? &i->code() : nullptr;
}

}  // namespace detail

}  // namespace decade::interp
