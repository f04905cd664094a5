// SPDX-License-Identifier: Apache-2.0
#include <linux/bpf.h>

#include <algorithm>
#include <cstddef>

#include "runtime/helpers/helpers.hpp"
#include "runtime/program_types.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

std::string type_for(const char* sec) {
  const ProgramType* t = platform().program_type_for_section(sec);
  return t ? t->name : "<none>";
}

constexpr uint32_t kHostReaders[] = {BPF_FUNC_probe_read,          BPF_FUNC_probe_read_str,
                                     BPF_FUNC_probe_read_user,     BPF_FUNC_probe_read_kernel,
                                     BPF_FUNC_probe_read_user_str, BPF_FUNC_probe_read_kernel_str};

// Helpers that read host memory: tracing types only, and only with the grant.
TEST(Platform, HelpersThatReadHostMemoryNeedATracingTypeAndTheGrant) {
  Platform granted = Platform::standard();
  granted.grant(kGrantReadHostMemory);
  for (uint32_t id : kHostReaders) {
    const FuncProto* p = platform().helper(id);
    ASSERT_NE(p, nullptr) << id;
    EXPECT_TRUE(p->flags & kHelperReadsHostMemory) << p->name;
    for (const char* name : {"xdp", "xdp_devmap", "sched_cls", "socket_filter", "syscall", "raw", "struct_ops"}) {
      EXPECT_TRUE(platform().privilege_denied(*platform().program_type(name), *p)) << p->name << " " << name;
      EXPECT_TRUE(granted.privilege_denied(*granted.program_type(name), *p)) << p->name << " " << name;
    }
    EXPECT_TRUE(platform().privilege_denied(*platform().program_type("uprobe"), *p)) << p->name;
    EXPECT_FALSE(granted.privilege_denied(*granted.program_type("uprobe"), *p)) << p->name;
  }
  // Everything else is outside the model.
  EXPECT_FALSE(platform().privilege_denied(*platform().program_type("xdp"), *platform().helper(BPF_FUNC_trace_printk)));
}

// The probe-hit helpers (bpf_get_func_ip, bpf_get_attach_cookie,
// bpf_get_stack) are in the tracing types' allow lists only; bpf_get_stack
// reads the host's stack, so it also needs the grant.
TEST(Platform, ProbeHitHelpersAreForTracingTypes) {
  for (uint32_t id : {BPF_FUNC_get_func_ip, BPF_FUNC_get_attach_cookie, BPF_FUNC_get_stack}) {
    ASSERT_NE(platform().helper(id), nullptr) << id;
    EXPECT_TRUE(platform().helper_allowed(*platform().program_type("uprobe"), id)) << id;
    for (const char* name : {"xdp", "sched_cls", "socket_filter", "syscall", "raw"})
      EXPECT_FALSE(platform().helper_allowed(*platform().program_type(name), id)) << id << " " << name;
  }
  EXPECT_TRUE(platform().helper(BPF_FUNC_get_stack)->flags & kHelperReadsHostMemory);
}

TEST(Platform, ReadableRangesAreTheHostsAndNeedTheGrant) {
  Platform p = Platform::standard();
  ASSERT_TRUE(p.add_readable_range({0x1000, 0x100}));
  EXPECT_EQ(p.readable_prefix(0x1000, 8), 0u);  // not granted: nothing is readable
  p.grant(kGrantReadHostMemory);
  EXPECT_EQ(p.readable_prefix(0x1000, 8), 8u);
  EXPECT_EQ(p.readable_prefix(0x10fc, 8), 4u);  // the range ends after 4
  EXPECT_EQ(p.readable_prefix(0x1100, 8), 0u);
  EXPECT_EQ(p.readable_prefix(0xfff, 8), 0u);
  EXPECT_EQ(p.readable_prefix(0, 8), 0u);
  EXPECT_FALSE(p.add_readable_range({0x1000, 0}));
  EXPECT_FALSE(p.add_readable_range({UINT64_MAX - 4, 8}));  // wraps
  ASSERT_TRUE(p.add_readable_range({0, UINT64_MAX}));        // a host may grant everything
  EXPECT_EQ(p.readable_prefix(UINT64_MAX - 7, 16), 7u);
}

TEST(Platform, SectionNamesFollowLibbpf) {
  EXPECT_EQ(type_for("xdp"), "xdp");
  EXPECT_EQ(type_for("xdp.frags"), "xdp");
  EXPECT_EQ(type_for("xdp/devmap"), "xdp_devmap");
  EXPECT_EQ(type_for("xdp/anything"), "<none>");  // libbpf 1.x: "xdp" and "xdp.frags" are exact names
  EXPECT_EQ(type_for("xdp.frags/anything"), "<none>");
  EXPECT_EQ(type_for("xdp_redirect"), "<none>");
  EXPECT_EQ(type_for("cgroup_skb/ingress"), "cgroup_skb");
  EXPECT_EQ(type_for("cgroup_skb/egress"), "cgroup_skb");
  EXPECT_EQ(type_for("cgroup/skb"), "cgroup_skb");
  EXPECT_EQ(type_for("tc"), "sched_cls");
  EXPECT_EQ(type_for("tc/ingress"), "sched_cls");
  EXPECT_EQ(type_for("tcx/ingress"), "sched_cls");
  EXPECT_EQ(type_for("classifier"), "sched_cls");
  EXPECT_EQ(type_for("socket"), "socket_filter");
  EXPECT_EQ(type_for("syscall"), "syscall");
  EXPECT_EQ(type_for("uprobe/libc.so.6:malloc"), "uprobe");
  EXPECT_EQ(type_for("uretprobe/libc.so.6:malloc"), "uprobe");
  EXPECT_EQ(type_for("uprobe"), "uprobe");
  EXPECT_EQ(type_for("usdt/libc:probe"), "uprobe");
  EXPECT_EQ(type_for("struct_ops/tcp_init"), "struct_ops");
  EXPECT_EQ(type_for("raw"), "raw");
  EXPECT_EQ(type_for("raw/test"), "raw");
  EXPECT_EQ(type_for("kprobe/sys_open"), "kprobe");
  EXPECT_EQ(type_for("kretprobe/sys_open"), "kprobe");
  EXPECT_EQ(type_for("ksyscall/openat"), "kprobe");
  EXPECT_EQ(type_for("kprobe.multi/vfs_*"), "kprobe");
  EXPECT_EQ(type_for("tracepoint/syscalls/sys_enter_openat"), "tracepoint");
  EXPECT_EQ(type_for("tp/sched/sched_switch"), "tracepoint");
  EXPECT_EQ(type_for("raw_tp/sys_enter"), "raw_tracepoint");
  EXPECT_EQ(type_for("raw_tracepoint/sys_enter"), "raw_tracepoint");
  EXPECT_EQ(type_for("perf_event"), "perf_event");
  EXPECT_EQ(type_for("lwt_in"), "lwt_in");
  EXPECT_EQ(type_for("lwt_xmit"), "lwt_xmit");
  EXPECT_EQ(type_for("lwt_seg6local"), "lwt_seg6local");
  EXPECT_EQ(type_for("cgroup/connect4"), "cgroup_inet4_connect");
  EXPECT_EQ(type_for("cgroup/recvmsg_unix"), "cgroup_unix_recvmsg");
  EXPECT_EQ(type_for("cgroup/connect4x"), "<none>");
  // Not prefixes: libbpf requires an exact name or a '/' after it.
  EXPECT_EQ(type_for("xdpfoo"), "<none>");
  EXPECT_EQ(type_for("socket1"), "<none>");
  EXPECT_EQ(type_for("tc/other"), "<none>");
  EXPECT_EQ(type_for("kprobex/sys_open"), "<none>");
  EXPECT_EQ(type_for("perf_event/x"), "<none>");  // libbpf: an exact name
  EXPECT_EQ(type_for(""), "<none>");
}

const CtxField* field(const ProgramType& t, const char* name) {
  for (const CtxField& f : t.fields)
    if (f.name == name) return &f;
  return nullptr;
}

TEST(Platform, SkBuffLayoutIsTheKernels) {
  const ProgramType* tc = platform().program_type("sched_cls");
  const ProgramType* sock = platform().program_type("socket_filter");
  ASSERT_TRUE(tc && sock);
  EXPECT_EQ(tc->ctx_size, sizeof(struct __sk_buff));
  EXPECT_EQ(field(*tc, "mark")->offset, offsetof(struct __sk_buff, mark));
  EXPECT_EQ(field(*tc, "data")->offset, offsetof(struct __sk_buff, data));
  EXPECT_EQ(field(*tc, "data_end")->offset, offsetof(struct __sk_buff, data_end));
  EXPECT_EQ(field(*tc, "data_meta")->offset, offsetof(struct __sk_buff, data_meta));
  EXPECT_EQ(field(*tc, "cb[2]")->offset, offsetof(struct __sk_buff, cb) + 8);
  EXPECT_EQ(field(*tc, "tc_classid")->offset, offsetof(struct __sk_buff, tc_classid));
  EXPECT_EQ(field(*tc, "napi_id")->offset, offsetof(struct __sk_buff, napi_id));
  EXPECT_EQ(field(*tc, "data")->kind, CtxFieldKind::PacketData);
  EXPECT_TRUE(field(*tc, "mark")->writable);
  EXPECT_TRUE(field(*tc, "tc_classid")->writable);
  EXPECT_FALSE(field(*tc, "len")->writable);
  EXPECT_FALSE(field(*tc, "family")->readable);
  EXPECT_FALSE(field(*sock, "mark")->writable);  // socket filters may write only cb[]
  EXPECT_TRUE(field(*sock, "cb[0]")->writable);
  EXPECT_FALSE(field(*sock, "data")->readable);  // no direct packet access
  EXPECT_TRUE(tc->has_packet);
  EXPECT_FALSE(sock->has_packet);
}

TEST(Platform, XdpRawSyscallUprobe) {
  const ProgramType* xdp = platform().program_type("xdp");
  ASSERT_NE(xdp, nullptr);
  EXPECT_EQ(xdp->ctx_size, sizeof(struct xdp_md));
  EXPECT_EQ(field(*xdp, "rx_queue_index")->offset, offsetof(struct xdp_md, rx_queue_index));
  EXPECT_EQ(field(*xdp, "egress_ifindex")->offset, offsetof(struct xdp_md, egress_ifindex));
  // The kernel does not range-check XDP return values.
  EXPECT_EQ(xdp->ret_min, INT64_MIN);
  EXPECT_EQ(xdp->ret_max, INT64_MAX);
  EXPECT_FALSE(field(*xdp, "egress_ifindex")->readable);
  EXPECT_EQ(type_for("xdp/devmap"), "xdp_devmap");
  EXPECT_EQ(type_for("xdp.frags/cpumap"), "xdp_cpumap");
  for (const char* name : {"xdp_devmap", "xdp_cpumap"}) {
    const ProgramType* t = platform().program_type(name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->ret_min, INT64_MIN);
    EXPECT_EQ(t->ret_max, INT64_MAX);
    EXPECT_EQ(field(*t, "egress_ifindex")->readable, std::string_view(name) == "xdp_devmap");
    EXPECT_TRUE(platform().helper_allowed(*t, BPF_FUNC_xdp_adjust_head));
  }
  EXPECT_TRUE(platform().helper_allowed(*xdp, BPF_FUNC_xdp_adjust_head));
  EXPECT_FALSE(platform().helper_allowed(*xdp, BPF_FUNC_skb_load_bytes));
  for (const char* name : {"xdp", "sched_cls", "socket_filter"})
    EXPECT_TRUE(platform().helper_allowed(*platform().program_type(name), BPF_FUNC_get_current_comm)) << name;
  EXPECT_TRUE(platform().helper_allowed(*platform().program_type("sched_cls"), BPF_FUNC_skb_store_bytes));
  EXPECT_FALSE(platform().helper_allowed(*platform().program_type("socket_filter"), BPF_FUNC_skb_store_bytes));
  EXPECT_TRUE(platform().helper_allowed(*platform().program_type("socket_filter"), BPF_FUNC_skb_load_bytes));
  const ProgramType* raw = platform().program_type("raw");
  EXPECT_TRUE(raw->raw_ctx && raw->plain_ctx);
  EXPECT_FALSE(platform().helper_allowed(*raw, BPF_FUNC_xdp_adjust_head));
  EXPECT_TRUE(platform().helper_allowed(*raw, BPF_FUNC_map_lookup_elem));
  // Redirects and FIB lookups: xdp and tc; bpf_redirect_map: xdp only.
  for (const char* name : {"xdp", "sched_cls"}) {
    EXPECT_TRUE(platform().helper_allowed(*platform().program_type(name), BPF_FUNC_redirect)) << name;
    EXPECT_TRUE(platform().helper_allowed(*platform().program_type(name), BPF_FUNC_fib_lookup)) << name;
  }
  EXPECT_TRUE(platform().helper_allowed(*platform().program_type("xdp"), BPF_FUNC_redirect_map));
  EXPECT_FALSE(platform().helper_allowed(*platform().program_type("sched_cls"), BPF_FUNC_redirect_map));
  for (const char* name : {"socket_filter", "raw", "syscall", "uprobe"})
    EXPECT_FALSE(platform().helper_allowed(*platform().program_type(name), BPF_FUNC_redirect)) << name;
  // The kernel's lists for the checksum, resizing, tunnel and XDP byte
  // helpers; every one that may move the packet is marked so.
  const auto allowed = [](const char* type, uint32_t id) {
    return platform().helper_allowed(*platform().program_type(type), id);
  };
  for (uint32_t id : {BPF_FUNC_l3_csum_replace, BPF_FUNC_l4_csum_replace, BPF_FUNC_skb_pull_data,
                      BPF_FUNC_skb_change_tail, BPF_FUNC_skb_change_head, BPF_FUNC_skb_adjust_room,
                      BPF_FUNC_skb_change_proto, BPF_FUNC_skb_vlan_push, BPF_FUNC_skb_vlan_pop}) {
    EXPECT_TRUE(allowed("sched_cls", id)) << id;
    EXPECT_FALSE(allowed("xdp", id) || allowed("socket_filter", id) || allowed("cgroup_skb", id)) << id;
    EXPECT_TRUE(platform().helper(id)->flags & kHelperChangesPacket) << id;
  }
  for (uint32_t id : {BPF_FUNC_skb_set_tunnel_key, BPF_FUNC_skb_get_tunnel_opt, BPF_FUNC_csum_level,
                      BPF_FUNC_get_hash_recalc, BPF_FUNC_set_hash})
    EXPECT_TRUE(allowed("sched_cls", id) && !allowed("xdp", id)) << id;
  for (uint32_t id : {BPF_FUNC_xdp_load_bytes, BPF_FUNC_xdp_store_bytes, BPF_FUNC_xdp_get_buff_len})
    EXPECT_TRUE(allowed("xdp", id) && !allowed("sched_cls", id)) << id;
  EXPECT_FALSE(platform().helper(BPF_FUNC_xdp_store_bytes)->flags & kHelperChangesPacket);
  EXPECT_TRUE(allowed("xdp", BPF_FUNC_csum_diff) && allowed("sched_cls", BPF_FUNC_csum_diff));
  EXPECT_FALSE(allowed("socket_filter", BPF_FUNC_csum_diff));
  EXPECT_TRUE(allowed("cgroup_skb", BPF_FUNC_skb_ecn_set_ce) && !allowed("socket_filter", BPF_FUNC_skb_ecn_set_ce));
  // Lightweight tunnels (lwt_out_func_proto and lwt_xmit_func_proto) and
  // sk_skb (sk_skb_func_proto).
  for (const char* lwt : {"lwt_in", "lwt_out", "lwt_seg6local", "lwt_xmit"})
    for (uint32_t id : {BPF_FUNC_skb_load_bytes, BPF_FUNC_skb_pull_data, BPF_FUNC_csum_diff, BPF_FUNC_get_hash_recalc})
      EXPECT_TRUE(allowed(lwt, id)) << lwt << " " << id;
  for (uint32_t id : {BPF_FUNC_skb_store_bytes, BPF_FUNC_l4_csum_replace, BPF_FUNC_skb_set_tunnel_key, BPF_FUNC_redirect,
                      BPF_FUNC_skb_change_tail}) {
    EXPECT_TRUE(allowed("lwt_xmit", id)) << id;
    EXPECT_FALSE(allowed("lwt_in", id)) << id;
  }
  for (uint32_t id : {BPF_FUNC_skb_load_bytes, BPF_FUNC_skb_store_bytes, BPF_FUNC_skb_adjust_room, BPF_FUNC_skb_change_head})
    EXPECT_TRUE(allowed("sk_skb", id)) << id;
  EXPECT_FALSE(allowed("sk_skb", BPF_FUNC_l3_csum_replace) || allowed("lwt_xmit", BPF_FUNC_skb_adjust_room));
  const ProgramType* sys = platform().program_type("syscall");
  EXPECT_TRUE(sys->plain_ctx);
  EXPECT_GT(sys->ctx_size, 0u);
  const ProgramType* up = platform().program_type("uprobe");
  EXPECT_EQ(up->ctx_size, 168u);
  EXPECT_EQ(field(*up, "ip")->offset, 16u * 8);
  EXPECT_FALSE(field(*up, "ip")->writable);
  // The tracing types the kernel defines, with its context sizes.
  EXPECT_EQ(platform().program_type("kprobe")->ctx_size, 168u);
  EXPECT_EQ(platform().program_type("tracepoint")->ctx_size, 8192u);
  EXPECT_EQ(platform().program_type("raw_tracepoint")->ctx_size, 96u);
  const ProgramType* pe = platform().program_type("perf_event");
  EXPECT_EQ(pe->ctx_size, 184u);
  EXPECT_EQ(field(*pe, "sample_period")->offset, 168u);
  for (const char* name : {"kprobe", "tracepoint", "raw_tracepoint", "perf_event"}) {
    EXPECT_TRUE(platform().program_type(name)->tracing) << name;
    EXPECT_FALSE(platform().helper_allowed(*platform().program_type(name), BPF_FUNC_redirect)) << name;
    EXPECT_FALSE(platform().helper_allowed(*platform().program_type(name), BPF_FUNC_ktime_get_coarse_ns)) << name;
  }
  EXPECT_TRUE(platform().helper_allowed(*platform().program_type("uprobe"), BPF_FUNC_ktime_get_coarse_ns));
  EXPECT_TRUE(platform().helper_allowed(*platform().program_type("xdp"), BPF_FUNC_ktime_get_coarse_ns));
}

uint64_t dummy(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return 1; }

TEST(Platform, HostExtensions) {
  Platform p = Platform::standard();
  FuncProto h = make_proto("my_helper", 10000, dummy, RetKind::Integer, {ArgKind::Scalar});
  ASSERT_TRUE(p.add_helper(h));
  EXPECT_EQ(p.add_helper(h).error().code, ErrorCode::InvalidArgument);  // duplicate id
  EXPECT_EQ(p.helper(10000)->fn(0, 0, 0, 0, 0), 1u);
  FuncProto nofn = make_proto("x", 10001, nullptr, RetKind::Integer, {});
  EXPECT_EQ(p.add_helper(nofn).error().code, ErrorCode::InvalidArgument);
  FuncProto k = make_proto("my_kfunc", 0, dummy, RetKind::Integer, {ArgKind::PtrToMem, ArgKind::ConstSize});
  ASSERT_TRUE(p.add_kfunc(k));
  EXPECT_FALSE(p.add_kfunc(k));
  ProgramType t;
  t.name = "mytype";
  t.sec_prefixes = {"my+"};
  t.ctx_size = 8;
  CtxField f;
  f.name = "x";
  f.offset = 4;
  f.size = 8;  // runs past ctx_size
  t.fields.push_back(f);
  EXPECT_EQ(p.add_program_type(t).error().code, ErrorCode::InvalidArgument);
  t.fields[0].size = 4;
  ASSERT_TRUE(p.add_program_type(t));
  EXPECT_EQ(p.program_type_for_section("my/thing")->name, "mytype");
  EXPECT_EQ(platform().program_type("mytype"), nullptr);  // the standard value is untouched
}

TEST(Platform, AllowHelperExtendsATypeInPlace) {
  Platform p = Platform::standard();
  const ProgramType* xdp = p.program_type("xdp");
  ASSERT_NE(xdp, nullptr);
  ASSERT_FALSE(xdp->helpers.empty());
  ASSERT_TRUE(p.add_helper(make_proto("my_helper", 10000, dummy, RetKind::Integer, {ArgKind::Scalar})));
  EXPECT_FALSE(p.helper_allowed(*xdp, 10000));
  ASSERT_TRUE(p.allow_helper("xdp", 10000));
  ASSERT_TRUE(p.allow_helper("xdp", 10000));  // twice is harmless
  EXPECT_EQ(p.program_type("xdp"), xdp);       // same record, edited in place
  EXPECT_TRUE(p.helper_allowed(*xdp, 10000));
  EXPECT_EQ(std::count(xdp->helpers.begin(), xdp->helpers.end(), 10000u), 1);
  EXPECT_FALSE(p.helper_allowed(*p.program_type("sched_cls"), 10000));
  EXPECT_EQ(p.allow_helper("nosuchtype", 10000).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(p.allow_helper("xdp", 10001).error().code, ErrorCode::InvalidArgument);  // not registered
}

}  // namespace
}  // namespace decade::test

namespace decade::test {
namespace {

// The socket types' helpers follow the kernel's per-type lists
// (sock_helper_types); the message-resizing ones and bpf_store_hdr_opt
// move the packet.
TEST(Platform, SocketHelpersFollowTheKernelsLists) {
  const auto allowed = [](const char* type, uint32_t id) {
    return platform().helper_allowed(*platform().program_type(type), id);
  };
  const struct {
    uint32_t id;
    std::vector<const char*> types;
  } lists[] = {
      {BPF_FUNC_sk_release, {"xdp", "sched_cls", "sk_skb", "cgroup_skb", "sk_lookup"}},
      {BPF_FUNC_sk_redirect_map, {"sk_skb"}},
      {BPF_FUNC_sk_redirect_hash, {"sk_skb"}},
      {BPF_FUNC_msg_redirect_map, {"sk_msg"}},
      {BPF_FUNC_msg_pop_data, {"sk_msg"}},
      {BPF_FUNC_setsockopt, {"sock_ops"}},
      {BPF_FUNC_sock_hash_update, {"sock_ops"}},
      {BPF_FUNC_reserve_hdr_opt, {"sock_ops"}},
      {BPF_FUNC_sk_select_reuseport, {"sk_reuseport"}},
      {BPF_FUNC_sk_assign, {"sk_lookup"}},
      {BPF_FUNC_sysctl_get_name, {"cgroup_sysctl"}},
      {BPF_FUNC_sysctl_set_new_value, {"cgroup_sysctl"}},
      {BPF_FUNC_check_mtu, {"xdp", "sched_cls"}},
      {BPF_FUNC_sk_lookup_tcp, {"xdp", "sched_cls", "sk_skb", "cgroup_skb"}},
      {BPF_FUNC_skc_lookup_tcp, {"xdp", "sched_cls", "sk_skb", "cgroup_skb"}},
      {BPF_FUNC_sk_fullsock, {"sched_cls", "cgroup_skb"}},
      {BPF_FUNC_get_listener_sock, {"sched_cls", "cgroup_skb"}},
      {BPF_FUNC_tcp_sock, {"sched_cls", "cgroup_skb", "sock_ops"}},
      {BPF_FUNC_sk_storage_get, {"sched_cls", "cgroup_skb", "sock_ops", "sk_msg"}},
  };
  const char* all[] = {"xdp", "sched_cls", "socket_filter", "sk_skb", "cgroup_skb", "sk_lookup", "sk_msg", "sock_ops",
                       "sk_reuseport", "cgroup_sysctl", "flow_dissector", "kprobe"};
  for (const auto& l : lists)
    for (const char* t : all) {
      const bool want = std::find_if(l.types.begin(), l.types.end(), [&](const char* x) { return std::string_view(x) == t; }) != l.types.end();
      EXPECT_EQ(allowed(t, l.id), want) << l.id << " " << t;
    }
  for (const char* t : all) EXPECT_TRUE(allowed(t, BPF_FUNC_strtol)) << t;
  for (uint32_t id : {BPF_FUNC_msg_pull_data, BPF_FUNC_msg_push_data, BPF_FUNC_msg_pop_data, BPF_FUNC_store_hdr_opt})
    EXPECT_TRUE(platform().helper(id)->flags & kHelperChangesPacket) << id;
  EXPECT_FALSE(platform().helper(BPF_FUNC_check_mtu)->flags & kHelperChangesPacket);
}

}  // namespace
}  // namespace decade::test
