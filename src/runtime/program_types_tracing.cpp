// SPDX-License-Identifier: Apache-2.0
// The BTF-typed tracing types (tp_btf, fentry, fexit, fmod_ret, lsm, iter)
// and writable raw tracepoints. Their context is the traced function's
// (or iterator's) arguments, one u64 each, up to MAX_BPF_FUNC_ARGS = 12
// (btf_ctx_access): read only, at multiples of 8, narrower reads at the
// start of an argument. The kernel types each argument from the attach
// target's BTF prototype (pointer arguments become PTR_TO_BTF_ID); Decade
// has no kernel to attach to, so every argument is a number here, and a
// program that dereferences a pointer argument is refused (docs/verifier.md
// lists it). Return ranges are check_return_code's: fentry and fexit 0,
// iterators 0 or 1, the others any value (an LSM hook's own range comes
// from its BTF prototype, which Decade does not have).
#include <string>

#include "runtime/program_types.hpp"

namespace decade {
namespace {

constexpr int kMaxArgs = 12;

// arg0 .. arg11: for each, 1-, 2- and 4-byte reads at its start, then the
// whole 8 bytes (find_field takes the first field holding an access, so a
// narrower read anywhere else inside the argument is refused).
std::vector<CtxField> u64_args() {
  std::vector<CtxField> f;
  for (int i = 0; i < kMaxArgs; ++i) {
    const std::string n = "arg" + std::to_string(i);
    for (uint32_t w : {1u, 2u, 4u, 8u}) {
      const std::string name = w == 8 ? n : n + ":" + std::to_string(w);
      f.push_back(whole_field(ctx_field(name.c_str(), 8 * i, w, true, false)));
    }
  }
  return f;
}

ProgramType btf_tracing(const char* name, std::vector<std::string> sections, int64_t ret_min, int64_t ret_max) {
  ProgramType t;
  t.name = name;
  t.sec_prefixes = std::move(sections);
  t.ctx_size = 8 * kMaxArgs;
  t.fields = u64_args();
  t.tracing = true;
  t.coarse_clock = false;
  t.ret_min = ret_min;
  t.ret_max = ret_max;
  return t;
}

// Writable raw tracepoints: raw_tracepoint's context (u64 arguments, any
// aligned width). The kernel lets the program write the tracepoint's
// buffer (the first argument, sized by the tracepoint); as a number here,
// it cannot be dereferenced at all.
ProgramType raw_tracepoint_writable() {
  ProgramType t;
  t.name = "raw_tracepoint_writable";
  t.sec_prefixes = {"raw_tracepoint.w+", "raw_tp.w+"};
  t.ctx_size = 8 * kMaxArgs;
  for (int i = 0; i < kMaxArgs; ++i)
    t.fields.push_back(ctx_field(("arg" + std::to_string(i)).c_str(), 8 * i, 8, true, false));
  t.tracing = true;
  t.coarse_clock = false;
  return t;
}

}  // namespace

std::vector<ProgramType> tracing_program_types() {
  return {btf_tracing("tp_btf", {"tp_btf+"}, INT64_MIN, INT64_MAX),
          btf_tracing("fentry", {"fentry+", "fentry.s+"}, 0, 0),
          btf_tracing("fexit", {"fexit+", "fexit.s+"}, 0, 0),
          btf_tracing("fmod_ret", {"fmod_ret+", "fmod_ret.s+"}, INT64_MIN, INT64_MAX),
          btf_tracing("lsm", {"lsm+", "lsm.s+", "lsm_cgroup+"}, INT64_MIN, INT64_MAX),
          btf_tracing("iter", {"iter+", "iter.s+"}, 0, 1),
          raw_tracepoint_writable()};
}

}  // namespace decade
