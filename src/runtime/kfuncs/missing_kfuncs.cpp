// SPDX-License-Identifier: Apache-2.0
// Kernel kfuncs Decade does not provide, each with the reason: they hand
// out or take the kernel's own objects (tasks, cgroups, their reference
// counts), which a user-space runtime does not have and cannot stand in
// for truthfully. The loader resolves such a name to a prototype without a
// function (missing_kfunc), so an object that declares one loads, and the
// verifier refuses a reached call by name with this reason
// (VerifierUnknownFunc); the engines fault on such a call (ExecBadCall),
// which only unverified (checked) code can reach.
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "runtime/helpers/helpers.hpp"

namespace decade {
namespace {

struct Missing {
  std::string_view prefix;  // every kfunc whose name starts with it
  const char* why;
};

constexpr Missing kMissing[] = {
    {"bpf_task_", "it takes or returns a kernel task_struct; user-space programs have no kernel tasks"},
    {"bpf_get_task_", "it reads a kernel task_struct; user-space programs have no kernel tasks"},
    {"bpf_cgroup_", "it takes or returns a kernel cgroup object; user-space programs have no kernel cgroups"},
    {"bpf_cpumask_", "it takes or returns the kernel's struct bpf_cpumask objects, allocated and reference-counted by the kernel"},
};

}  // namespace

const char* missing_kfunc_reason(std::string_view name) {
  for (const Missing& m : kMissing)
    if (name.starts_with(m.prefix)) return m.why;
  return nullptr;
}

const FuncProto* missing_kfunc(std::string_view name) {
  if (!missing_kfunc_reason(name)) return nullptr;
  // One prototype per name for the process; map nodes never move.
  static std::mutex mu;
  static std::map<std::string, FuncProto, std::less<>> protos;
  std::lock_guard lock(mu);
  auto it = protos.find(name);
  if (it == protos.end()) {
    FuncProto p;
    p.name = std::string(name);
    p.ret = RetKind::Void;
    it = protos.emplace(p.name, std::move(p)).first;
  }
  return &it->second;
}

}  // namespace decade
