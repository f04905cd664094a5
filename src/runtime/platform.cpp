// SPDX-License-Identifier: Apache-2.0
#include "runtime/platform.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "runtime/exception.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/program_types.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

std::vector<FuncProto> builtin_helpers() {
  std::vector<FuncProto> out;
  append_map_helpers(out);
  append_probe_read_helpers(out);
  append_misc_helpers(out);
  append_task_helpers(out);
  append_probe_helpers(out);
  append_print_helpers(out);
  append_ringbuf_helpers(out);
  append_callback_helpers(out);
  append_timer_helpers(out);
  append_packet_helpers(out);
  append_redirect_helpers(out);
  append_fib_helpers(out);
  append_perf_helpers(out);
  append_csum_helpers(out);
  append_skb_room_helpers(out);
  append_skb_meta_helpers(out);
  append_syncookie_helpers(out);
  append_sock_helpers(out);
  append_sk_lookup_helpers(out);
  return out;
}

// libbpf's sec_def_matches: "name+" accepts "name" and "name/anything".
// Returns the pattern length on a match (longer = more specific), else 0.
size_t match_len(const std::string& pattern, const std::string& sec) {
  if (!pattern.empty() && pattern.back() == '+') {
    std::string base = pattern.substr(0, pattern.size() - 1);
    if (sec == base) return base.size();
    if (sec.size() > base.size() && sec.compare(0, base.size(), base) == 0 && sec[base.size()] == '/')
      return base.size();
    return 0;
  }
  return sec == pattern ? pattern.size() + 1 : 0;  // exact beats a prefix of the same length
}

// A standard type's allow list, as the kernel's *_func_proto give them:
// packet helpers where they apply (packet_helper_types). Helpers that read
// host memory stay in every list: privilege_denied() rejects them with a
// reason naming the missing tracing type or grant.
std::vector<uint32_t> allow_list(const Platform& p, uint32_t kind, bool tracing, bool coarse_clock) {
  std::vector<uint32_t> ids;
  ids.reserve(p.helpers().size());
  for (const auto& [id, proto] : p.helpers()) {
    uint32_t allowed = packet_helper_types(id);
    if (allowed == kAnyProgramType) allowed = sock_helper_types(id);
    if (allowed != kAnyProgramType && !(allowed & kind)) continue;
    if (is_tracing_only_helper(id) && !tracing) continue;
    // The kernel's tracing types may run in NMI context, where the coarse
    // clock is unsafe: Linux refuses bpf_ktime_get_coarse_ns to them.
    if (id == kHelperKtimeGetCoarseNs && !coarse_clock) continue;
    ids.push_back(id);
  }
  return ids;
}

// The cgroup socket and socket address hooks (sock_filter_func_proto,
// sock_addr_func_proto): their bpf_get_socket_cookie takes their context
// (bpf_get_socket_cookie_sock / _sock_addr); the skb types and sock_ops
// have it through sock_helper_types.
bool socket_cookie_ctx_type(const std::string& name) {
  for (const char* prefix : {"cgroup_inet", "cgroup_udp", "cgroup_unix"})
    if (name.starts_with(prefix)) return true;
  return false;
}

// The hooks that offer bpf_get_netns_cookie besides sock_ops and sk_msg:
// those, and the sockopt hooks (cg_sockopt_func_proto); they share the
// base helper list otherwise.
bool netns_cookie_type(const std::string& name) {
  return socket_cookie_ctx_type(name) || name.starts_with("cgroup_getsockopt") || name.starts_with("cgroup_setsockopt");
}

// The cgroup hooks (cgroup_common_func_proto: socket, socket address,
// sockopt, device and sysctl hooks, and cgroup_skb) and sock_ops offer
// bpf_get_local_storage; the skb, sock_ops and sysctl lists have it through
// sock_helper_types, the others share the base list otherwise.
bool cgroup_hook_type(const std::string& name) { return name.starts_with("cgroup_"); }

}  // namespace

Platform Platform::standard() {
  Platform p;
  for (FuncProto& h : builtin_helpers()) (void)p.add_helper(std::move(h));
  std::vector<FuncProto> kfuncs;
  append_iter_num_kfuncs(kfuncs);
  append_iter_bits_kfuncs(kfuncs);
  append_cast_kfuncs(kfuncs);
  append_arena_kfuncs(kfuncs);
  append_res_lock_kfuncs(kfuncs);
  append_exception_kfuncs(kfuncs);
  append_bitmanip_kfuncs(kfuncs);
  for (FuncProto& k : kfuncs) (void)p.add_kfunc(std::move(k));
  // Allow lists depend only on (packet kind, tracing, coarse clock), so
  // each distinct combination is computed once and copied to its types.
  std::map<std::tuple<uint32_t, bool, bool>, std::vector<uint32_t>> lists;
  for (ProgramType& t : standard_program_types()) {
    const uint32_t kind = helper_list_bit(t.helper_list);
    auto [it, fresh] = lists.try_emplace({kind, t.tracing, t.coarse_clock});
    if (fresh) it->second = allow_list(p, kind, t.tracing, t.coarse_clock);
    t.helpers = it->second;
    if (netns_cookie_type(t.name)) t.helpers.push_back(kHelperGetNetnsCookie);
    if (socket_cookie_ctx_type(t.name)) t.helpers.push_back(kHelperGetSocketCookie);
    if (cgroup_hook_type(t.name) && std::find(t.helpers.begin(), t.helpers.end(), kHelperGetLocalStorage) == t.helpers.end())
      t.helpers.push_back(kHelperGetLocalStorage);
    (void)p.add_program_type(std::move(t));
  }
  return p;
}

Status Platform::add_helper(FuncProto proto) {
  if (proto.id == 0 || !proto.fn || proto.name.empty())
    return make_error(ErrorCode::InvalidArgument, fmt::format("helper '{}': needs an id, a name and a function", proto.name));
  if (helpers_.contains(proto.id))
    return make_error(ErrorCode::InvalidArgument, fmt::format("helper id {} is already registered", proto.id));
  uint32_t id = proto.id;
  helpers_.emplace(id, std::move(proto));
  return ok();
}

Status Platform::add_kfunc(FuncProto proto) {
  if (!proto.fn || proto.name.empty())
    return make_error(ErrorCode::InvalidArgument, "kfunc: needs a name and a function");
  if (kfuncs_.contains(proto.name))
    return make_error(ErrorCode::InvalidArgument, fmt::format("kfunc '{}' is already registered", proto.name));
  std::string name = proto.name;
  kfuncs_.emplace(std::move(name), std::move(proto));
  return ok();
}

Status Platform::add_program_type(ProgramType t) {
  if (t.name.empty()) return make_error(ErrorCode::InvalidArgument, "program type without a name");
  if (types_.contains(t.name))
    return make_error(ErrorCode::InvalidArgument, fmt::format("program type '{}' is already registered", t.name));
  for (const CtxField& f : t.fields) {
    if (uint64_t{f.offset} + f.size > t.ctx_size)
      return make_error(ErrorCode::InvalidArgument,
                        fmt::format("program type '{}': field '{}' lies outside the context", t.name, f.name));
  }
  std::string name = t.name;
  types_.emplace(std::move(name), std::move(t));
  return ok();
}

Status Platform::allow_helper(const std::string& type, uint32_t id) {
  auto it = types_.find(type);
  if (it == types_.end()) return make_error(ErrorCode::InvalidArgument, fmt::format("no program type '{}'", type));
  if (!helper(id)) return make_error(ErrorCode::InvalidArgument, fmt::format("no helper with id {}", id));
  std::vector<uint32_t>& list = it->second.helpers;
  if (!list.empty() && std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
  return ok();
}

const FuncProto* Platform::helper(uint32_t id) const {
  auto it = helpers_.find(id);
  return it == helpers_.end() ? nullptr : &it->second;
}

const FuncProto* Platform::kfunc(const std::string& name) const {
  auto it = kfuncs_.find(name);
  return it == kfuncs_.end() ? nullptr : &it->second;
}

const ProgramType* Platform::program_type(const std::string& name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

const ProgramType* Platform::program_type_for_section(const std::string& sec) const {
  const ProgramType* best = nullptr;
  size_t best_len = 0;
  for (const auto& [name, t] : types_) {
    for (const std::string& pat : t.sec_prefixes) {
      size_t n = match_len(pat, sec);
      if (n > best_len) {
        best_len = n;
        best = &t;
      }
    }
  }
  return best;
}

Status Platform::add_readable_range(AddressRange r) {
  if (r.size == 0 || r.start + (r.size - 1) < r.start)
    return make_error(ErrorCode::InvalidArgument,
                      fmt::format("readable range {:#x}+{:#x} is empty or wraps around", r.start, r.size));
  readable_.push_back(r);
  return ok();
}

uint64_t Platform::readable_prefix(uint64_t addr, uint64_t max) const {
  if (!(grants_ & kGrantReadHostMemory)) return 0;
  uint64_t best = 0;
  for (const AddressRange& r : readable_) {
    if (addr < r.start || addr - r.start > r.size - 1) continue;
    best = std::max(best, std::min(max, r.size - (addr - r.start)));
  }
  return best;
}

std::optional<std::string> Platform::privilege_denied(const ProgramType& type, const FuncProto& proto) const {
  if (!(proto.flags & kHelperReadsHostMemory)) return std::nullopt;
  if (!type.tracing)
    return fmt::format("{} reads host memory: only tracing program types may call it, not {}", proto.name, type.name);
  if (!(grants_ & kGrantReadHostMemory))
    return fmt::format("{} reads host memory: the host has not granted read_host_memory", proto.name);
  return std::nullopt;
}

bool Platform::helper_allowed(const ProgramType& type, uint32_t id) const {
  if (!helper(id)) return false;
  // Also for types whose empty list allows every helper (host types).
  if (id == kHelperKtimeGetCoarseNs && !type.coarse_clock) return false;
  if (type.helpers.empty()) return true;
  for (uint32_t h : type.helpers)
    if (h == id) return true;
  return false;
}

namespace {
// FuncProto::fn of a wide function: reached only by a call path that has
// no stack arguments to pass (callx by helper id), which fails cleanly.
uint64_t wide_without_stack_args(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  raise_fault(ErrorCode::ExecBadCall, "a function of more than five arguments called without its stack arguments");
  return 0;
}
}  // namespace

FuncProto make_wide_proto(std::string name, HelperFnWide fn, uint8_t stack_args) {
  FuncProto p;
  p.name = std::move(name);
  p.fn = wide_without_stack_args;
  p.fn_wide = fn;
  p.stack_args = stack_args;
  return p;
}

uint8_t argument_clobbers(const FuncProto& p) {
  uint8_t m = p.ret == RetKind::Void ? 0 : 1;
  for (size_t i = 0; i < p.args.size() && p.args[i] != ArgKind::None; ++i) m |= static_cast<uint8_t>(2u << i);
  return m;
}

}  // namespace decade
