// SPDX-License-Identifier: Apache-2.0
// What a loaded program brings to a prog_array (TailCallProfile) and the
// load-time claim on the arrays it refers to, as the kernel's
// bpf_check_tail_call does for every program that uses a prog_array.
#include <fmt/format.h>

#include <array>
#include <utility>

#include "api/object_impl.hpp"
#include "isa/isa.hpp"

namespace decade::api {
namespace {

// Everything the verifier read from the type: two hosts may register
// different layouts under one name, and such programs must not meet.
std::string context_contract(const ProgramType& t) {
  std::string s = fmt::format("size={} raw={} plain={} packet={} ret=[{},{}]", t.ctx_size, t.raw_ctx, t.plain_ctx,
                              t.has_packet, t.ret_min, t.ret_max);
  for (const CtxField& f : t.fields)
    s += fmt::format(";{}@{}:{} r{}w{} nr{}nw{} k{} {}", f.name, f.offset, f.size, f.readable, f.writable,
                     f.narrow_read, f.narrow_write, static_cast<int>(f.kind), f.btf_type);
  return s;
}

// libbpf's expected attach type for the sections whose programs of one type
// differ in it (the kernel keeps prog_arrays to one attach type).
std::string attach_of(std::string_view sec) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kExact = {{
      {"tc/ingress", "tcx_ingress"},
      {"tcx/ingress", "tcx_ingress"},
      {"tc/egress", "tcx_egress"},
      {"tcx/egress", "tcx_egress"},
      {"netkit/primary", "netkit_primary"},
      {"netkit/peer", "netkit_peer"},
  }};
  for (const auto& [name, attach] : kExact)
    if (sec == name) return std::string(attach);
  if (sec.starts_with("uprobe.multi") || sec.starts_with("uretprobe.multi")) return "trace_uprobe_multi";
  return {};
}

}  // namespace

bool sleepable_section(std::string_view sec) {
  const std::string_view first = sec.substr(0, sec.find('/'));
  return first.ends_with(".s");
}

TailCallProfile tail_call_profile(const ObjectProgram& p, const ProgramType& type, const std::string& engine,
                                  bool checked) {
  TailCallProfile out;
  out.program_type = type.name;
  out.context = context_contract(type);
  out.engine = engine;
  out.checked = checked;
  out.xdp_frags = p.section.starts_with("xdp.frags");
  out.sleepable = sleepable_section(p.section);
  out.attach = attach_of(p.section);
  return out;
}

Status claim_prog_arrays(const ObjectProgram& p, const ProgramHandle& handle, std::span<Map* const> maps) {
  for (const Insn& insn : p.program.insns) {
    const Sem sem = insn.info().sem;
    if (sem != Sem::LdMapFd && sem != Sem::LdMapIdx) continue;
    if (p.program.raw_map_fd(insn)) continue;  // names no map
    const auto idx = static_cast<size_t>(static_cast<uint32_t>(insn.imm));
    Map* m = idx < maps.size() ? maps[idx] : nullptr;
    if (!m || m->type() != MapType::ProgArray) continue;
    if (auto s = prog_array_claim(*m, handle); !s) {
      Error e = s.error();
      e.insn = insn.pc;
      return std::unexpected(std::move(e));
    }
  }
  return ok();
}

}  // namespace decade::api
