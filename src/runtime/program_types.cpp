// SPDX-License-Identifier: Apache-2.0
// Context layouts and section names of the built-in program types. Field
// access rules follow the kernel's *_is_valid_access functions:
// sk_filter_is_valid_access (socket filters may write only cb[], and get no
// direct packet access), tc_cls_act_is_valid_access (tc may write mark,
// priority, queue_mapping, tc_index, cb[], tc_classid, tstamp and reads the
// packet pointers; bpf_skb_is_valid_access gives the widths: narrow loads of
// u32 fields, whole stores, cb[] at any aligned width), xdp_is_valid_access
// (read-only xdp_md, only whole 4-byte loads; egress_ifindex
// only for devmap programs, which are therefore their own type here, as are
// cpumap programs). No xdp return value is range-checked: Linux 6.18 loads
// an XDP program returning 5 (tests/verifier/kernel_agreement_test.cpp).
#include "runtime/program_types.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "runtime/packet_context.hpp"

namespace decade {
CtxField ctx_field(const char* name, size_t off, size_t size, bool readable, bool writable, CtxFieldKind kind) {
  CtxField f;
  f.name = name;
  f.offset = static_cast<uint32_t>(off);
  f.size = static_cast<uint32_t>(size);
  f.readable = readable;
  f.writable = writable;
  f.kind = kind;
  return f;
}

CtxField whole_field(CtxField f) {
  f.narrow_read = false;
  return f;
}

CtxField sock_ptr_field(const char* name, size_t off, const char* btf_type, bool maybe_null) {
  CtxField f = whole_field(ctx_field(name, off, 8, true, false, CtxFieldKind::PtrToBtf));
  f.btf_type = btf_type;
  f.maybe_null = maybe_null;
  return f;
}

namespace {

// __sk_buff for socket filters (tc == false) and tc programs (tc == true).
std::vector<CtxField> skb_fields(bool tc) {
  using M = SkBuffMd;
  std::vector<CtxField> f;
#define SCALAR(name, rd, wr) f.push_back(ctx_field(#name, offsetof(M, name), sizeof(M::name), rd, wr))
  SCALAR(len, true, false);
  SCALAR(pkt_type, true, false);
  SCALAR(mark, true, tc);
  SCALAR(queue_mapping, true, tc);
  SCALAR(protocol, true, false);
  SCALAR(vlan_present, true, false);
  SCALAR(vlan_tci, true, false);
  SCALAR(vlan_proto, true, false);
  SCALAR(priority, true, tc);
  SCALAR(ingress_ifindex, true, false);
  SCALAR(ifindex, true, false);
  SCALAR(tc_index, true, tc);
  for (int i = 0; i < 5; ++i) {
    static const char* names[] = {"cb[0]", "cb[1]", "cb[2]", "cb[3]", "cb[4]"};
    f.push_back(ctx_field(names[i], offsetof(M, cb) + 4 * i, 4, true, true));
    f.back().narrow_write = true;
  }
  // cb[] as a whole: the kernel allows any aligned load or store inside it,
  // also an 8-byte one across two entries (find_field tries cb[i] first).
  f.push_back(ctx_field("cb", offsetof(M, cb), sizeof(M::cb), true, true));
  f.back().narrow_write = true;
  SCALAR(hash, true, false);
  SCALAR(tc_classid, tc, tc);
  f.push_back(whole_field(ctx_field("data", offsetof(M, data), 4, tc, false, CtxFieldKind::PacketData)));
  f.push_back(whole_field(ctx_field("data_end", offsetof(M, data_end), 4, tc, false, CtxFieldKind::PacketEnd)));
  SCALAR(napi_id, true, false);
  // family .. local_port belong to sk_skb programs: described, never accessible here.
  SCALAR(family, false, false);
  SCALAR(remote_ip4, false, false);
  SCALAR(local_ip4, false, false);
  SCALAR(remote_ip6, false, false);
  SCALAR(local_ip6, false, false);
  SCALAR(remote_port, false, false);
  SCALAR(local_port, false, false);
  f.push_back(whole_field(ctx_field("data_meta", offsetof(M, data_meta), 4, tc, false, CtxFieldKind::PacketMeta)));
  SCALAR(flow_keys, false, false);
  SCALAR(tstamp, tc, tc);
  f.back() = whole_field(f.back());  // 8-byte loads and stores only
  SCALAR(wire_len, tc, false);
  SCALAR(gso_segs, true, false);
  // The packet's socket, or NULL (every skb type but flow_dissector reads it).
  f.push_back(sock_ptr_field("sk", offsetof(M, sk), "sock_common", true));
  SCALAR(gso_size, true, false);
  SCALAR(tstamp_type, tc, false);
  SCALAR(hwtstamp, tc, false);
  f.back() = whole_field(f.back());  // 8-byte loads only
#undef SCALAR
  // Scalar u32 fields allow narrow loads (bpf_ctx_narrow_access_ok) but only
  // whole stores; the socket address fields only whole 4-byte accesses.
  for (CtxField& x : f)
    if (x.name.starts_with("remote_ip") || x.name.starts_with("local_ip")) x.narrow_read = false;
  return f;
}

ProgramType socket_filter() {
  ProgramType t;
  t.name = "socket_filter";
  t.sec_prefixes = {"socket"};
  t.ctx_size = sizeof(SkBuffMd);
  t.fields = skb_fields(false);
  t.legacy_packet_loads = true;
  t.helper_list = HelperList::SocketFilter;
  t.run = RunCtx::SkbL3;
  return t;
}

// cgroup_skb (cg_skb_is_valid_access): the socket filter's view plus reads
// of data and data_end (packet access is read-only: the verifier refuses
// packet stores for this type), reads of tstamp, writes of mark and
// priority, and root's writes of tstamp. One type
// for ingress and egress, so the return range is egress's [0, 3] (the
// kernel allows ingress programs only [0, 1]).
ProgramType cgroup_skb() {
  ProgramType t;
  t.name = "cgroup_skb";
  t.sec_prefixes = {"cgroup_skb/ingress", "cgroup_skb/egress", "cgroup/skb"};
  t.ctx_size = sizeof(SkBuffMd);
  t.fields = skb_fields(false);
  for (CtxField& f : t.fields) {
    if (f.name == "data" || f.name == "data_end") f.readable = true;
    if (f.name == "mark" || f.name == "priority") f.writable = true;
    // tstamp: read by every program, written only by root's (CAP_BPF).
    if (f.name == "tstamp") f.readable = f.writable = f.write_privileged = true;
    // The socket's addresses and ports (family .. local_port), read as the
    // context holds them: whole 4-byte words (the IPv6 addresses word by word).
    if (f.name == "family" || f.name.starts_with("remote_") || f.name.starts_with("local_")) f.readable = true;
  }
  std::erase_if(t.fields, [](const CtxField& f) { return f.name == "remote_ip6" || f.name == "local_ip6"; });
  for (const char* ip6 : {"remote_ip6", "local_ip6"})
    for (uint32_t i = 0; i < 4; ++i) {
      const uint32_t base = std::string_view(ip6) == "remote_ip6" ? offsetof(SkBuffMd, remote_ip6) : offsetof(SkBuffMd, local_ip6);
      t.fields.push_back(whole_field(ctx_field((std::string(ip6) + "[" + std::to_string(i) + "]").c_str(), base + 4 * i, 4, true, false)));
    }
  t.has_packet = true;
  t.helper_list = HelperList::CgroupSkb;
  t.run = RunCtx::SkbL3;
  t.ret_min = 0;
  t.ret_max = 3;
  return t;
}

// Lightweight tunnel programs (lwt_is_valid_access): the socket filter's
// view plus the packet pointers and writes of mark and priority; only
// lwt_xmit may write the packet (the verifier refuses the others' stores).
ProgramType lwt(const char* name) {
  ProgramType t;
  t.name = name;
  t.sec_prefixes = {name};
  t.ctx_size = sizeof(SkBuffMd);
  t.fields = skb_fields(false);
  for (CtxField& f : t.fields) {
    if (f.name == "data" || f.name == "data_end") f.readable = true;
    if (f.name == "mark" || f.name == "priority") f.writable = true;
  }
  t.has_packet = true;
  const bool xmit = std::string_view(name) == "lwt_xmit";
  t.packet_writable = xmit;
  t.helper_list = xmit ? HelperList::LwtXmit : HelperList::Lwt;
  t.run = RunCtx::SkbL3;
  return t;
}

// struct bpf_sock_addr, as sock_addr_is_valid_access gives it: the
// address fields of the attach type's family (and the message source for
// sendmsg) read with any aligned width up to 4 bytes, written whole; the
// IPv6 arrays also in aligned 8-byte halves; user_family, family, type and
// protocol read whole and never written; sk is the socket (PTR_TO_SOCKET).
enum class AddrFamily { Inet4, Inet6, Unix };

void add_addr6(std::vector<CtxField>& f, const char* name, size_t off) {
  static const char* idx[] = {"[0]", "[1]", "[2]", "[3]"};
  for (size_t i = 0; i < 4; ++i) f.push_back(ctx_field((std::string(name) + idx[i]).c_str(), off + 4 * i, 4, true, true));
  // bpf_ctx_wide_access_ok: 8-byte accesses at 8-byte aligned offsets.
  for (size_t i = 0; i < 3; ++i)
    if ((off + 4 * i) % 8 == 0)
      f.push_back(whole_field(ctx_field((std::string(name) + idx[i] + idx[i + 1]).c_str(), off + 4 * i, 8, true, true)));
}

ProgramType sock_addr(const char* name, const char* section, AddrFamily fam, bool sendmsg, int64_t ret_min, int64_t ret_max) {
  ProgramType t;
  t.name = name;
  t.sec_prefixes = {section};
  t.ctx_size = 72;
  auto& f = t.fields;
  f.push_back(whole_field(ctx_field("user_family", 0, 4, true, false)));
  if (fam == AddrFamily::Inet4) f.push_back(ctx_field("user_ip4", 4, 4, true, true));
  if (fam == AddrFamily::Inet6) add_addr6(f, "user_ip6", 8);
  f.push_back(ctx_field("user_port", 24, 4, true, true));
  f.push_back(whole_field(ctx_field("family", 28, 4, true, false)));
  f.push_back(whole_field(ctx_field("type", 32, 4, true, false)));
  f.push_back(whole_field(ctx_field("protocol", 36, 4, true, false)));
  if (sendmsg && fam == AddrFamily::Inet4) f.push_back(ctx_field("msg_src_ip4", 40, 4, true, true));
  if (sendmsg && fam == AddrFamily::Inet6) add_addr6(f, "msg_src_ip6", 44);
  f.push_back(sock_ptr_field("sk", 64, "bpf_sock", false));
  t.ret_min = ret_min;
  t.ret_max = ret_max;
  return t;
}

// The cgroup socket-address hooks, named as libbpf names their attach
// types. Return values (check_return_code): bind [0, 3], the name and
// recvmsg hooks exactly 1, the others [0, 1].
std::vector<ProgramType> sock_addr_types() {
  using F = AddrFamily;
  return {sock_addr("cgroup_inet4_bind", "cgroup/bind4", F::Inet4, false, 0, 3),
          sock_addr("cgroup_inet6_bind", "cgroup/bind6", F::Inet6, false, 0, 3),
          sock_addr("cgroup_inet4_connect", "cgroup/connect4", F::Inet4, false, 0, 1),
          sock_addr("cgroup_inet6_connect", "cgroup/connect6", F::Inet6, false, 0, 1),
          sock_addr("cgroup_unix_connect", "cgroup/connect_unix", F::Unix, false, 0, 1),
          sock_addr("cgroup_udp4_sendmsg", "cgroup/sendmsg4", F::Inet4, true, 0, 1),
          sock_addr("cgroup_udp6_sendmsg", "cgroup/sendmsg6", F::Inet6, true, 0, 1),
          sock_addr("cgroup_unix_sendmsg", "cgroup/sendmsg_unix", F::Unix, true, 0, 1),
          sock_addr("cgroup_udp4_recvmsg", "cgroup/recvmsg4", F::Inet4, false, 1, 1),
          sock_addr("cgroup_udp6_recvmsg", "cgroup/recvmsg6", F::Inet6, false, 1, 1),
          sock_addr("cgroup_unix_recvmsg", "cgroup/recvmsg_unix", F::Unix, false, 1, 1),
          sock_addr("cgroup_inet4_getpeername", "cgroup/getpeername4", F::Inet4, false, 1, 1),
          sock_addr("cgroup_inet6_getpeername", "cgroup/getpeername6", F::Inet6, false, 1, 1),
          sock_addr("cgroup_unix_getpeername", "cgroup/getpeername_unix", F::Unix, false, 1, 1),
          sock_addr("cgroup_inet4_getsockname", "cgroup/getsockname4", F::Inet4, false, 1, 1),
          sock_addr("cgroup_inet6_getsockname", "cgroup/getsockname6", F::Inet6, false, 1, 1),
          sock_addr("cgroup_unix_getsockname", "cgroup/getsockname_unix", F::Unix, false, 1, 1)};
}

// struct bpf_sock for the cgroup socket hooks (sock_filter_is_valid_access):
// bound_dev_if, mark and priority read and written whole by sock_create and
// sock_release only; the source address and port read by post_bind of
// their family only; the other fields read-only, with any aligned width up
// to 4 bytes (dst_port: a whole 4-byte word, or 1 and 2 bytes of the port).
enum class SockHook { Create, PostBind4, PostBind6 };

ProgramType cgroup_sock(const char* name, std::vector<std::string> sections, SockHook hook) {
  ProgramType t;
  t.name = name;
  t.sec_prefixes = std::move(sections);
  t.ctx_size = 80;
  const bool create = hook == SockHook::Create;
  auto& f = t.fields;
  f.push_back(whole_field(ctx_field("bound_dev_if", 0, 4, create, create)));
  f.push_back(ctx_field("family", 4, 4, true, false));
  f.push_back(ctx_field("type", 8, 4, true, false));
  f.push_back(ctx_field("protocol", 12, 4, true, false));
  f.push_back(whole_field(ctx_field("mark", 16, 4, create, create)));
  f.push_back(whole_field(ctx_field("priority", 20, 4, create, create)));
  f.push_back(ctx_field("src_ip4", 24, 4, hook == SockHook::PostBind4, false));
  static const char* src6[] = {"src_ip6[0]", "src_ip6[1]", "src_ip6[2]", "src_ip6[3]"};
  static const char* dst6[] = {"dst_ip6[0]", "dst_ip6[1]", "dst_ip6[2]", "dst_ip6[3]"};
  for (size_t i = 0; i < 4; ++i) f.push_back(ctx_field(src6[i], 28 + 4 * i, 4, hook == SockHook::PostBind6, false));
  f.push_back(ctx_field("src_port", 44, 4, !create, false));
  f.push_back(ctx_field("dst_port", 48, 2, true, false));
  f.push_back(whole_field(ctx_field("dst_port_word", 48, 4, true, false)));
  f.push_back(ctx_field("dst_ip4", 52, 4, true, false));
  for (size_t i = 0; i < 4; ++i) f.push_back(ctx_field(dst6[i], 56 + 4 * i, 4, true, false));
  f.push_back(ctx_field("state", 72, 4, true, false));
  f.push_back(ctx_field("rx_queue_mapping", 76, 4, true, false));
  t.ret_min = 0;
  t.ret_max = 1;
  return t;
}

// Socket-map stream programs (sk_skb_is_valid_access): the packet read and
// written directly, the socket's addresses and ports read, only tc_index and
// priority written, mark and the tc-only fields refused.
ProgramType sk_skb() {
  ProgramType t;
  t.name = "sk_skb";
  t.sec_prefixes = {"sk_skb", "sk_skb/stream_parser", "sk_skb/stream_verdict", "sk_skb/verdict"};
  t.ctx_size = sizeof(SkBuffMd);
  t.fields = skb_fields(false);
  for (CtxField& f : t.fields) {
    const std::string_view n = f.name;
    if (n == "data" || n == "data_end" || n == "family" || n.starts_with("remote_") || n.starts_with("local_")) f.readable = true;
    if (n.starts_with("cb")) f.writable = false;
    if (n == "mark") f.readable = false;
    if (n == "priority" || n == "tc_index") f.writable = true;
  }
  t.has_packet = true;
  t.packet_writable = true;
  t.helper_list = HelperList::SkSkb;
  t.run = RunCtx::Skb;
  return t;
}

// sched_cls, and sched_act (tc actions) with the same context and rules.
ProgramType sched_cls(bool action = false) {
  ProgramType t;
  t.name = action ? "sched_act" : "sched_cls";
  if (action) t.sec_prefixes = {"action"};
  else t.sec_prefixes = {"tc", "tc/ingress", "tc/egress", "tcx/ingress", "tcx/egress", "classifier", "netkit/primary", "netkit/peer"};
  t.ctx_size = sizeof(SkBuffMd);
  t.fields = skb_fields(true);
  t.has_packet = true;
  t.packet_writable = true;
  t.legacy_packet_loads = true;
  t.helper_list = HelperList::Tc;
  t.run = RunCtx::Skb;
  return t;
}

// xdp, xdp_devmap and xdp_cpumap: the same context; egress_ifindex readable
// by devmap programs only.
ProgramType xdp(const char* name = "xdp") {
  using M = XdpMd;
  const std::string_view kind = name;
  ProgramType t;
  t.name = name;
  if (kind == "xdp_devmap") t.sec_prefixes = {"xdp/devmap", "xdp.frags/devmap"};
  else if (kind == "xdp_cpumap") t.sec_prefixes = {"xdp/cpumap", "xdp.frags/cpumap"};
  else t.sec_prefixes = {"xdp", "xdp.frags"};  // exact, as libbpf: "xdp/foo" names no type
  t.ctx_size = sizeof(M);
  // __is_valid_xdp_access: every field is read with one aligned 4-byte load.
  t.fields = {whole_field(ctx_field("data", offsetof(M, data), 4, true, false, CtxFieldKind::PacketData)),
              whole_field(ctx_field("data_end", offsetof(M, data_end), 4, true, false, CtxFieldKind::PacketEnd)),
              whole_field(ctx_field("data_meta", offsetof(M, data_meta), 4, true, false, CtxFieldKind::PacketMeta)),
              whole_field(ctx_field("ingress_ifindex", offsetof(M, ingress_ifindex), 4, true, false)),
              whole_field(ctx_field("rx_queue_index", offsetof(M, rx_queue_index), 4, true, false)),
              whole_field(ctx_field("egress_ifindex", offsetof(M, egress_ifindex), 4, kind == "xdp_devmap", false))};
  t.has_packet = true;
  t.packet_writable = true;
  t.helper_list = HelperList::Xdp;
  t.run = RunCtx::Xdp;
  return t;
}

ProgramType raw() {
  ProgramType t;
  t.name = "raw";
  t.sec_prefixes = {"raw+"};
  t.raw_ctx = true;
  t.plain_ctx = true;
  return t;
}

ProgramType syscall_type() {
  ProgramType t;
  t.name = "syscall";
  t.sec_prefixes = {"syscall"};
  t.ctx_size = kSyscallCtxMax;
  t.plain_ctx = true;
  return t;
}

// x86-64 struct pt_regs, read-only. kprobe_prog_is_valid_access allows any
// aligned read inside it (narrow ones too); pe_prog_is_valid_access only
// whole 8-byte reads of the registers.
void add_pt_regs(ProgramType& t, bool narrow) {
  t.pt_regs_ctx = true;
  static const char* regs[] = {"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
                               "cx",  "dx",  "si",  "di",  "orig_ax", "ip", "cs", "flags", "sp", "ss"};
  for (size_t i = 0; i < std::size(regs); ++i) {
    t.fields.push_back(ctx_field(regs[i], i * 8, 8, true, false));
    t.fields.back().narrow_read = narrow;
  }
}

// The kernel's uprobes are kprobe programs; Decade keeps them a type of
// their own (they run in user space, on a process's registers) and gives
// kprobe, kretprobe and ksyscall sections the same context as `kprobe`.
ProgramType uprobe() {
  ProgramType t;
  t.name = "uprobe";
  t.sec_prefixes = {"uprobe+", "uretprobe+", "uprobe.s+", "uretprobe.s+", "usdt+", "usdt.s+",
                    "uprobe.multi+", "uretprobe.multi+", "uprobe.multi.s+", "uretprobe.multi.s+"};
  t.ctx_size = sizeof(X86PtRegs);
  t.tracing = true;
  add_pt_regs(t, true);
  return t;
}

ProgramType kprobe() {
  ProgramType t;
  t.name = "kprobe";
  t.sec_prefixes = {"kprobe+", "kretprobe+", "ksyscall+", "kretsyscall+", "kprobe.multi+", "kretprobe.multi+",
                    "kprobe.session+"};
  t.ctx_size = sizeof(X86PtRegs);
  t.tracing = true;
  t.coarse_clock = false;
  add_pt_regs(t, true);
  return t;
}

// A tracepoint's context is its trace record (the layout in the event's
// format file): tp_prog_is_valid_access lets a program read, aligned, any
// bytes of the first PERF_MAX_TRACE_SIZE (8192) and write none. A run's
// record comes from the caller's ctx, zero-filled to 8192 bytes.
ProgramType tracepoint() {
  ProgramType t;
  t.name = "tracepoint";
  t.sec_prefixes = {"tracepoint+", "tp+"};
  t.ctx_size = 8192;
  t.tracing = true;
  t.coarse_clock = false;
  t.fields.push_back(ctx_field("record", 0, t.ctx_size, true, false));
  return t;
}

// Raw tracepoints see the traced call's arguments as u64s (up to
// MAX_BPF_FUNC_ARGS = 12), read with any aligned width and never written
// (bpf_tracing_ctx_access).
ProgramType raw_tracepoint() {
  ProgramType t;
  t.name = "raw_tracepoint";
  t.sec_prefixes = {"raw_tracepoint+", "raw_tp+"};
  t.ctx_size = 12 * 8;
  t.tracing = true;
  t.coarse_clock = false;
  static const char* args[] = {"arg0", "arg1", "arg2", "arg3", "arg4", "arg5",
                               "arg6", "arg7", "arg8", "arg9", "arg10", "arg11"};
  for (size_t i = 0; i < std::size(args); ++i) t.fields.push_back(ctx_field(args[i], i * 8, 8, true, false));
  return t;
}

// struct bpf_perf_event_data: pt_regs, then sample_period and addr, which
// allow narrow loads (pe_prog_is_valid_access); nothing is writable.
ProgramType perf_event() {
  ProgramType t;
  t.name = "perf_event";
  t.sec_prefixes = {"perf_event"};
  t.ctx_size = sizeof(X86PtRegs) + 16;
  t.tracing = true;
  t.coarse_clock = false;
  add_pt_regs(t, false);
  t.fields.push_back(ctx_field("sample_period", sizeof(X86PtRegs), 8, true, false));
  t.fields.push_back(ctx_field("addr", sizeof(X86PtRegs) + 8, 8, true, false));
  return t;
}

// struct_ops programs see their arguments as an array of u64 (up to
// MAX_BPF_FUNC_ARGS = 12); the argument types come from BTF at load time.
ProgramType struct_ops() {
  ProgramType t;
  t.name = "struct_ops";
  t.sec_prefixes = {"struct_ops+", "struct_ops.s+"};
  t.ctx_size = 12 * 8;
  static const char* args[] = {"arg0", "arg1", "arg2", "arg3", "arg4", "arg5",
                               "arg6", "arg7", "arg8", "arg9", "arg10", "arg11"};
  for (size_t i = 0; i < std::size(args); ++i) t.fields.push_back(ctx_field(args[i], i * 8, 8, true, false));
  return t;
}

}  // namespace

std::vector<ProgramType> standard_program_types() {
  std::vector<ProgramType> types = {socket_filter(), cgroup_skb(), sched_cls(), xdp(), xdp("xdp_devmap"), xdp("xdp_cpumap"),
                                    raw(), syscall_type(), uprobe(), struct_ops(), kprobe(), tracepoint(), raw_tracepoint(),
                                    perf_event(), lwt("lwt_in"), lwt("lwt_out"), lwt("lwt_xmit"), lwt("lwt_seg6local")};
  for (ProgramType& t : sock_addr_types()) types.push_back(std::move(t));
  types.push_back(sk_skb());
  types.push_back(sched_cls(true));
  for (ProgramType& t : socket_program_types()) types.push_back(std::move(t));
  for (ProgramType& t : tracing_program_types()) types.push_back(std::move(t));
  types.push_back(cgroup_sock("cgroup_inet_sock_create", {"cgroup/sock_create", "cgroup/sock"}, SockHook::Create));
  types.push_back(cgroup_sock("cgroup_inet_sock_release", {"cgroup/sock_release"}, SockHook::Create));
  types.push_back(cgroup_sock("cgroup_inet4_post_bind", {"cgroup/post_bind4"}, SockHook::PostBind4));
  types.push_back(cgroup_sock("cgroup_inet6_post_bind", {"cgroup/post_bind6"}, SockHook::PostBind6));
  return types;
}

}  // namespace decade
