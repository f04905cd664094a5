// SPDX-License-Identifier: Apache-2.0
// bpf_throw (runtime/exception.hpp): the kfunc and the hand-over at the
// boundary of a program's run.
#include "runtime/exception.hpp"

#include <fmt/format.h>

#include "runtime/helpers/helpers.hpp"

namespace decade {
namespace {

uint64_t bpf_throw(uint64_t cookie, uint64_t, uint64_t, uint64_t, uint64_t) {
  RunContext* rc = current_run_context();
  if (!rc || rc->fault) return 0;
  rc->thrown = cookie;
  // Seen only if no engine boundary takes the exception (it always does).
  rc->fault = Error{ErrorCode::ExecHelperFault, -1, fmt::format("bpf_throw({:#x}) was not caught", cookie), {}, {}};
  return 0;
}

}  // namespace

void append_exception_kfuncs(std::vector<FuncProto>& out) {
  out.push_back(make_proto("bpf_throw", 0, bpf_throw, RetKind::Void, {ArgKind::Scalar}, kHelperThrows));
}

std::optional<uint64_t> take_exception(RunContext& rc) {
  if (!rc.thrown) return std::nullopt;
  const uint64_t cookie = *rc.thrown;
  rc.thrown.reset();
  rc.fault.reset();
  return cookie;
}

void finish_exception_callback(RunContext& rc) {
  if (!rc.thrown) return;
  rc.fault = Error{ErrorCode::ExecHelperFault, -1,
                   fmt::format("bpf_throw({:#x}) inside the exception callback", *rc.thrown), {}, {}};
  rc.thrown.reset();
}

}  // namespace decade
