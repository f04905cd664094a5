// SPDX-License-Identifier: Apache-2.0
// The built-in helpers, grouped by file; Platform::standard() collects them.
// Ids, prototypes and return values are the kernel's (uapi enum bpf_func_id).
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "runtime/platform.hpp"

namespace decade {

// Kernel helper ids (uapi ___BPF_FUNC_MAPPER order), checked against
// <linux/bpf.h> in tests/runtime.
enum HelperId : uint32_t {
  kHelperMapLookupElem = 1,
  kHelperMapUpdateElem = 2,
  kHelperMapDeleteElem = 3,
  kHelperProbeRead = 4,
  kHelperKtimeGetNs = 5,
  kHelperTracePrintk = 6,
  kHelperGetPrandomU32 = 7,
  kHelperGetSmpProcessorId = 8,
  kHelperSkbStoreBytes = 9,
  kHelperL3CsumReplace = 10,
  kHelperL4CsumReplace = 11,
  kHelperTailCall = 12,
  kHelperGetCurrentPidTgid = 14,
  kHelperGetCurrentUidGid = 15,
  kHelperGetCurrentComm = 16,
  kHelperSkbVlanPush = 18,
  kHelperSkbVlanPop = 19,
  kHelperSkbGetTunnelKey = 20,
  kHelperSkbSetTunnelKey = 21,
  kHelperRedirect = 23,
  kHelperGetStackid = 27,
  kHelperSkbUnderCgroup = 33,
  kHelperGetCurrentTask = 35,
  kHelperCurrentTaskUnderCgroup = 37,
  kHelperRedirectNeigh = 152,
  kHelperGetCurrentTaskBtf = 158,
  kHelperPerfEventOutput = 25,
  kHelperSkbLoadBytes = 26,
  kHelperCsumDiff = 28,
  kHelperSkbGetTunnelOpt = 29,
  kHelperSkbSetTunnelOpt = 30,
  kHelperSkbChangeProto = 31,
  kHelperGetHashRecalc = 34,
  kHelperSkbChangeTail = 38,
  kHelperSkbPullData = 39,
  kHelperCsumUpdate = 40,
  kHelperSetHashInvalid = 41,
  kHelperGetNumaNodeId = 42,
  kHelperSkbChangeHead = 43,
  kHelperXdpAdjustHead = 44,
  kHelperProbeReadStr = 45,
  kHelperSetHash = 48,
  kHelperSkbAdjustRoom = 50,
  kHelperRedirectMap = 51,
  kHelperXdpAdjustMeta = 54,
  kHelperXdpAdjustTail = 65,
  kHelperGetStack = 67,
  kHelperFibLookup = 69,
  kHelperMapPushElem = 87,
  kHelperMapPopElem = 88,
  kHelperMapPeekElem = 89,
  kHelperSpinLock = 93,
  kHelperSpinUnlock = 94,
  kHelperSkbEcnSetCe = 97,
  kHelperProbeReadUser = 112,
  kHelperProbeReadKernel = 113,
  kHelperProbeReadUserStr = 114,
  kHelperProbeReadKernelStr = 115,
  kHelperCopyFromUser = 148,
  kHelperJiffies64 = 118,
  kHelperGetNetnsCookie = 122,
  kHelperKtimeGetBootNs = 125,
  kHelperRingbufOutput = 130,
  kHelperRingbufReserve = 131,
  kHelperRingbufSubmit = 132,
  kHelperRingbufDiscard = 133,
  kHelperRingbufQuery = 134,
  kHelperCsumLevel = 135,
  kHelperKtimeGetCoarseNs = 160,
  kHelperForEachMapElem = 164,
  kHelperTimerInit = 169,
  kHelperTimerSetCallback = 170,
  kHelperTimerStart = 171,
  kHelperTimerCancel = 172,
  kHelperSnprintf = 165,
  kHelperLoop = 181,
  kHelperStrncmp = 182,
  kHelperGetFuncIp = 173,
  kHelperGetAttachCookie = 174,
  kHelperXdpGetBuffLen = 188,
  kHelperXdpLoadBytes = 189,
  kHelperXdpStoreBytes = 190,
  kHelperMapLookupPercpuElem = 195,
  kHelperKtimeGetTaiNs = 208,
  kHelperSkbChangeType = 32,
  kHelperSkbLoadBytesRelative = 68,
  kHelperSkbSetTstamp = 192,
  kHelperGetSocketCookie = 46,
  kHelperGetSocketUid = 47,
  kHelperGetCurrentCgroupId = 80,
  kHelperGetCurrentAncestorCgroupId = 123,
  kHelperSkbCgroupId = 79,
  kHelperCloneRedirect = 13,
  kHelperSkbAncestorCgroupId = 83,
  kHelperTcpRawGenSyncookieIpv4 = 204,
  kHelperTcpRawGenSyncookieIpv6 = 205,
  kHelperTcpRawCheckSyncookieIpv4 = 206,
  kHelperTcpRawCheckSyncookieIpv6 = 207,
  // Socket program types (sock_helpers.cpp).
  kHelperSetsockopt = 49,
  kHelperSkRedirectMap = 52,
  kHelperSockMapUpdate = 53,
  kHelperGetsockopt = 57,
  kHelperSockOpsCbFlagsSet = 59,
  kHelperMsgRedirectMap = 60,
  kHelperMsgApplyBytes = 61,
  kHelperMsgCorkBytes = 62,
  kHelperMsgPullData = 63,
  kHelperSockHashUpdate = 70,
  kHelperMsgRedirectHash = 71,
  kHelperSkRedirectHash = 72,
  kHelperSkSelectReuseport = 82,
  kHelperSkRelease = 86,
  kHelperMsgPushData = 90,
  kHelperMsgPopData = 91,
  kHelperSysctlGetName = 101,
  kHelperSysctlGetCurrentValue = 102,
  kHelperSysctlGetNewValue = 103,
  kHelperSysctlSetNewValue = 104,
  kHelperStrtol = 105,
  kHelperStrtoul = 106,
  kHelperSkAssign = 124,
  kHelperLoadHdrOpt = 142,
  kHelperStoreHdrOpt = 143,
  kHelperReserveHdrOpt = 144,
  kHelperCheckMtu = 163,
  // Socket lookups and casts (sk_lookup_helpers.cpp).
  kHelperSkLookupTcp = 84,
  kHelperSkLookupUdp = 85,
  kHelperSkFullsock = 95,
  kHelperTcpSock = 96,
  kHelperGetListenerSock = 98,
  kHelperSkcLookupTcp = 99,
  kHelperTcpCheckSyncookie = 100,  // not provided: the kernel's pkt_access list names it
  kHelperTcpGenSyncookie = 110,    // likewise
  kHelperSkcToTcp6Sock = 136,
  kHelperSkcToTcpSock = 137,
  kHelperSkcToTcpTimewaitSock = 138,
  kHelperSkcToTcpRequestSock = 139,
  kHelperSkcToUdp6Sock = 140,
  kHelperSkcToUnixSock = 178,
  kHelperSkcToMptcpSock = 196,
  kHelperSkStorageGet = 107,
  kHelperSkStorageDelete = 108,
  kHelperGetLocalStorage = 81,
};

// The MTU of a device of the host (ifindex 0: packet_dev) from the
// platform's FibTable interfaces, or the test run's loopback device
// (ifindex 1, MTU 65536) when the host does not describe it; false for a
// device that does not exist (sock_helpers.cpp).
bool host_device_mtu(uint32_t ifindex, uint32_t packet_dev, uint32_t* mtu);

// BPF_MAX_LOOPS: bpf_loop and open-coded iterator bound.
inline constexpr uint64_t kBpfMaxLoops = 8u << 20;
// The most u64 words bpf_iter_bits_new copies (BITS_ITER_NR_WORDS_MAX).
inline constexpr uint32_t kBitsIterMaxWords = 511;

FuncProto make_proto(const char* name, uint32_t id, HelperFn fn, RetKind ret, std::initializer_list<ArgKind> args,
                     uint32_t flags = 0);

void append_map_helpers(std::vector<FuncProto>& out);
void append_probe_read_helpers(std::vector<FuncProto>& out);
// The copies bpf_probe_read* make: n bytes from any address into dst,
// returning how many were readable (short on the first bad page); never
// faults. The first uses process_vm_readv, falling back to the second
// (the kernel copying through a pipe) where that call is not permitted.
size_t probe_copy(void* dst, uint64_t src, size_t n);
size_t probe_copy_via_pipe(void* dst, uint64_t src, size_t n);
// How many bytes from src (at most n) the running program's platform lets
// helpers read (Platform::readable_prefix; 0 outside a run).
uint64_t host_readable(uint64_t src, uint64_t n);
// bpf_probe_read_str's copy into d[0, size): the length with the NUL, or
// -EFAULT with d zeroed when a byte before the NUL is not host_readable or
// unmapped; a string longer than size is truncated and NUL-terminated.
long probe_copy_str(uint8_t* d, uint64_t src, uint64_t size);
void append_misc_helpers(std::vector<FuncProto>& out);
// bpf_get_current_task and the cgroup array helpers (task_helpers.cpp).
void append_task_helpers(std::vector<FuncProto>& out);
// Why a kernel helper Decade does not register is missing, for the
// verifier's refusal ("(name) is not supported: why"); nullptr for helpers
// without a recorded reason.
const char* missing_helper_reason(uint32_t id);
// bpf_get_func_ip, bpf_get_attach_cookie, bpf_get_stack (user-space probes).
void append_probe_helpers(std::vector<FuncProto>& out);
void append_print_helpers(std::vector<FuncProto>& out);
void append_ringbuf_helpers(std::vector<FuncProto>& out);
void append_callback_helpers(std::vector<FuncProto>& out);
// bpf_timer_init, _set_callback, _start, _cancel (timer_helpers.cpp, runtime/timer.hpp).
void append_timer_helpers(std::vector<FuncProto>& out);
void append_packet_helpers(std::vector<FuncProto>& out);
void append_redirect_helpers(std::vector<FuncProto>& out);
void append_fib_helpers(std::vector<FuncProto>& out);
void append_perf_helpers(std::vector<FuncProto>& out);
void append_csum_helpers(std::vector<FuncProto>& out);
void append_skb_room_helpers(std::vector<FuncProto>& out);
void append_skb_meta_helpers(std::vector<FuncProto>& out);
// bpf_tcp_raw_gen_syncookie_ipv4/6, bpf_tcp_raw_check_syncookie_ipv4/6
// (syncookie_helpers.cpp).
void append_syncookie_helpers(std::vector<FuncProto>& out);
// The socket program types' helpers and bpf_check_mtu (sock_helpers.cpp).
void append_sock_helpers(std::vector<FuncProto>& out);
uint32_t sock_helper_types(uint32_t id);  // as packet_helper_types, for those
// bpf_sk_lookup_tcp/udp, bpf_skc_lookup_tcp, bpf_sk_fullsock, bpf_tcp_sock,
// bpf_get_listener_sock, the bpf_skc_to_* casts and bpf_sk_storage_get /
// delete (sk_lookup_helpers.cpp).
void append_sk_lookup_helpers(std::vector<FuncProto>& out);

// Helpers only tracing types may call: they read a probe hit's state and pt_regs.
bool is_tracing_only_helper(uint32_t id);
// The program types a type-specific helper is offered to, as bits of
// HelperList (the kernel's xdp_func_proto, tc_cls_act_func_proto,
// sk_filter_func_proto, cg_skb_func_proto, lwt_*_func_proto,
// sk_skb_func_proto, flow_dissector_func_proto, sk_reuseport_func_proto,
// sock_ops_func_proto, sk_msg_func_proto, sk_lookup_func_proto and
// sysctl_func_proto list them); kAnyProgramType for every other helper.
constexpr uint32_t helper_list_bit(HelperList l) { return 1u << static_cast<unsigned>(l); }
enum PacketProgTypes : uint32_t {
  kProgXdp = helper_list_bit(HelperList::Xdp),
  kProgTc = helper_list_bit(HelperList::Tc),
  kProgSocketFilter = helper_list_bit(HelperList::SocketFilter),
  kProgCgroupSkb = helper_list_bit(HelperList::CgroupSkb),
  kProgLwt = helper_list_bit(HelperList::Lwt),
  kProgLwtXmit = helper_list_bit(HelperList::LwtXmit),
  kProgSkSkb = helper_list_bit(HelperList::SkSkb),
  kProgFlowDissector = helper_list_bit(HelperList::FlowDissector),
  kProgSkReuseport = helper_list_bit(HelperList::SkReuseport),
  kProgSockOps = helper_list_bit(HelperList::SockOps),
  kProgSkMsg = helper_list_bit(HelperList::SkMsg),
  kProgSkLookup = helper_list_bit(HelperList::SkLookup),
  kProgCgroupSysctl = helper_list_bit(HelperList::CgroupSysctl),
  kAnyProgramType = ~0u,
};
uint32_t packet_helper_types(uint32_t id);

// Kfuncs: open-coded numeric iterator, arena page allocation, resilient spin locks.
void append_iter_num_kfuncs(std::vector<FuncProto>& out);
// bpf_iter_bits_new/next/destroy (kfuncs/iter_bits.cpp).
void append_iter_bits_kfuncs(std::vector<FuncProto>& out);
// bpf_cast_to_kern_ctx and bpf_rdonly_cast (kfuncs/cast_kfuncs.cpp).
void append_cast_kfuncs(std::vector<FuncProto>& out);
// Why a kernel kfunc Decade does not provide is missing (it names kernel
// objects user space does not have), for the loader and the verifier's
// refusal by name; nullptr for other names (kfuncs/missing_kfuncs.cpp).
const char* missing_kfunc_reason(std::string_view name);
// Such a kfunc's prototype: its name, no function (fn and fn_wide null), no
// arguments; nullptr for a name without a reason. Stable for the process.
const FuncProto* missing_kfunc(std::string_view name);
// The bitmanip intrinsics' kfuncs (kfuncs/bitmanip_kfuncs.cpp).
void append_bitmanip_kfuncs(std::vector<FuncProto>& out);
void append_arena_kfuncs(std::vector<FuncProto>& out);
void append_res_lock_kfuncs(std::vector<FuncProto>& out);

}  // namespace decade
