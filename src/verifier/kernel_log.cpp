// SPDX-License-Identifier: Apache-2.0
#include "verifier/kernel_log.hpp"

#include <fmt/format.h>

#include <limits>
#include <utility>
#include <vector>

namespace decade::verifier {
namespace {

// Numbers as the kernel's log prints them: decimal when small, else hex.
std::string unum(uint64_t v) { return v <= 0xffff ? fmt::format("{}", v) : fmt::format("{:#x}", v); }
std::string snum(int64_t v) {
  return v >= -32768 && v <= 32767 ? fmt::format("{}", v) : fmt::format("{:#x}", static_cast<uint64_t>(v));
}

// The bounds the kernel prints for an unknown scalar, omitting those that
// say nothing and joining equal ones ("smin=umin=0") as its log does.
std::string scalar_bounds(const Scalar& s) {
  std::vector<std::pair<std::string, std::string>> parts;
  auto add = [&](const char* name, std::string value) {
    for (auto& p : parts)
      if (p.second == value) {
        p.first += std::string("=") + name;
        return;
      }
    parts.emplace_back(name, std::move(value));
  };
  if (s.smin != std::numeric_limits<int64_t>::min()) add("smin", snum(s.smin));
  if (s.smax != std::numeric_limits<int64_t>::max()) add("smax", snum(s.smax));
  if (s.umin != 0) add("umin", unum(s.umin));
  if (s.umax != std::numeric_limits<uint64_t>::max()) add("umax", unum(s.umax));
  if (s.s32min != std::numeric_limits<int32_t>::min()) add("smin32", snum(s.s32min));
  if (s.s32max != std::numeric_limits<int32_t>::max()) add("smax32", snum(s.s32max));
  if (s.u32min != 0) add("umin32", unum(s.u32min));
  if (s.u32max != std::numeric_limits<uint32_t>::max()) add("umax32", unum(s.u32max));
  std::string out;
  for (const auto& [names, value] : parts) out += (out.empty() ? "" : ",") + names + "=" + value;
  if (s.var.mask != ~uint64_t{0}) out += (out.empty() ? "var_off=" : ",var_off=") + kernel_tnum(s.var);
  return out;
}

}  // namespace

std::string kernel_tnum(const Tnum& t) {
  if (t.mask == 0) return t.value <= 0xffff ? fmt::format("{}", t.value) : fmt::format("{:#x}", t.value);
  return fmt::format("({:#x}; {:#x})", t.value, t.mask);
}

std::string kernel_type(const RegState& r) {
  if (r.type == RegType::NotInit) return "?";
  if (r.type == RegType::BtfPtr) {
    const char* sock = r.mem_size == kBtfSocket ? "sock" : r.mem_size == kBtfSockCommon ? "sock_common"
                     : r.mem_size == kBtfTcpSock ? "tcp_sock" : nullptr;
    if (!sock) return r.maybe_null ? "ptr_or_null_" : "ptr_";
    return r.maybe_null ? std::string(sock) + "_or_null" : std::string(sock);
  }
  std::string s = reg_type_name(r.type);
  return r.maybe_null ? s + "_or_null" : s;
}

std::string kernel_reg_text(const RegState& r) {
  if (r.type == RegType::Scalar) {
    if (r.val.is_const()) return snum(static_cast<int64_t>(r.val.value()));
    return "scalar(" + scalar_bounds(r.val) + ")";
  }
  if (r.type == RegType::Stack && r.val.is_const())
    return fmt::format("fp{}", r.off + static_cast<int64_t>(r.val.value()));
  std::string s = kernel_type(r) + "(";
  std::string sep;
  auto add = [&](const std::string& x) {
    s += sep + x;
    sep = ",";
  };
  if (r.id && r.id != kRawLengthId) add(fmt::format("id={}", r.id));
  if (r.ref_id) add(fmt::format("ref_obj_id={}", r.ref_id));
  if (r.map) add(fmt::format("map={},ks={},vs={}", r.map->name, r.map->key_size, r.map->value_size));
  if (r.off) add(fmt::format("off={}", r.off));
  if (r.type == RegType::Packet || r.type == RegType::PacketMeta) add(fmt::format("r={}", r.range));
  if (r.type == RegType::Mem) add(fmt::format("sz={}", r.mem_size));
  if (!r.val.is_const() || r.val.value()) add(scalar_bounds(r.val));
  return s + ")";
}

std::string kernel_frame_text(const State& st) {
  std::string out = st.frames.size() > 1 ? fmt::format(" frame{}:", st.frames.size() - 1) : "";
  const Frame& f = st.frames.back();
  for (size_t i = 0; i < f.regs.size(); ++i)
    if (f.regs[i].type != RegType::NotInit) out += fmt::format(" R{}={}", i, kernel_reg_text(f.regs[i]));
  return out;
}

std::string kernel_summary(const Env& env) {
  return fmt::format("processed {} insns (limit {}) max_states_per_insn {} total_states {} peak_states {} mark_read 0\n",
                     env.stats.insns_processed, env.opts.max_insns_processed, env.max_states_per_insn,
                     env.stats.states_stored, env.stats.peak_states);
}

}  // namespace decade::verifier
