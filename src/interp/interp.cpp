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
      : tp_(std::move(tp)), keep_(std::move(keep)) {}

  Result<uint64_t> run(const RunRequest& req) override { return detail::run_program(*tp_, req, nullptr, nullptr); }
  Result<uint64_t> run_chained(const RunRequest& req, RunContext& chain) override {
    return detail::run_program(*tp_, req, &chain, nullptr);
  }
  std::string_view engine_name() const override { return "interp"; }
  const detail::TProgram& code() const { return *tp_; }

 private:
  std::unique_ptr<detail::TProgram> tp_;
  std::shared_ptr<const VerifiedProgram> keep_;
};

}  // namespace

Result<std::unique_ptr<Executable>> compile(std::shared_ptr<const VerifiedProgram> prog, ProgramEnv env) {
  if (!prog) return make_error(ErrorCode::InvalidArgument, "compile: no program");
  std::vector<bool> safe(prog->program().insns.size(), false);
  const auto& facts = prog->facts();
  for (size_t i = 0; i < safe.size() && i < facts.size(); ++i) safe[i] = facts[i].mem_access_safe;
  auto tp = detail::translate(prog->program(), std::move(env), false, safe);
  if (!tp) return std::unexpected(tp.error());
  return std::make_unique<InterpExecutable>(std::move(*tp), std::move(prog));
}

Result<std::unique_ptr<Executable>> compile_checked(Program prog, ProgramEnv env) {
  auto tp = detail::translate(std::move(prog), std::move(env), true, {});
  if (!tp) return std::unexpected(tp.error());
  return std::make_unique<InterpExecutable>(std::move(*tp), nullptr);
}

namespace detail {

const TProgram* threaded_code(const Executable& e) {
  const auto* i = dynamic_cast<const InterpExecutable*>(&e);
  return i ? &i->code() : nullptr;
}

}  // namespace detail

}  // namespace decade::interp
