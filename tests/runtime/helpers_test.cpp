// SPDX-License-Identifier: Apache-2.0
// Helper semantics, called directly through their registered function pointers.
#include <linux/bpf.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/cpu.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/run_context.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

// Every id is the kernel's.
#define DECADE_SAME_ID(ours, theirs) static_assert(uint32_t(ours) == uint32_t(theirs), #theirs);
DECADE_SAME_ID(kHelperMapLookupElem, BPF_FUNC_map_lookup_elem)
DECADE_SAME_ID(kHelperProbeRead, BPF_FUNC_probe_read)
DECADE_SAME_ID(kHelperKtimeGetNs, BPF_FUNC_ktime_get_ns)
DECADE_SAME_ID(kHelperTracePrintk, BPF_FUNC_trace_printk)
DECADE_SAME_ID(kHelperGetPrandomU32, BPF_FUNC_get_prandom_u32)
DECADE_SAME_ID(kHelperGetSmpProcessorId, BPF_FUNC_get_smp_processor_id)
DECADE_SAME_ID(kHelperSkbStoreBytes, BPF_FUNC_skb_store_bytes)
DECADE_SAME_ID(kHelperTailCall, BPF_FUNC_tail_call)
DECADE_SAME_ID(kHelperGetCurrentPidTgid, BPF_FUNC_get_current_pid_tgid)
DECADE_SAME_ID(kHelperGetCurrentUidGid, BPF_FUNC_get_current_uid_gid)
DECADE_SAME_ID(kHelperGetCurrentComm, BPF_FUNC_get_current_comm)
DECADE_SAME_ID(kHelperSkbLoadBytes, BPF_FUNC_skb_load_bytes)
DECADE_SAME_ID(kHelperGetNumaNodeId, BPF_FUNC_get_numa_node_id)
DECADE_SAME_ID(kHelperXdpAdjustHead, BPF_FUNC_xdp_adjust_head)
DECADE_SAME_ID(kHelperProbeReadStr, BPF_FUNC_probe_read_str)
DECADE_SAME_ID(kHelperXdpAdjustMeta, BPF_FUNC_xdp_adjust_meta)
DECADE_SAME_ID(kHelperXdpAdjustTail, BPF_FUNC_xdp_adjust_tail)
DECADE_SAME_ID(kHelperGetStack, BPF_FUNC_get_stack)
DECADE_SAME_ID(kHelperGetStackid, BPF_FUNC_get_stackid)
DECADE_SAME_ID(kHelperSkbUnderCgroup, BPF_FUNC_skb_under_cgroup)
DECADE_SAME_ID(kHelperGetCurrentTask, BPF_FUNC_get_current_task)
DECADE_SAME_ID(kHelperCurrentTaskUnderCgroup, BPF_FUNC_current_task_under_cgroup)
DECADE_SAME_ID(kHelperSkbChangeType, BPF_FUNC_skb_change_type)
DECADE_SAME_ID(kHelperSkbLoadBytesRelative, BPF_FUNC_skb_load_bytes_relative)
DECADE_SAME_ID(kHelperSkbSetTstamp, BPF_FUNC_skb_set_tstamp)
DECADE_SAME_ID(kHelperGetSocketCookie, BPF_FUNC_get_socket_cookie)
DECADE_SAME_ID(kHelperGetSocketUid, BPF_FUNC_get_socket_uid)
DECADE_SAME_ID(kHelperGetCurrentCgroupId, BPF_FUNC_get_current_cgroup_id)
DECADE_SAME_ID(kHelperSkbCgroupId, BPF_FUNC_skb_cgroup_id)
DECADE_SAME_ID(kHelperSkbAncestorCgroupId, BPF_FUNC_skb_ancestor_cgroup_id)
DECADE_SAME_ID(kHelperGetCurrentAncestorCgroupId, BPF_FUNC_get_current_ancestor_cgroup_id)
DECADE_SAME_ID(kHelperRedirectNeigh, BPF_FUNC_redirect_neigh)
DECADE_SAME_ID(kHelperGetCurrentTaskBtf, BPF_FUNC_get_current_task_btf)
DECADE_SAME_ID(kHelperRedirect, BPF_FUNC_redirect)
DECADE_SAME_ID(kHelperPerfEventOutput, BPF_FUNC_perf_event_output)
DECADE_SAME_ID(kHelperRedirectMap, BPF_FUNC_redirect_map)
DECADE_SAME_ID(kHelperFibLookup, BPF_FUNC_fib_lookup)
DECADE_SAME_ID(kHelperMapPushElem, BPF_FUNC_map_push_elem)
DECADE_SAME_ID(kHelperMapPopElem, BPF_FUNC_map_pop_elem)
DECADE_SAME_ID(kHelperMapPeekElem, BPF_FUNC_map_peek_elem)
DECADE_SAME_ID(kHelperSpinLock, BPF_FUNC_spin_lock)
DECADE_SAME_ID(kHelperSpinUnlock, BPF_FUNC_spin_unlock)
DECADE_SAME_ID(kHelperProbeReadUser, BPF_FUNC_probe_read_user)
DECADE_SAME_ID(kHelperProbeReadKernel, BPF_FUNC_probe_read_kernel)
DECADE_SAME_ID(kHelperProbeReadUserStr, BPF_FUNC_probe_read_user_str)
DECADE_SAME_ID(kHelperProbeReadKernelStr, BPF_FUNC_probe_read_kernel_str)
DECADE_SAME_ID(kHelperKtimeGetBootNs, BPF_FUNC_ktime_get_boot_ns)
DECADE_SAME_ID(kHelperRingbufOutput, BPF_FUNC_ringbuf_output)
DECADE_SAME_ID(kHelperRingbufReserve, BPF_FUNC_ringbuf_reserve)
DECADE_SAME_ID(kHelperRingbufSubmit, BPF_FUNC_ringbuf_submit)
DECADE_SAME_ID(kHelperRingbufDiscard, BPF_FUNC_ringbuf_discard)
DECADE_SAME_ID(kHelperRingbufQuery, BPF_FUNC_ringbuf_query)
DECADE_SAME_ID(kHelperL3CsumReplace, BPF_FUNC_l3_csum_replace)
DECADE_SAME_ID(kHelperL4CsumReplace, BPF_FUNC_l4_csum_replace)
DECADE_SAME_ID(kHelperSkbVlanPush, BPF_FUNC_skb_vlan_push)
DECADE_SAME_ID(kHelperSkbVlanPop, BPF_FUNC_skb_vlan_pop)
DECADE_SAME_ID(kHelperSkbGetTunnelKey, BPF_FUNC_skb_get_tunnel_key)
DECADE_SAME_ID(kHelperSkbSetTunnelKey, BPF_FUNC_skb_set_tunnel_key)
DECADE_SAME_ID(kHelperCsumDiff, BPF_FUNC_csum_diff)
DECADE_SAME_ID(kHelperSkbGetTunnelOpt, BPF_FUNC_skb_get_tunnel_opt)
DECADE_SAME_ID(kHelperSkbSetTunnelOpt, BPF_FUNC_skb_set_tunnel_opt)
DECADE_SAME_ID(kHelperSkbChangeProto, BPF_FUNC_skb_change_proto)
DECADE_SAME_ID(kHelperGetHashRecalc, BPF_FUNC_get_hash_recalc)
DECADE_SAME_ID(kHelperSkbChangeTail, BPF_FUNC_skb_change_tail)
DECADE_SAME_ID(kHelperSkbPullData, BPF_FUNC_skb_pull_data)
DECADE_SAME_ID(kHelperCsumUpdate, BPF_FUNC_csum_update)
DECADE_SAME_ID(kHelperSetHashInvalid, BPF_FUNC_set_hash_invalid)
DECADE_SAME_ID(kHelperSkbChangeHead, BPF_FUNC_skb_change_head)
DECADE_SAME_ID(kHelperSetHash, BPF_FUNC_set_hash)
DECADE_SAME_ID(kHelperSkbAdjustRoom, BPF_FUNC_skb_adjust_room)
DECADE_SAME_ID(kHelperSkbEcnSetCe, BPF_FUNC_skb_ecn_set_ce)
DECADE_SAME_ID(kHelperCsumLevel, BPF_FUNC_csum_level)
DECADE_SAME_ID(kHelperXdpGetBuffLen, BPF_FUNC_xdp_get_buff_len)
DECADE_SAME_ID(kHelperXdpLoadBytes, BPF_FUNC_xdp_load_bytes)
DECADE_SAME_ID(kHelperXdpStoreBytes, BPF_FUNC_xdp_store_bytes)
DECADE_SAME_ID(kHelperKtimeGetCoarseNs, BPF_FUNC_ktime_get_coarse_ns)
DECADE_SAME_ID(kHelperForEachMapElem, BPF_FUNC_for_each_map_elem)
DECADE_SAME_ID(kHelperSnprintf, BPF_FUNC_snprintf)
DECADE_SAME_ID(kHelperLoop, BPF_FUNC_loop)
DECADE_SAME_ID(kHelperStrncmp, BPF_FUNC_strncmp)
DECADE_SAME_ID(kHelperGetFuncIp, BPF_FUNC_get_func_ip)
DECADE_SAME_ID(kHelperGetAttachCookie, BPF_FUNC_get_attach_cookie)
DECADE_SAME_ID(kHelperMapLookupPercpuElem, BPF_FUNC_map_lookup_percpu_elem)
DECADE_SAME_ID(kHelperKtimeGetTaiNs, BPF_FUNC_ktime_get_tai_ns)
DECADE_SAME_ID(kHelperSetsockopt, BPF_FUNC_setsockopt)
DECADE_SAME_ID(kHelperSkRedirectMap, BPF_FUNC_sk_redirect_map)
DECADE_SAME_ID(kHelperSockMapUpdate, BPF_FUNC_sock_map_update)
DECADE_SAME_ID(kHelperGetsockopt, BPF_FUNC_getsockopt)
DECADE_SAME_ID(kHelperSockOpsCbFlagsSet, BPF_FUNC_sock_ops_cb_flags_set)
DECADE_SAME_ID(kHelperMsgRedirectMap, BPF_FUNC_msg_redirect_map)
DECADE_SAME_ID(kHelperMsgApplyBytes, BPF_FUNC_msg_apply_bytes)
DECADE_SAME_ID(kHelperMsgCorkBytes, BPF_FUNC_msg_cork_bytes)
DECADE_SAME_ID(kHelperMsgPullData, BPF_FUNC_msg_pull_data)
DECADE_SAME_ID(kHelperSockHashUpdate, BPF_FUNC_sock_hash_update)
DECADE_SAME_ID(kHelperMsgRedirectHash, BPF_FUNC_msg_redirect_hash)
DECADE_SAME_ID(kHelperSkRedirectHash, BPF_FUNC_sk_redirect_hash)
DECADE_SAME_ID(kHelperSkSelectReuseport, BPF_FUNC_sk_select_reuseport)
DECADE_SAME_ID(kHelperSkRelease, BPF_FUNC_sk_release)
DECADE_SAME_ID(kHelperSkLookupTcp, BPF_FUNC_sk_lookup_tcp)
DECADE_SAME_ID(kHelperSkLookupUdp, BPF_FUNC_sk_lookup_udp)
DECADE_SAME_ID(kHelperSkFullsock, BPF_FUNC_sk_fullsock)
DECADE_SAME_ID(kHelperTcpSock, BPF_FUNC_tcp_sock)
DECADE_SAME_ID(kHelperGetListenerSock, BPF_FUNC_get_listener_sock)
DECADE_SAME_ID(kHelperSkcLookupTcp, BPF_FUNC_skc_lookup_tcp)
DECADE_SAME_ID(kHelperTcpCheckSyncookie, BPF_FUNC_tcp_check_syncookie)
DECADE_SAME_ID(kHelperTcpGenSyncookie, BPF_FUNC_tcp_gen_syncookie)
DECADE_SAME_ID(kHelperSkStorageGet, BPF_FUNC_sk_storage_get)
DECADE_SAME_ID(kHelperSkStorageDelete, BPF_FUNC_sk_storage_delete)
DECADE_SAME_ID(kHelperSkcToTcp6Sock, BPF_FUNC_skc_to_tcp6_sock)
DECADE_SAME_ID(kHelperSkcToTcpSock, BPF_FUNC_skc_to_tcp_sock)
DECADE_SAME_ID(kHelperSkcToTcpTimewaitSock, BPF_FUNC_skc_to_tcp_timewait_sock)
DECADE_SAME_ID(kHelperSkcToTcpRequestSock, BPF_FUNC_skc_to_tcp_request_sock)
DECADE_SAME_ID(kHelperSkcToUdp6Sock, BPF_FUNC_skc_to_udp6_sock)
DECADE_SAME_ID(kHelperSkcToUnixSock, BPF_FUNC_skc_to_unix_sock)
DECADE_SAME_ID(kHelperSkcToMptcpSock, BPF_FUNC_skc_to_mptcp_sock)
DECADE_SAME_ID(kHelperMsgPushData, BPF_FUNC_msg_push_data)
DECADE_SAME_ID(kHelperMsgPopData, BPF_FUNC_msg_pop_data)
DECADE_SAME_ID(kHelperSysctlGetName, BPF_FUNC_sysctl_get_name)
DECADE_SAME_ID(kHelperSysctlGetCurrentValue, BPF_FUNC_sysctl_get_current_value)
DECADE_SAME_ID(kHelperSysctlGetNewValue, BPF_FUNC_sysctl_get_new_value)
DECADE_SAME_ID(kHelperSysctlSetNewValue, BPF_FUNC_sysctl_set_new_value)
DECADE_SAME_ID(kHelperStrtol, BPF_FUNC_strtol)
DECADE_SAME_ID(kHelperStrtoul, BPF_FUNC_strtoul)
DECADE_SAME_ID(kHelperSkAssign, BPF_FUNC_sk_assign)
DECADE_SAME_ID(kHelperLoadHdrOpt, BPF_FUNC_load_hdr_opt)
DECADE_SAME_ID(kHelperStoreHdrOpt, BPF_FUNC_store_hdr_opt)
DECADE_SAME_ID(kHelperReserveHdrOpt, BPF_FUNC_reserve_hdr_opt)
DECADE_SAME_ID(kHelperCheckMtu, BPF_FUNC_check_mtu)
DECADE_SAME_ID(kHelperJiffies64, BPF_FUNC_jiffies64)
DECADE_SAME_ID(kHelperGetNetnsCookie, BPF_FUNC_get_netns_cookie)
#undef DECADE_SAME_ID

TEST(Helpers, RegisteredNamesMatchIds) {
  EXPECT_EQ(platform().helper(BPF_FUNC_ringbuf_reserve)->name, "bpf_ringbuf_reserve");
  EXPECT_EQ(platform().helper(BPF_FUNC_ringbuf_reserve)->mem_size_arg, 1);
  EXPECT_EQ(platform().helper(BPF_FUNC_ringbuf_submit)->release_arg, 0);
  EXPECT_EQ(platform().helper(BPF_FUNC_loop)->callback_args, 2u);
  EXPECT_EQ(platform().helper(BPF_FUNC_map_lookup_elem)->ret, RetKind::MapValueOrNull);
  EXPECT_EQ(platform().helper(9999), nullptr);
}

TEST(Helpers, MapHelpers) {
  auto m = make(MapType::Hash, 4, 8, 4);
  uint32_t k = 3;
  uint64_t v = 99;
  EXPECT_EQ(call(kHelperMapLookupElem, u(m.get()), u(&k)), 0u);
  EXPECT_EQ(call(kHelperMapUpdateElem, u(m.get()), u(&k), u(&v), BPF_NOEXIST), 0u);
  EXPECT_EQ(as_long(call(kHelperMapUpdateElem, u(m.get()), u(&k), u(&v), BPF_NOEXIST)), -EEXIST);
  EXPECT_EQ(*reinterpret_cast<uint64_t*>(call(kHelperMapLookupElem, u(m.get()), u(&k))), 99u);
  EXPECT_EQ(call(kHelperMapDeleteElem, u(m.get()), u(&k)), 0u);
  EXPECT_EQ(as_long(call(kHelperMapDeleteElem, u(m.get()), u(&k))), -ENOENT);
  auto q = make(MapType::Queue, 0, 8, 2);
  EXPECT_EQ(call(kHelperMapPushElem, u(q.get()), u(&v), 0), 0u);
  uint64_t out = 0;
  EXPECT_EQ(call(kHelperMapPeekElem, u(q.get()), u(&out)), 0u);
  EXPECT_EQ(call(kHelperMapPopElem, u(q.get()), u(&out)), 0u);
  EXPECT_EQ(out, 99u);
  EXPECT_EQ(as_long(call(kHelperMapPopElem, u(q.get()), u(&out))), -ENOENT);
  auto pc = make(MapType::PercpuArray, 4, 8, 1);
  uint32_t z = 0;
  EXPECT_EQ(call(kHelperMapUpdateElem, u(pc.get()), u(&z), u(&v), 0), 0u);
  EXPECT_EQ(*reinterpret_cast<uint64_t*>(call(kHelperMapLookupPercpuElem, u(pc.get()), u(&z), current_cpu())), 99u);
  EXPECT_EQ(call(kHelperMapLookupPercpuElem, u(pc.get()), u(&z), possible_cpus()), 0u);
}

// A platform under which helpers may read `ranges` (all host memory by default).
Platform granting(std::vector<AddressRange> ranges = {{0, UINT64_MAX}}) {
  Platform p = Platform::standard();
  p.grant(kGrantReadHostMemory);
  for (const AddressRange& r : ranges) EXPECT_TRUE(p.add_readable_range(r));
  return p;
}

// A run of a program whose platform is p.
struct RunUnder {
  RunContext rc;
  std::optional<RunScope> scope;
  explicit RunUnder(const Platform& p) {
    rc.platform = &p;
    scope.emplace(rc);
  }
};

TEST(Helpers, ProbeReadNeverFaultsTheHost) {
  const Platform everything = granting();
  RunUnder run(everything);
  char src[8] = "abcdefg", dst[8];
  EXPECT_EQ(call(kHelperProbeReadKernel, u(dst), 8, u(src)), 0u);
  EXPECT_STREQ(dst, "abcdefg");
  void* hole = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(hole, MAP_FAILED);
  EXPECT_EQ(as_long(call(kHelperProbeRead, u(dst), 8, u(hole))), -EFAULT);
  EXPECT_EQ(dst[0], 0);  // zeroed on failure
  EXPECT_EQ(as_long(call(kHelperProbeReadUser, u(dst), 8, 16)), -EFAULT);
  EXPECT_EQ(as_long(call(kHelperProbeReadUserStr, u(dst), 8, u(hole))), -EFAULT);
  munmap(hole, 4096);
  EXPECT_EQ(call(kHelperProbeReadKernelStr, u(dst), 8, u("hi")), 3u);
  EXPECT_STREQ(dst, "hi");
  EXPECT_EQ(call(kHelperProbeReadStr, u(dst), 4, u("hello")), 4u);  // truncated, NUL-terminated
  EXPECT_STREQ(dst, "hel");
}

TEST(Helpers, ProbeCopyFallbackThroughAPipeStopsAtTheFirstBadPage) {
  auto* two = static_cast<uint8_t*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(two, MAP_FAILED);
  ASSERT_EQ(mprotect(two + 4096, 4096, PROT_NONE), 0);
  for (int i = 0; i < 4096; ++i) two[i] = uint8_t(i);
  std::vector<uint8_t> dst(8192, 0xff);
  EXPECT_EQ(probe_copy_via_pipe(dst.data(), u(two + 100), 200), 200u);
  EXPECT_EQ(dst[0], 100);
  EXPECT_EQ(dst[199], uint8_t(299));
  EXPECT_EQ(probe_copy_via_pipe(dst.data(), u(two + 4000), 500), 96u);  // short: the second page is unreadable
  EXPECT_EQ(probe_copy_via_pipe(dst.data(), u(two + 4096), 8), 0u);
  EXPECT_EQ(probe_copy_via_pipe(dst.data(), 16, 8), 0u);
  EXPECT_EQ(probe_copy(dst.data(), u(two + 4000), 500), 96u);  // the primary path agrees
  EXPECT_EQ(probe_copy_via_pipe(dst.data(), u(two), 4096), 4096u);  // the pipe was left empty
  EXPECT_EQ(dst[4095], uint8_t(4095));
  munmap(two, 8192);
}

TEST(Helpers, ProbeReadStrStopsAtAPageEnd) {
  // A string that ends exactly before an unmapped page is still readable.
  auto* two = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(two, MAP_FAILED);
  munmap(two + 4096, 4096);
  std::memcpy(two + 4093, "ab", 3);
  const Platform everything = granting();
  RunUnder run(everything);
  char dst[32];
  EXPECT_EQ(call(kHelperProbeReadStr, u(dst), 32, u(two + 4093)), 3u);
  EXPECT_STREQ(dst, "ab");
  munmap(two, 4096);
}

TEST(Helpers, ProbeReadsOnlyWhatTheHostMadeReadable) {
  char inside[16] = "inside", outside[16] = "outside", edge[4] = {'a', 'b', 'c', 'd'}, dst[16];
  EXPECT_EQ(as_long(call(kHelperProbeReadKernel, u(dst), 8, u(inside))), -EFAULT);  // outside a run
  const Platform p = granting({{u(inside), sizeof inside}, {u(edge), sizeof edge}});
  RunUnder run(p);
  EXPECT_EQ(call(kHelperProbeReadKernel, u(dst), 8, u(inside)), 0u);
  EXPECT_STREQ(dst, "inside");
  std::memset(dst, 'x', sizeof dst);
  EXPECT_EQ(as_long(call(kHelperProbeReadUser, u(dst), 8, u(outside))), -EFAULT);
  EXPECT_EQ(std::string(dst, 8), std::string(8, '\0'));  // zeroed, as the kernel does
  EXPECT_EQ(as_long(call(kHelperProbeRead, u(dst), 16, u(inside) + 8)), -EFAULT);  // runs past the range
  EXPECT_EQ(call(kHelperProbeReadKernelStr, u(dst), 16, u(inside)), 7u);
  EXPECT_EQ(as_long(call(kHelperProbeReadUserStr, u(dst), 16, u(outside))), -EFAULT);
  EXPECT_EQ(as_long(call(kHelperProbeReadStr, u(dst), 16, u(edge))), -EFAULT);  // no NUL inside the range
  EXPECT_EQ(call(kHelperProbeReadStr, u(dst), 3, u(edge)), 3u);                  // truncated inside it
  EXPECT_STREQ(dst, "ab");
}

struct TraceCapture {
  std::vector<std::string> lines;
  TraceSink sink = [this](std::string_view l) { lines.emplace_back(l); };
  RunContext rc;
  TraceCapture() { rc.trace = &sink; }
};

TEST(Helpers, TracePrintkFormats) {
  TraceCapture cap;
  const Platform everything = granting();
  cap.rc.platform = &everything;
  RunScope scope(cap.rc);
  const char fmt[] = "x=%d u=%u h=%x l=%lld c=%c s=%s %%\n";
  char s[] = "str";
  uint64_t n = call(kHelperTracePrintk, u(fmt), sizeof fmt, uint64_t(-5), 0xffffffffu, 255);
  // Only 3 args: the 4th conversion has none.
  EXPECT_EQ(as_long(n), -EINVAL);
  const char f2[] = "a=%d b=%5u c=%-3x|%lld\n";
  EXPECT_EQ(as_long(call(kHelperTracePrintk, u(f2), sizeof f2, uint64_t(-5), 42, 10)), -EINVAL);
  const char f3[] = "a=%d b=%5u c=%-3x|\n";
  n = call(kHelperTracePrintk, u(f3), sizeof f3, uint64_t(-5), 42, 10);
  ASSERT_EQ(cap.lines.size(), 1u);
  EXPECT_EQ(cap.lines[0], "a=-5 b=   42 c=a  |");
  EXPECT_EQ(n, cap.lines[0].size() + 1);
  const char f4[] = "%s and %c %llx";
  call(kHelperTracePrintk, u(f4), sizeof f4, u(s), 'Z', 0x1234567890ull);
  EXPECT_EQ(cap.lines.back(), "str and Z 1234567890");
  const char f5[] = "bad %q";
  EXPECT_EQ(as_long(call(kHelperTracePrintk, u(f5), sizeof f5)), -EINVAL);
  const char f6[] = "no nul";
  EXPECT_EQ(as_long(call(kHelperTracePrintk, u(f6), sizeof f6 - 1)), -EINVAL);
  const char f7[] = "%pI4";
  EXPECT_EQ(as_long(call(kHelperTracePrintk, u(f7), sizeof f7, 0)), -EINVAL);
  const char f8[] = "%s";
  call(kHelperTracePrintk, u(f8), sizeof f8, 8);  // a bad string pointer prints a marker
  EXPECT_EQ(cap.lines.back(), "(efault)");
}

// %s dereferences a number: it reads what bpf_probe_read_str may, nothing else.
TEST(Helpers, StringConversionsReadOnlyReadableMemory) {
  TraceCapture cap;
  char inside[8] = "in", outside[8] = "out";
  const Platform p = granting({{u(inside), sizeof inside}});
  const Platform ungranted = Platform::standard();
  cap.rc.platform = &p;
  RunScope scope(cap.rc);
  for (const char* f : {"%s", "%pks", "%pus"}) {
    const std::string fmt = f;
    call(kHelperTracePrintk, u(fmt.c_str()), fmt.size() + 1, u(inside));
    EXPECT_EQ(cap.lines.back(), "in") << f;
    call(kHelperTracePrintk, u(fmt.c_str()), fmt.size() + 1, u(outside));
    EXPECT_EQ(cap.lines.back(), "(efault)") << f;
  }
  char out[16];
  const uint64_t args[1] = {u(outside)};
  EXPECT_EQ(call(kHelperSnprintf, u(out), sizeof out, u("%s"), u(args), sizeof args), 9u);
  EXPECT_STREQ(out, "(efault)");
  cap.rc.platform = &ungranted;  // ranges without the grant read nothing
  call(kHelperTracePrintk, u("%s"), 3, u(inside));
  EXPECT_EQ(cap.lines.back(), "(efault)");
}

TEST(Helpers, Snprintf) {
  const Platform everything = granting();
  RunUnder run(everything);
  char out[16];
  uint64_t args[3] = {uint64_t(-1), 77, u("zz")};
  const char fmt[] = "%d:%05u:%s";
  EXPECT_EQ(call(kHelperSnprintf, u(out), sizeof out, u(fmt), u(args), sizeof args), 12u);
  EXPECT_STREQ(out, "-1:00077:zz");
  char small[4];
  EXPECT_EQ(call(kHelperSnprintf, u(small), sizeof small, u(fmt), u(args), sizeof args), 12u);
  EXPECT_STREQ(small, "-1:");
  EXPECT_EQ(as_long(call(kHelperSnprintf, u(out), sizeof out, u(fmt), u(args), 12)), -EINVAL);
  EXPECT_EQ(as_long(call(kHelperSnprintf, u(out), sizeof out, u(fmt), u(args), 8)), -EINVAL);  // too few args
}

// bpf_jiffies64 counts up; bpf_get_netns_cookie is the process's network
// namespace's cookie (what Linux reports for any of its sockets), with or
// without a context.
TEST(Helpers, Jiffies64AndNetnsCookie) {
  const uint64_t j1 = call(kHelperJiffies64), j2 = call(kHelperJiffies64);
  EXPECT_GT(j1, 0u);
  EXPECT_LE(j1, j2);
  uint64_t want = 0;
  socklen_t len = sizeof(want);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &want, &len), 0);
  close(fd);
  EXPECT_NE(want, 0u);
  EXPECT_EQ(call(kHelperGetNetnsCookie, 0), want);
  uint8_t ctx[72] = {};
  EXPECT_EQ(call(kHelperGetNetnsCookie, u(ctx)), want);
}

TEST(Helpers, StrncmpTimeIdsAndRandom) {
  EXPECT_EQ(call(kHelperStrncmp, u("abc"), 3, u("abc")), 0u);
  EXPECT_EQ(as_long(call(kHelperStrncmp, u("abc"), 3, u("abd"))), -1);
  EXPECT_EQ(call(kHelperStrncmp, u("abd"), 3, u("abc")), 1u);
  EXPECT_EQ(call(kHelperStrncmp, u("abX"), 2, u("abc")), 0u);
  uint64_t t1 = call(kHelperKtimeGetNs), t2 = call(kHelperKtimeGetNs);
  EXPECT_LE(t1, t2);
  EXPECT_GT(call(kHelperKtimeGetBootNs), 0u);
  EXPECT_EQ(call(kHelperGetCurrentPidTgid) >> 32, uint64_t(getpid()));
  EXPECT_EQ(call(kHelperGetCurrentUidGid) & 0xffffffffu, uint64_t(getuid()));
  EXPECT_EQ(call(kHelperGetSmpProcessorId), current_cpu());
  prctl(PR_SET_NAME, "decade-test", 0, 0, 0);
  char comm[16];
  EXPECT_EQ(call(kHelperGetCurrentComm, u(comm), sizeof comm), 0u);
  EXPECT_STREQ(comm, "decade-test");
  char tiny[4];
  call(kHelperGetCurrentComm, u(tiny), sizeof tiny);
  EXPECT_STREQ(tiny, "dec");
  bool varied = false;
  uint64_t first = call(kHelperGetPrandomU32);
  for (int i = 0; i < 10; ++i) {
    uint64_t r = call(kHelperGetPrandomU32);
    EXPECT_LE(r, 0xffffffffu);
    varied |= r != first;
  }
  EXPECT_TRUE(varied);
}

// A stand-in engine: callbacks are C++ functions indexed by "target".
struct FakeEngine {
  std::vector<std::function<uint64_t(uint64_t, uint64_t, uint64_t, uint64_t)>> subprogs;
  static bool invoke(void* e, uint64_t target, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t,
                     uint64_t* r0) {
    auto* self = static_cast<FakeEngine*>(e);
    if (target >= self->subprogs.size()) return false;
    *r0 = self->subprogs[target](r1, r2, r3, r4);
    return true;
  }
};

TEST(Helpers, LoopCallsBackIntoTheEngine) {
  FakeEngine eng;
  uint64_t sum = 0;
  eng.subprogs.push_back([&](uint64_t i, uint64_t ctx, uint64_t, uint64_t) {
    sum += i + ctx;
    return i == 9 ? 1u : 0u;
  });
  RunContext rc;
  rc.engine = &eng;
  rc.invoke_callback = &FakeEngine::invoke;
  RunScope scope(rc);
  EXPECT_EQ(call(kHelperLoop, 100, 0, 1000, 0), 10u);  // stopped by returning 1 at i = 9
  EXPECT_EQ(sum, 45u + 10 * 1000);
  EXPECT_EQ(call(kHelperLoop, 0, 0, 0, 0), 0u);
  EXPECT_EQ(as_long(call(kHelperLoop, 1, 0, 0, 1)), -EINVAL);
  EXPECT_EQ(as_long(call(kHelperLoop, (1u << 23) + 1, 0, 0, 0)), -E2BIG);
  EXPECT_FALSE(rc.fault.has_value());
  call(kHelperLoop, 1, 5, 0, 0);  // no such subprogram: the engine reports a fault
  ASSERT_TRUE(rc.fault.has_value());
}

TEST(Helpers, LoopOutsideARunIsAFault) {
  EXPECT_EQ(as_long(call(kHelperLoop, 1, 0, 0, 0)), -EINVAL);
  RunContext rc;  // no engine installed
  RunScope scope(rc);
  call(kHelperLoop, 1, 0, 0, 0);
  ASSERT_TRUE(rc.fault.has_value());
  EXPECT_EQ(rc.fault->code, ErrorCode::ExecBadCall);
}

TEST(Helpers, ForEachMapElem) {
  auto m = make(MapType::Array, 4, 8, 5);
  for (uint32_t i = 0; i < 5; ++i) {
    uint64_t v = i * 10;
    ASSERT_EQ(m->update(&i, &v, 0), 0);
  }
  FakeEngine eng;
  uint64_t seen = 0;
  eng.subprogs.push_back([&](uint64_t map, uint64_t key, uint64_t value, uint64_t ctx) {
    EXPECT_EQ(map, u(m.get()));
    EXPECT_EQ(ctx, 7u);
    seen += *reinterpret_cast<uint64_t*>(value);
    *reinterpret_cast<uint64_t*>(value) += 1;  // values are writable through the callback
    return *reinterpret_cast<uint32_t*>(key) == 2 ? 1u : 0u;
  });
  RunContext rc;
  rc.engine = &eng;
  rc.invoke_callback = &FakeEngine::invoke;
  RunScope scope(rc);
  EXPECT_EQ(call(kHelperForEachMapElem, u(m.get()), 0, 7, 0), 3u);
  EXPECT_EQ(seen, 0u + 10 + 20);
  uint32_t k = 1;
  EXPECT_EQ(*static_cast<uint64_t*>(m->lookup(&k)), 11u);
  auto q = make(MapType::Queue, 0, 4, 4);
  EXPECT_EQ(as_long(call(kHelperForEachMapElem, u(q.get()), 0, 0, 0)), -EINVAL);
}

// The key a callback gets is the run's copy, never the map's stored key:
// it stays readable after the helper returns (a program may keep it), and
// nested walks get their own.
TEST(Helpers, ForEachMapElemKeyIsTheRunsCopy) {
  auto m = make(MapType::Hash, 4, 8, 8);
  for (uint32_t i = 1; i <= 3; ++i) {
    uint64_t v = i;
    ASSERT_EQ(m->update(&i, &v, 0), 0);
  }
  FakeEngine eng;
  RunContext rc;
  std::vector<uint64_t> keys;
  eng.subprogs.push_back([&](uint64_t, uint64_t key, uint64_t, uint64_t) {
    keys.push_back(key);
    EXPECT_EQ(*reinterpret_cast<uint32_t*>(key), *reinterpret_cast<uint32_t*>(keys.front()));
    return 0u;
  });
  rc.engine = &eng;
  rc.invoke_callback = &FakeEngine::invoke;
  RunScope scope(rc);
  EXPECT_EQ(call(kHelperForEachMapElem, u(m.get()), 0, 0, 0), 3u);
  ASSERT_EQ(keys.size(), 3u);
  for (uint64_t k : keys) {
    EXPECT_EQ(k, keys.front()) << "one buffer per nesting level";
    EXPECT_TRUE(rc.callback_keys.contains(k, 4));
    for (const MapStorage& st : m->storage())
      EXPECT_FALSE(k >= u(st.bytes.data()) && k < u(st.bytes.data() + st.bytes.size())) << "the map's own memory";
  }
  uint32_t last = 0;
  std::memcpy(&last, reinterpret_cast<const void*>(keys.back()), 4);  // after the walk: still the last key
  EXPECT_GE(last, 1u);
  EXPECT_LE(last, 3u);
}

TEST(Helpers, SpinLockExcludesThreads) {
  MapDef d = def(MapType::Array, 4, 16, 1);
  d.spin_lock_off = 0;
  auto m = std::move(*create_map(d));
  uint32_t k = 0;
  auto* val = static_cast<uint8_t*>(m->lookup(&k));
  uint64_t lock = u(val);
  auto* counter = reinterpret_cast<uint64_t*>(val + 8);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        call(kHelperSpinLock, lock);
        uint64_t c = *counter;  // a plain read-modify-write: only the lock makes it safe
        *counter = c + 1;
        call(kHelperSpinUnlock, lock);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(*counter, 80000u);
}

TEST(Kfuncs, IterNumYieldsRangeAndBounds) {
  uint64_t it = 0;
  ASSERT_EQ(kcall("bpf_iter_num_new", u(&it), 3, 6), 0u);
  std::vector<int> got;
  while (uint64_t p = kcall("bpf_iter_num_next", u(&it))) got.push_back(*reinterpret_cast<int*>(p));
  EXPECT_EQ(got, (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(kcall("bpf_iter_num_next", u(&it)), 0u);  // stays exhausted
  kcall("bpf_iter_num_destroy", u(&it));
  EXPECT_EQ(it, 0u);
  EXPECT_EQ(as_long(kcall("bpf_iter_num_new", u(&it), 5, 4)), -EINVAL);
  EXPECT_EQ(as_long(kcall("bpf_iter_num_new", u(&it), 0, (1u << 23) + 1)), -E2BIG);
  ASSERT_EQ(kcall("bpf_iter_num_new", u(&it), uint64_t(INT32_MIN), uint64_t(INT32_MIN + 2)), 0u);
  got.clear();
  while (uint64_t p = kcall("bpf_iter_num_next", u(&it))) got.push_back(*reinterpret_cast<int*>(p));
  EXPECT_EQ(got, (std::vector<int>{INT32_MIN, INT32_MIN + 1}));
  EXPECT_TRUE(platform().kfunc("bpf_iter_num_next")->flags & kHelperIterNext);
  EXPECT_EQ(platform().kfunc("bpf_nope"), nullptr);
}

// bpf_iter_bits: set bits lowest first, from one word (kept in the
// iterator) or several (a copy), and the kernel's errors for a NULL source,
// no words and more than 511 words.
TEST(Kfuncs, IterBitsYieldsSetBits) {
  uint64_t it[2] = {};
  auto bits = [&] {
    std::vector<int> got;
    while (uint64_t p = kcall("bpf_iter_bits_next", u(it))) got.push_back(*reinterpret_cast<int*>(p));
    EXPECT_EQ(kcall("bpf_iter_bits_next", u(it)), 0u);  // stays exhausted
    kcall("bpf_iter_bits_destroy", u(it));
    return got;
  };
  uint64_t one = 0x8000000000000005ull;
  ASSERT_EQ(kcall("bpf_iter_bits_new", u(it), u(&one), 1), 0u);
  EXPECT_EQ(bits(), (std::vector<int>{0, 2, 63}));
  uint64_t three[3] = {0x1, 0, 0x6};
  ASSERT_EQ(kcall("bpf_iter_bits_new", u(it), u(three), 3), 0u);
  three[2] = 0;  // the words were copied at new()
  EXPECT_EQ(bits(), (std::vector<int>{0, 129, 130}));
  EXPECT_EQ(as_long(kcall("bpf_iter_bits_new", u(it), 0, 1)), -EINVAL);
  EXPECT_EQ(bits(), std::vector<int>{});
  EXPECT_EQ(as_long(kcall("bpf_iter_bits_new", u(it), u(three), 0)), -EINVAL);
  EXPECT_EQ(as_long(kcall("bpf_iter_bits_new", u(it), u(three), 512)), -E2BIG);
  EXPECT_EQ(bits(), std::vector<int>{});
  EXPECT_EQ(platform().kfunc("bpf_iter_bits_new")->iter_size, 16u);
}

TEST(Kfuncs, CastsReturnTheirArgument) {
  EXPECT_EQ(kcall("bpf_cast_to_kern_ctx", 0x1234), 0x1234u);
  EXPECT_EQ(kcall("bpf_rdonly_cast", 0x5678, 9), 0x5678u);
}

// Kernel kfuncs without a user-space meaning: known by name, with a
// reason, and without a function to call.
TEST(Kfuncs, MissingKfuncsAreNamedNotProvided) {
  const FuncProto* p = missing_kfunc("bpf_task_acquire");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "bpf_task_acquire");
  EXPECT_EQ(p->fn, nullptr);
  EXPECT_EQ(p, missing_kfunc("bpf_task_acquire"));
  EXPECT_NE(missing_kfunc_reason("bpf_cgroup_from_id"), nullptr);
  EXPECT_EQ(missing_kfunc("bpf_iter_num_new"), nullptr);
  EXPECT_EQ(platform().kfunc("bpf_task_acquire"), nullptr);
}

}  // namespace
}  // namespace decade::test
