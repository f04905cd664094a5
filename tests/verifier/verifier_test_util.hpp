// SPDX-License-Identifier: Apache-2.0
// Shared fixture for verifier tests: a standard platform, a fixed set of
// maps and kfuncs the assembly cases refer to by index, and a helper that
// assembles, decodes and verifies a program.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "asm/asm.hpp"
#include "isa/decode.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/platform.hpp"
#include "verifier/verifier.hpp"

namespace decade::test {

// Map indices the cases use (map_idx(N)).
enum : int { kHash = 0, kArray = 1, kRingbuf = 2, kRodata = 3, kLockArray = 4, kQueue = 5, kOuter = 6, kProgs = 7, kData = 8,
             kResLockArray = 9, kSockmap = 10, kSockhash = 11, kReuseportArray = 12,
             kWronlyArray = 13, kStackTrace = 14, kCgroupArray = 15, kCgroupStorage = 16,
             kPercpuCgroupStorage = 17, kCgroupStorage2 = 18 };
// Kfunc indices (call kfunc N is written "call_kfunc" by index in tests).
enum : int { kIterNew = 0, kIterNext = 1, kIterDestroy = 2, kResLock = 3, kResUnlock = 4, kResLockIrq = 5, kResUnlockIrq = 6,
             kThrow = 7, kBitsNew = 8, kBitsNext = 9, kBitsDestroy = 10, kCastKernCtx = 11, kRdonlyCast = 12,
             kTaskAcquire = 13 };

class VerifierEnv {
 public:
  VerifierEnv() : platform_(Platform::standard()) {
    auto add = [&](const char* name, MapType t, uint32_t ks, uint32_t vs, uint32_t max) {
      auto m = std::make_shared<MapDef>();
      m->name = name;
      m->type = t;
      m->key_size = ks;
      m->value_size = vs;
      m->max_entries = max;
      defs_.push_back(m);
      return m;
    };
    add("hmap", MapType::Hash, 4, 8, 16);
    add("arr", MapType::Array, 4, 64, 4);
    add("rb", MapType::Ringbuf, 0, 0, 4096);
    auto ro = add(".rodata", MapType::Array, 4, 16, 1);
    ro->frozen = true;
    ro->map_flags = kMapFRdonlyProg;
    ro->initial_value = {5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 'h', 'i', 0, 0, 0, 0, 0, 0};
    auto lk = add("locked", MapType::Array, 4, 16, 1);
    lk->spin_lock_off = 0;
    add("q", MapType::Queue, 0, 8, 16);
    auto outer = add("outer", MapType::ArrayOfMaps, 4, 4, 4);
    outer->inner = std::make_shared<MapDef>(*defs_[1]);
    add("progs", MapType::ProgArray, 4, 4, 4);
    auto data = add(".data", MapType::Array, 4, 32, 1);
    data->initial_value.assign(32, 0);
    auto res = add("res_locked", MapType::Array, 4, 16, 4);
    res->res_lock_off = 4;
    add("socks", MapType::Sockmap, 4, 4, 4);
    add("sock_hash", MapType::Sockhash, 4, 4, 4);
    add("reuseport", MapType::ReuseportSockarray, 4, 4, 4);
    auto wo = add("wronly", MapType::Array, 4, 16, 1);
    wo->map_flags = kMapFWronlyProg;
    add("stacks", MapType::StackTrace, 4, 127 * 8, 16);
    add("cgroups", MapType::CgroupArray, 4, 4, 4);
    add("cg_storage", MapType::CgroupStorage, 16, 64, 0);
    add("cg_percpu", MapType::PercpuCgroupStorage, 8, 64, 0);
    add("cg_storage2", MapType::CgroupStorage, 8, 16, 0);
    kfuncs_ = {platform_.kfunc("bpf_iter_num_new"), platform_.kfunc("bpf_iter_num_next"),
               platform_.kfunc("bpf_iter_num_destroy"), platform_.kfunc("bpf_res_spin_lock"),
               platform_.kfunc("bpf_res_spin_unlock"), platform_.kfunc("bpf_res_spin_lock_irqsave"),
               platform_.kfunc("bpf_res_spin_unlock_irqrestore"), platform_.kfunc("bpf_throw"),
               platform_.kfunc("bpf_iter_bits_new"), platform_.kfunc("bpf_iter_bits_next"),
               platform_.kfunc("bpf_iter_bits_destroy"), platform_.kfunc("bpf_cast_to_kern_ctx"),
               platform_.kfunc("bpf_rdonly_cast"), missing_kfunc("bpf_task_acquire")};
    // "xdp_ret": xdp's context with r0 limited to the XDP actions and every
    // helper allowed. The kernel checks no XDP return value, so the cases that
    // use a return range as their oracle for scalar precision name this type
    // (no kernel twin: the agreement test skips them); verify_text's default.
    ProgramType ret = *platform_.program_type("xdp");
    ret.name = "xdp_ret";
    ret.sec_prefixes.clear();
    ret.ret_min = 0;
    ret.ret_max = 4;
    ret.helpers.clear();
    (void)platform_.add_program_type(std::move(ret));
  }

  const Platform& platform() const { return platform_; }
  // Host grants (runtime/platform.hpp), e.g. kGrantPrivileged for root's rules.
  void grant(uint32_t grants) { platform_.grant(grants); }
  const std::vector<std::shared_ptr<MapDef>>& maps() const { return defs_; }

  Result<Program> assemble_program(const std::string& text) const {
    auto a = assemble(text);
    if (!a) return std::unexpected(a.error());
    auto p = decode(std::span<const RawInsn>(a->code));
    if (!p) return p;
    for (uint32_t pc = 0; pc < a->source_lines.size(); ++pc)
      if (a->source_lines[pc]) p->lines.push_back(LineInfo{pc, "", a->source_lines[pc], 0, ""});
    return p;
  }

  Result<VerifyResult> verify_text(const std::string& text, const std::string& type = "xdp_ret",
                                   const VerifyOptions& opts = {}) {
    auto p = assemble_program(text);
    if (!p) return std::unexpected(p.error());
    prog_ = std::move(*p);
    return verify_program(prog_, type, opts);
  }

  Result<VerifyResult> verify_program(const Program& prog, const std::string& type, const VerifyOptions& opts = {}) const {
    VerifyInput in;
    in.program = &prog;
    in.platform = &platform_;
    in.type = platform_.program_type(type);
    for (const auto& m : defs_) in.maps.push_back(m.get());
    in.kfuncs = kfuncs_;
    return verify(in, opts);
  }

 private:
  Platform platform_;
  std::vector<std::shared_ptr<MapDef>> defs_;
  std::vector<const FuncProto*> kfuncs_;
  Program prog_;
};

}  // namespace decade::test
