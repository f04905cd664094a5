// SPDX-License-Identifier: Apache-2.0
// The socket-level program types: sock_ops, sk_msg, flow_dissector,
// sk_reuseport, sk_lookup, the cgroup sysctl, sockopt and device hooks,
// and netfilter. Field access rules follow the kernel's
// sock_ops_is_valid_access, sk_msg_is_valid_access,
// flow_dissector_is_valid_access, sk_reuseport_is_valid_access,
// sk_lookup_is_valid_access (net/core/filter.c), sysctl_is_valid_access,
// cg_sockopt_is_valid_access, cgroup_dev_is_valid_access
// (kernel/bpf/cgroup.c) and nf_is_valid_access; return ranges follow
// check_return_code. Socket pointers in these contexts (sk, migrating_sk)
// are the kernel's socket pointers (verifier/sock_access.cpp); none of
// these types can be test-run except sysctl and device, whose contexts
// are plain numbers.
#include <cstddef>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/packet_context.hpp"
#include "runtime/program_types.hpp"

namespace decade {
namespace {

// An 8-byte pointer field of the given kind, read whole.
CtxField ptr_field(const char* name, size_t off, CtxFieldKind kind) { return whole_field(ctx_field(name, off, 8, true, false, kind)); }

// A socket pointer (the kernel's PTR_TO_SOCKET, or PTR_TO_SOCKET_OR_NULL).
CtxField sock_field(const char* name, size_t off, bool maybe_null) { return sock_ptr_field(name, off, "bpf_sock", maybe_null); }

// Four u32 words from off, named name[0] .. name[3].
void add_words4(std::vector<CtxField>& f, const std::string& name, size_t off, bool narrow) {
  for (size_t i = 0; i < 4; ++i) {
    f.push_back(ctx_field((name + "[" + std::to_string(i) + "]").c_str(), off + 4 * i, 4, true, false));
    f.back().narrow_read = narrow;
  }
}

ProgramType base(const char* name, std::vector<std::string> sections, uint32_t ctx_size) {
  ProgramType t;
  t.name = name;
  t.sec_prefixes = std::move(sections);
  t.ctx_size = ctx_size;
  return t;
}

// struct bpf_sock_ops (224 bytes): every u32 word read whole (only
// skb_tcp_flags also narrower), reply and sk_txhash also written whole;
// the u64 counters and pointers read as 8 bytes. skb_data..skb_data_end
// is the TCP header, read only.
ProgramType sock_ops() {
  ProgramType t = base("sock_ops", {"sockops"}, 224);
  static const char* words[] = {
      "op", "reply", "args[1]", "args[2]", "args[3]", "family", "remote_ip4", "local_ip4", "remote_ip6[0]", "remote_ip6[1]",
      "remote_ip6[2]", "remote_ip6[3]", "local_ip6[0]", "local_ip6[1]", "local_ip6[2]", "local_ip6[3]", "remote_port",
      "local_port", "is_fullsock", "snd_cwnd", "srtt_us", "bpf_sock_ops_cb_flags", "state", "rtt_min", "snd_ssthresh",
      "rcv_nxt", "snd_nxt", "snd_una", "mss_cache", "ecn_flags", "rate_delivered", "rate_interval_us", "packets_out",
      "retrans_out", "total_retrans", "segs_in", "data_segs_in", "segs_out", "data_segs_out", "lost_out", "sacked_out",
      "sk_txhash"};
  for (size_t i = 0; i < std::size(words); ++i) {
    const std::string n = words[i];
    t.fields.push_back(whole_field(ctx_field(words[i], 4 * i, 4, true, n == "reply" || n == "sk_txhash")));
  }
  t.fields.push_back(whole_field(ctx_field("bytes_received", 168, 8, true, false)));
  t.fields.push_back(whole_field(ctx_field("bytes_acked", 176, 8, true, false)));
  t.fields.push_back(sock_field("sk", 184, true));
  t.fields.push_back(ptr_field("skb_data", 192, CtxFieldKind::PacketData));
  t.fields.push_back(ptr_field("skb_data_end", 200, CtxFieldKind::PacketEnd));
  t.fields.push_back(whole_field(ctx_field("skb_len", 208, 4, true, false)));
  t.fields.push_back(ctx_field("skb_tcp_flags", 212, 4, true, false));
  t.fields.push_back(whole_field(ctx_field("skb_hwtstamp", 216, 8, true, false)));
  t.has_packet = true;
  t.helper_list = HelperList::SockOps;
  t.run = RunCtx::Unsupported;
  t.ret_min = 0;
  t.ret_max = 1;
  return t;
}

// struct sk_msg_md (80 bytes), read only: 64-bit data, data_end and sk,
// every u32 read whole. The message is written directly.
ProgramType sk_msg() {
  ProgramType t = base("sk_msg", {"sk_msg"}, 80);
  auto& f = t.fields;
  f.push_back(ptr_field("data", 0, CtxFieldKind::PacketData));
  f.push_back(ptr_field("data_end", 8, CtxFieldKind::PacketEnd));
  f.push_back(whole_field(ctx_field("family", 16, 4, true, false)));
  f.push_back(whole_field(ctx_field("remote_ip4", 20, 4, true, false)));
  f.push_back(whole_field(ctx_field("local_ip4", 24, 4, true, false)));
  add_words4(f, "remote_ip6", 28, false);
  add_words4(f, "local_ip6", 44, false);
  f.push_back(whole_field(ctx_field("remote_port", 60, 4, true, false)));
  f.push_back(whole_field(ctx_field("local_port", 64, 4, true, false)));
  f.push_back(whole_field(ctx_field("size", 68, 4, true, false)));
  f.push_back(sock_field("sk", 72, false));
  t.has_packet = true;
  t.packet_writable = true;
  t.helper_list = HelperList::SkMsg;
  t.run = RunCtx::Unsupported;
  return t;
}

// __sk_buff as the flow dissector sees it: data and data_end (4 bytes,
// never sign-extended) and the 64-bit flow_keys pointer, to a struct
// bpf_flow_keys the program reads and writes at constant offsets. The
// packet is read only.
ProgramType flow_dissector() {
  using M = SkBuffMd;
  ProgramType t = base("flow_dissector", {"flow_dissector"}, sizeof(M));
  t.fields.push_back(whole_field(ctx_field("data", offsetof(M, data), 4, true, false, CtxFieldKind::PacketData)));
  t.fields.push_back(whole_field(ctx_field("data_end", offsetof(M, data_end), 4, true, false, CtxFieldKind::PacketEnd)));
  CtxField keys = ptr_field("flow_keys", offsetof(M, flow_keys), CtxFieldKind::Mem);
  keys.mem_size = kFlowKeysSize;
  t.fields.push_back(keys);
  t.has_packet = true;
  t.helper_list = HelperList::FlowDissector;
  t.run = RunCtx::Unsupported;
  return t;
}

// struct sk_reuseport_md (56 bytes), read only: eth_protocol read with 2
// or 4 bytes, len, ip_protocol and bind_inany with any width, hash whole.
// One type for both attach types (select and select-or-migrate).
ProgramType sk_reuseport() {
  ProgramType t = base("sk_reuseport", {"sk_reuseport", "sk_reuseport/migrate"}, 56);
  auto& f = t.fields;
  f.push_back(ptr_field("data", 0, CtxFieldKind::PacketData));
  f.push_back(ptr_field("data_end", 8, CtxFieldKind::PacketEnd));
  f.push_back(ctx_field("len", 16, 4, true, false));
  // find_field takes the first field holding the access: 2-byte halves of
  // eth_protocol, read whole, before the word; a 1-byte read fails on them.
  f.push_back(whole_field(ctx_field("eth_protocol[0:2]", 20, 2, true, false)));
  f.push_back(whole_field(ctx_field("eth_protocol[2:4]", 22, 2, true, false)));
  f.push_back(whole_field(ctx_field("eth_protocol", 20, 4, true, false)));
  f.push_back(ctx_field("ip_protocol", 24, 4, true, false));
  f.push_back(ctx_field("bind_inany", 28, 4, true, false));
  f.push_back(whole_field(ctx_field("hash", 32, 4, true, false)));
  f.push_back(sock_field("sk", 40, false));
  f.push_back(sock_ptr_field("migrating_sk", 48, "sock_common", true));
  t.has_packet = true;
  t.helper_list = HelperList::SkReuseport;
  t.run = RunCtx::Unsupported;
  return t;
}

// struct bpf_sk_lookup (72 bytes), read only: sk (or NULL), the u32
// fields with any width, remote_port as its 2 bytes (narrower too) or as a
// 4-byte word, and the zero padding after it.
ProgramType sk_lookup() {
  ProgramType t = base("sk_lookup", {"sk_lookup"}, 72);
  auto& f = t.fields;
  f.push_back(sock_field("sk", 0, true));
  f.push_back(ctx_field("family", 8, 4, true, false));
  f.push_back(ctx_field("protocol", 12, 4, true, false));
  f.push_back(ctx_field("remote_ip4", 16, 4, true, false));
  add_words4(f, "remote_ip6", 20, true);
  // find_field takes the first field holding the access: the 2-byte port
  // and padding before the 4-byte word that spans both.
  f.push_back(ctx_field("remote_port", 36, 2, true, false));
  f.push_back(ctx_field("pad", 38, 2, true, false));
  f.push_back(whole_field(ctx_field("remote_port_word", 36, 4, true, false)));
  f.push_back(ctx_field("local_ip4", 40, 4, true, false));
  add_words4(f, "local_ip6", 44, true);
  f.push_back(ctx_field("local_port", 60, 4, true, false));
  f.push_back(ctx_field("ingress_ifindex", 64, 4, true, false));
  t.helper_list = HelperList::SkLookup;
  t.run = RunCtx::Unsupported;
  t.ret_min = 0;
  t.ret_max = 1;
  return t;
}

// struct bpf_sysctl: write read with any width, file_pos read with any
// width and written whole.
ProgramType cgroup_sysctl() {
  ProgramType t = base("cgroup_sysctl", {"cgroup/sysctl"}, 8);
  t.fields.push_back(ctx_field("write", 0, 4, true, false));
  t.fields.push_back(ctx_field("file_pos", 4, 4, true, true));
  t.helper_list = HelperList::CgroupSysctl;
  t.ret_min = 0;
  t.ret_max = 1;
  return t;
}

// struct bpf_sockopt (40 bytes): sk, optval and optval_end (the option's
// bytes, read and written directly) as 8-byte pointers, the s32 fields
// whole; optlen written by both hooks, retval read and written by
// getsockopt only, level and optname written by setsockopt only.
ProgramType cgroup_sockopt(bool get) {
  ProgramType t = base(get ? "cgroup_getsockopt" : "cgroup_setsockopt", {get ? "cgroup/getsockopt" : "cgroup/setsockopt"}, 40);
  auto& f = t.fields;
  f.push_back(sock_field("sk", 0, false));
  f.push_back(ptr_field("optval", 8, CtxFieldKind::PacketData));
  f.push_back(ptr_field("optval_end", 16, CtxFieldKind::PacketEnd));
  f.push_back(whole_field(ctx_field("level", 24, 4, true, !get)));
  f.push_back(whole_field(ctx_field("optname", 28, 4, true, !get)));
  f.push_back(whole_field(ctx_field("optlen", 32, 4, true, true)));
  f.push_back(whole_field(ctx_field("retval", 36, 4, get, get)));
  t.has_packet = true;
  t.packet_writable = true;
  t.run = RunCtx::Unsupported;
  t.ret_min = 0;
  t.ret_max = 1;
  return t;
}

// struct bpf_cgroup_dev_ctx, read only: access_type with any width,
// major and minor whole.
ProgramType cgroup_device() {
  ProgramType t = base("cgroup_device", {"cgroup/dev"}, 12);
  t.fields.push_back(ctx_field("access_type", 0, 4, true, false));
  t.fields.push_back(whole_field(ctx_field("major", 4, 4, true, false)));
  t.fields.push_back(whole_field(ctx_field("minor", 8, 4, true, false)));
  t.ret_min = 0;
  t.ret_max = 1;
  return t;
}

// struct bpf_nf_ctx: two trusted pointers (state, skb), read whole, to
// kernel structures the program may not write.
ProgramType netfilter() {
  ProgramType t = base("netfilter", {"netfilter"}, 16);
  CtxField state = ptr_field("state", 0, CtxFieldKind::PtrToBtf);
  state.btf_type = "nf_hook_state";
  CtxField skb = ptr_field("skb", 8, CtxFieldKind::PtrToBtf);
  skb.btf_type = "sk_buff";
  t.fields = {state, skb};
  t.run = RunCtx::Unsupported;
  t.ret_min = 0;  // NF_DROP
  t.ret_max = 1;  // NF_ACCEPT
  return t;
}

}  // namespace

std::vector<ProgramType> socket_program_types() {
  return {sock_ops(), sk_msg(), flow_dissector(), sk_reuseport(), sk_lookup(), cgroup_sysctl(),
          cgroup_sockopt(true), cgroup_sockopt(false), cgroup_device(), netfilter()};
}

}  // namespace decade
