// SPDX-License-Identifier: Apache-2.0
// The socket program types' helpers (sock_ops, sk_msg, sk_skb,
// sk_reuseport, sk_lookup, cgroup sysctl) and bpf_check_mtu (xdp, tc), with
// the kernel's prototypes and the allow lists of its sock_ops_func_proto,
// sk_msg_func_proto, sk_skb_func_proto, sk_reuseport_func_proto,
// sk_lookup_func_proto and sysctl_func_proto.
//
// Sockets are the host's (runtime/maps/sock_map.hpp). What runs: socket
// maps from any program, bpf_sk_release, bpf_sk_redirect_map / _hash in
// sk_skb test runs (recorded with the packet and reported as a socket
// redirect) and bpf_check_mtu against the host's interfaces. The helpers
// that act on a connection, a message, a reuseport group, a socket lookup
// or a sysctl need that object as the run's context; Decade's test runs do
// not build one for those types (RunCtx::Unsupported, or plain memory for
// sysctl), so the helpers verify as the kernel's do and a call that is
// reached anyway fails the run with ExecUnsupported naming the helper.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "runtime/fib.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/sock_map.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

constexpr uint64_t kSkDrop = 0, kSkPass = 1, kBpfFIngress = 1;
constexpr uint64_t kMtuChkSegs = 1;
constexpr long kMtuChkRetSuccess = 0, kMtuChkRetFragNeeded = 1;
// The device a test run's packet is on when the host names none (the
// kernel's test runs use the loopback device: ifindex 1, MTU 65536), and
// the link-layer header every device here has (Ethernet, as loopback's).
constexpr uint32_t kLoopbackIfindex = 1, kLoopbackMtu = 65536, kHardHeaderLen = 14;

uint64_t as_ret(long v) { return static_cast<uint64_t>(v); }

// bpf_sk_release(sk): gives back the reference a socket map lookup or a
// bpf_sk_lookup_* took (sk may be a cast of it: bpf_tcp_sock, bpf_skc_to_*),
// which the run held until now (HeldResources).
uint64_t sk_release(uint64_t sk, uint64_t, uint64_t, uint64_t, uint64_t) {
  HostSocket* s = HostSocket::from_program(sk);
  if (RunContext* rc = current_run_context()) rc->held.drop(reinterpret_cast<uint64_t>(s), HeldResources::Kind::Reference);
  s->put();
  return 0;
}

// bpf_sk_redirect_map / _hash(skb, map, key, flags): the socket behind the
// key becomes the packet's destination (kept as its cookie), delivered
// when the program returns SK_PASS; BPF_F_INGRESS queues it for the
// socket's receive side. A missing or unsuitable socket is SK_DROP.
uint64_t sk_redirect(uint64_t ctx, Map* map, const void* key, uint32_t index, uint64_t flags) {
  SkBuff* b = SkBuff::from_ctx(ctx);
  if (!b) {
    raise_fault(ErrorCode::ExecHelperFault, "bpf_sk_redirect_map: context is not an SkBuff");
    return kSkDrop;
  }
  if (flags & ~kBpfFIngress) return kSkDrop;
  HostSocket* s = sock_map_peek(*map, key);
  if (!s || !s->redirect_allowed()) return kSkDrop;
  b->redirect = RedirectInfo{map, index, s->cookie(), flags};
  return kSkPass;
}
uint64_t sk_redirect_map(uint64_t ctx, uint64_t map, uint64_t key, uint64_t flags, uint64_t) {
  const auto k = static_cast<uint32_t>(key);
  return sk_redirect(ctx, reinterpret_cast<Map*>(map), &k, k, flags);
}
uint64_t sk_redirect_hash(uint64_t ctx, uint64_t map, uint64_t key, uint64_t flags, uint64_t) {
  return sk_redirect(ctx, reinterpret_cast<Map*>(map), reinterpret_cast<const void*>(key), 0, flags);
}

// The socket a packet belongs to (__sk_buff.sk), or nullptr for another
// context or a packet without one. Packets a host runs carry none unless
// the host gave one (docs/helpers.md).
HostSocket* packet_socket(uint64_t ctx) {
  SkBuff* b = SkBuff::from_ctx(ctx);
  return b && b->ctx()->sk ? HostSocket::from_program(b->ctx()->sk) : nullptr;
}

// bpf_get_socket_cookie(ctx): the cookie (SO_COOKIE, the number the kernel
// gives a socket once) of the packet's socket for the skb types, 0 without
// one. The cgroup sock, sock_addr and sock_ops forms take their context,
// which Decade builds from no socket (plain memory the host gives, or no
// test run at all): 0 there too.
uint64_t get_socket_cookie(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
  HostSocket* s = packet_socket(ctx);
  return s ? s->cookie() : 0;
}

// bpf_get_socket_uid(skb): the uid owning the packet's socket (the
// socket inode's owner, which is where the kernel takes sk_uid from),
// overflowuid (65534) without one. Only the skb types have it: another
// context faults the run.
uint64_t get_socket_uid(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
  constexpr uint64_t kOverflowUid = 65534;
  if (!SkBuff::from_ctx(ctx)) {
    raise_fault(ErrorCode::ExecHelperFault, "bpf_get_socket_uid: context is not an SkBuff");
    return kOverflowUid;
  }
  HostSocket* s = packet_socket(ctx);
  struct stat st {};
  if (!s || fstat(s->fd(), &st) != 0) return kOverflowUid;
  return st.st_uid;
}

// bpf_check_mtu(ctx, ifindex, *mtu_len, len_diff, flags), as the kernel's
// bpf_skb_check_mtu and bpf_xdp_check_mtu: the packet's length (or, when
// *mtu_len is set, that L3 length plus the link-layer header) plus
// len_diff against the device's MTU plus its link-layer header;
// *mtu_len becomes the MTU. Packets here are never GSO, so
// BPF_MTU_CHK_SEGS (tc only) changes nothing beyond its -EINVAL checks.
uint64_t check_mtu(uint64_t ctx, uint64_t ifindex, uint64_t mtu_len, uint64_t len_diff, uint64_t flags) {
  auto* len = reinterpret_cast<uint32_t*>(mtu_len);
  int64_t pkt_len = 0;
  uint32_t dev = 0;
  if (SkBuff* b = SkBuff::from_ctx(ctx)) {
    if (flags & ~kMtuChkSegs) return as_ret(-EINVAL);
    if ((flags & kMtuChkSegs) && (len_diff || *len)) return as_ret(-EINVAL);
    pkt_len = static_cast<int64_t>(b->packet().size());
    dev = b->ctx()->ifindex;
  } else if (XdpBuff* x = XdpBuff::from_ctx(ctx)) {
    if (flags) return as_ret(-EINVAL);
    pkt_len = static_cast<int64_t>(x->packet().size());
    dev = x->ctx()->ingress_ifindex;
  } else {
    raise_fault(ErrorCode::ExecHelperFault, "bpf_check_mtu: context is not an XdpBuff or an SkBuff");
    return as_ret(-EINVAL);
  }
  uint32_t mtu = 0;
  if (!host_device_mtu(static_cast<uint32_t>(ifindex), dev, &mtu)) return as_ret(-ENODEV);
  // The kernel computes in int: len_diff is an s32, the lengths ints.
  const int32_t dev_len = static_cast<int32_t>(mtu + kHardHeaderLen);
  int32_t n = *len ? static_cast<int32_t>(*len + kHardHeaderLen) : static_cast<int32_t>(pkt_len);
  n = static_cast<int32_t>(static_cast<uint32_t>(n) + static_cast<uint32_t>(len_diff));
  *len = mtu;
  return as_ret(n <= dev_len ? kMtuChkRetSuccess : kMtuChkRetFragNeeded);
}

// __bpf_strtoull: leading spaces, an optional '-', then digits in base
// flags & 0x1f (0: 0x.. hex, 0.. octal, else decimal; 16 also takes 0x)
// from at most 63 bytes. The bytes consumed, -EINVAL without digits or
// with bad flags, -ERANGE on overflow.
long parse_ull(const char* buf, uint64_t len, uint64_t flags, uint64_t* res, bool* negative) {
  unsigned base = static_cast<unsigned>(flags & 0x1f);
  if ((base != 0 && base != 8 && base != 10 && base != 16) || (flags & ~uint64_t{0x1f})) return -EINVAL;
  uint64_t i = 0;
  while (i < len && (buf[i] == ' ' || (buf[i] >= '\t' && buf[i] <= '\r'))) ++i;
  *negative = i < len && buf[i] == '-';
  if (*negative) ++i;
  if (i == len) return -EINVAL;
  char str[64] = {};
  const uint64_t n = std::min<uint64_t>(len - i, sizeof(str) - 1);
  std::memcpy(str, buf + i, n);
  const char* p = str;
  auto lower = [](char c) { return static_cast<char>(c | 0x20); };
  auto digit = [&](char c) -> unsigned {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (lower(c) >= 'a' && lower(c) <= 'f') return static_cast<unsigned>(lower(c) - 'a' + 10);
    return 16;
  };
  if (base == 0) base = p[0] != '0' ? 10 : (lower(p[1]) == 'x' && digit(p[2]) < 16 ? 16 : 8);
  if (base == 16 && p[0] == '0' && lower(p[1]) == 'x') p += 2;
  uint64_t v = 0;
  const char* start = p;
  bool overflow = false;
  for (unsigned d; (d = digit(*p)) < base; ++p)
    overflow |= __builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v);
  if (overflow) return -ERANGE;
  if (p == start) return -EINVAL;
  *res = v;
  return static_cast<long>(i + static_cast<uint64_t>(p - str));
}

// bpf_strtol / bpf_strtoul(buf, buf_len, flags, *res): *res is 0 unless
// the call succeeds, as in the kernel. The verifier counts the 8 bytes as
// written by any call (a fixed-size uninit argument), so a failed call
// that left them alone let the program read stack bytes it never wrote
// (an earlier run's or function's, host addresses included).
uint64_t strtol_helper(uint64_t buf, uint64_t len, uint64_t flags, uint64_t res, uint64_t) {
  std::memset(reinterpret_cast<void*>(res), 0, 8);
  uint64_t v = 0;
  bool neg = false;
  const long n = parse_ull(reinterpret_cast<const char*>(buf), len, flags, &v, &neg);
  if (n < 0) return as_ret(n);
  const uint64_t s = neg ? 0 - v : v;
  if (neg ? static_cast<int64_t>(s) > 0 : static_cast<int64_t>(s) < 0) return as_ret(-ERANGE);
  std::memcpy(reinterpret_cast<void*>(res), &s, 8);
  return as_ret(n);
}
uint64_t strtoul_helper(uint64_t buf, uint64_t len, uint64_t flags, uint64_t res, uint64_t) {
  std::memset(reinterpret_cast<void*>(res), 0, 8);
  uint64_t v = 0;
  bool neg = false;
  const long n = parse_ull(reinterpret_cast<const char*>(buf), len, flags, &v, &neg);
  if (n < 0) return as_ret(n);
  if (neg) return as_ret(-EINVAL);
  std::memcpy(reinterpret_cast<void*>(res), &v, 8);
  return as_ret(n);
}

// The helpers whose object (connection, message, reuseport group, socket
// lookup, sysctl) no Decade test run provides: reaching one fails the run.
template <const char* Name>
uint64_t needs_context(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  raise_fault(ErrorCode::ExecUnsupported,
              std::string(Name) + ": the run has no socket, message or sysctl behind its context "
                                  "(Decade's test runs do not build this program type's context)");
  return 0;
}

#define DECADE_SOCK_HELPER(var, name) constexpr char var[] = name;
DECADE_SOCK_HELPER(kSetsockopt, "bpf_setsockopt")
DECADE_SOCK_HELPER(kGetsockopt, "bpf_getsockopt")
DECADE_SOCK_HELPER(kSockMapUpdate, "bpf_sock_map_update")
DECADE_SOCK_HELPER(kSockHashUpdate, "bpf_sock_hash_update")
DECADE_SOCK_HELPER(kCbFlagsSet, "bpf_sock_ops_cb_flags_set")
DECADE_SOCK_HELPER(kLoadHdrOpt, "bpf_load_hdr_opt")
DECADE_SOCK_HELPER(kStoreHdrOpt, "bpf_store_hdr_opt")
DECADE_SOCK_HELPER(kReserveHdrOpt, "bpf_reserve_hdr_opt")
DECADE_SOCK_HELPER(kMsgRedirectMap, "bpf_msg_redirect_map")
DECADE_SOCK_HELPER(kMsgRedirectHash, "bpf_msg_redirect_hash")
DECADE_SOCK_HELPER(kMsgApplyBytes, "bpf_msg_apply_bytes")
DECADE_SOCK_HELPER(kMsgCorkBytes, "bpf_msg_cork_bytes")
DECADE_SOCK_HELPER(kMsgPullData, "bpf_msg_pull_data")
DECADE_SOCK_HELPER(kMsgPushData, "bpf_msg_push_data")
DECADE_SOCK_HELPER(kMsgPopData, "bpf_msg_pop_data")
DECADE_SOCK_HELPER(kSkSelectReuseport, "bpf_sk_select_reuseport")
DECADE_SOCK_HELPER(kSkAssign, "bpf_sk_assign")
DECADE_SOCK_HELPER(kSysctlGetName, "bpf_sysctl_get_name")
DECADE_SOCK_HELPER(kSysctlGetCurrent, "bpf_sysctl_get_current_value")
DECADE_SOCK_HELPER(kSysctlGetNew, "bpf_sysctl_get_new_value")
DECADE_SOCK_HELPER(kSysctlSetNew, "bpf_sysctl_set_new_value")
#undef DECADE_SOCK_HELPER

}  // namespace

bool host_device_mtu(uint32_t ifindex, uint32_t packet_dev, uint32_t* mtu) {
  if (!ifindex) ifindex = packet_dev;
  const RunContext* rc = current_run_context();
  if (const FibTable::State* t = rc && rc->platform ? rc->platform->fib() : nullptr) {
    std::shared_lock lock(t->mu);
    for (const FibTable::Interface& i : t->interfaces)
      if (i.ifindex == ifindex) {
        *mtu = i.mtu;
        return true;
      }
  }
  if (ifindex != kLoopbackIfindex) return false;
  *mtu = kLoopbackMtu;
  return true;
}

uint32_t sock_helper_types(uint32_t id) {
  switch (id) {
    case kHelperSkRelease:
      return kProgXdp | kProgTc | kProgSkSkb | kProgCgroupSkb | kProgSkLookup;
    case kHelperSkRedirectMap: case kHelperSkRedirectHash:
      return kProgSkSkb;
    case kHelperMsgRedirectMap: case kHelperMsgRedirectHash: case kHelperMsgApplyBytes: case kHelperMsgCorkBytes:
    case kHelperMsgPullData: case kHelperMsgPushData: case kHelperMsgPopData:
      return kProgSkMsg;
    case kHelperSetsockopt: case kHelperGetsockopt: case kHelperSockMapUpdate: case kHelperSockHashUpdate:
    case kHelperSockOpsCbFlagsSet: case kHelperLoadHdrOpt: case kHelperStoreHdrOpt: case kHelperReserveHdrOpt:
      return kProgSockOps;
    case kHelperSkSelectReuseport:
      return kProgSkReuseport;
    case kHelperSkAssign:
      return kProgSkLookup;
    case kHelperSysctlGetName: case kHelperSysctlGetCurrentValue: case kHelperSysctlGetNewValue:
    case kHelperSysctlSetNewValue:
      return kProgCgroupSysctl;
    case kHelperCheckMtu:
      return kProgXdp | kProgTc;
    case kHelperGetSocketCookie:  // the skb forms and sock_ops (the cgroup socket hooks: socket_cookie_ctx_type)
      return kProgSocketFilter | kProgTc | kProgCgroupSkb | kProgSkSkb | kProgSockOps;
    case kHelperGetSocketUid:
      return kProgSocketFilter | kProgTc | kProgCgroupSkb | kProgSkSkb;
    case kHelperGetNetnsCookie:  // and the cgroup socket hooks (netns_cookie_type)
      return kProgSockOps | kProgSkMsg;
    case kHelperSkLookupTcp: case kHelperSkLookupUdp: case kHelperSkcLookupTcp:
      return kProgXdp | kProgTc | kProgCgroupSkb | kProgSkSkb;
    case kHelperSkFullsock: case kHelperGetListenerSock:
      return kProgTc | kProgCgroupSkb;
    case kHelperTcpSock:
      return kProgTc | kProgCgroupSkb | kProgSockOps;
    case kHelperSkStorageGet: case kHelperSkStorageDelete:
      return kProgTc | kProgCgroupSkb | kProgSockOps | kProgSkMsg;
    case kHelperGetLocalStorage:  // and every other cgroup hook (cgroup_common_func_proto)
      return kProgCgroupSkb | kProgSockOps | kProgCgroupSysctl;
    default:
      return kAnyProgramType;
  }
}

void append_sock_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  constexpr uint32_t kMoves = kHelperChangesPacket;
  FuncProto release = make_proto("bpf_sk_release", kHelperSkRelease, sk_release, R::Integer, {A::PtrToBtfSockCommon}, kHelperRelease);
  release.release_arg = 0;
  out.push_back(std::move(release));
  out.push_back(make_proto("bpf_sk_redirect_map", kHelperSkRedirectMap, sk_redirect_map, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::Scalar, A::Scalar}));
  out.push_back(make_proto("bpf_sk_redirect_hash", kHelperSkRedirectHash, sk_redirect_hash, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::PtrToMapKey, A::Scalar}));
  FuncProto mtu = make_proto("bpf_check_mtu", kHelperCheckMtu, check_mtu, R::Integer,
                             {A::PtrToCtx, A::Scalar, A::PtrToFixedMemInOut, A::Scalar, A::Scalar});
  mtu.arg_fixed_size[2] = 4;
  out.push_back(std::move(mtu));
  out.push_back(make_proto("bpf_get_socket_cookie", kHelperGetSocketCookie, get_socket_cookie, R::Integer, {A::PtrToCtx}));
  out.push_back(make_proto("bpf_get_socket_uid", kHelperGetSocketUid, get_socket_uid, R::Integer, {A::PtrToCtx}));
  // sock_ops.
  out.push_back(make_proto(kSetsockopt, kHelperSetsockopt, needs_context<kSetsockopt>, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar, A::PtrToMem, A::ConstSize}));
  out.push_back(make_proto(kGetsockopt, kHelperGetsockopt, needs_context<kGetsockopt>, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar, A::PtrToUninitMem, A::ConstSize}));
  out.push_back(make_proto(kSockMapUpdate, kHelperSockMapUpdate, needs_context<kSockMapUpdate>, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::PtrToMapKey, A::Scalar}));
  out.push_back(make_proto(kSockHashUpdate, kHelperSockHashUpdate, needs_context<kSockHashUpdate>, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::PtrToMapKey, A::Scalar}));
  out.push_back(make_proto(kCbFlagsSet, kHelperSockOpsCbFlagsSet, needs_context<kCbFlagsSet>, R::Integer, {A::PtrToCtx, A::Scalar}));
  // The search key is read from the buffer the option is then written to.
  out.push_back(make_proto(kLoadHdrOpt, kHelperLoadHdrOpt, needs_context<kLoadHdrOpt>, R::Integer,
                           {A::PtrToCtx, A::PtrToMemInOut, A::ConstSize, A::Scalar}));
  out.push_back(make_proto(kStoreHdrOpt, kHelperStoreHdrOpt, needs_context<kStoreHdrOpt>, R::Integer,
                           {A::PtrToCtx, A::PtrToMem, A::ConstSize, A::Scalar}, kMoves));
  out.push_back(make_proto(kReserveHdrOpt, kHelperReserveHdrOpt, needs_context<kReserveHdrOpt>, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar}));
  // sk_msg.
  out.push_back(make_proto(kMsgRedirectMap, kHelperMsgRedirectMap, needs_context<kMsgRedirectMap>, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::Scalar, A::Scalar}));
  out.push_back(make_proto(kMsgRedirectHash, kHelperMsgRedirectHash, needs_context<kMsgRedirectHash>, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::PtrToMapKey, A::Scalar}));
  out.push_back(make_proto(kMsgApplyBytes, kHelperMsgApplyBytes, needs_context<kMsgApplyBytes>, R::Integer, {A::PtrToCtx, A::Scalar}));
  out.push_back(make_proto(kMsgCorkBytes, kHelperMsgCorkBytes, needs_context<kMsgCorkBytes>, R::Integer, {A::PtrToCtx, A::Scalar}));
  out.push_back(make_proto(kMsgPullData, kHelperMsgPullData, needs_context<kMsgPullData>, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar, A::Scalar}, kMoves));
  out.push_back(make_proto(kMsgPushData, kHelperMsgPushData, needs_context<kMsgPushData>, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar, A::Scalar}, kMoves));
  out.push_back(make_proto(kMsgPopData, kHelperMsgPopData, needs_context<kMsgPopData>, R::Integer,
                           {A::PtrToCtx, A::Scalar, A::Scalar, A::Scalar}, kMoves));
  // sk_reuseport, sk_lookup.
  out.push_back(make_proto(kSkSelectReuseport, kHelperSkSelectReuseport, needs_context<kSkSelectReuseport>, R::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::PtrToMapKey, A::Scalar}));
  out.push_back(make_proto(kSkAssign, kHelperSkAssign, needs_context<kSkAssign>, R::Integer,
                           {A::PtrToCtx, A::PtrToSocketOrNull, A::Scalar}));
  // Introduced for sysctl values, offered to every type (bpf_base_func_proto).
  FuncProto strtol = make_proto("bpf_strtol", kHelperStrtol, strtol_helper, R::Integer,
                                {A::PtrToMem, A::ConstSize, A::Scalar, A::PtrToFixedUninitMem});
  strtol.arg_fixed_size[3] = 8;
  FuncProto strtoul = strtol;
  strtoul.name = "bpf_strtoul";
  strtoul.id = kHelperStrtoul;
  strtoul.fn = strtoul_helper;
  out.push_back(std::move(strtol));
  out.push_back(std::move(strtoul));
  // cgroup sysctl.
  out.push_back(make_proto(kSysctlGetName, kHelperSysctlGetName, needs_context<kSysctlGetName>, R::Integer,
                           {A::PtrToCtx, A::PtrToUninitMem, A::ConstSize, A::Scalar}));
  out.push_back(make_proto(kSysctlGetCurrent, kHelperSysctlGetCurrentValue, needs_context<kSysctlGetCurrent>, R::Integer,
                           {A::PtrToCtx, A::PtrToUninitMem, A::ConstSize}));
  out.push_back(make_proto(kSysctlGetNew, kHelperSysctlGetNewValue, needs_context<kSysctlGetNew>, R::Integer,
                           {A::PtrToCtx, A::PtrToUninitMem, A::ConstSize}));
  out.push_back(make_proto(kSysctlSetNew, kHelperSysctlSetNewValue, needs_context<kSysctlSetNew>, R::Integer,
                           {A::PtrToCtx, A::PtrToMem, A::ConstSize}));
}

}  // namespace decade
