// SPDX-License-Identifier: Apache-2.0
// Host-side contexts for running packet and probe programs the way
// bpf_prog_test_run does: the program's r1 points at a struct laid out
// exactly like the kernel's uapi context (struct xdp_md, struct __sk_buff,
// struct pt_regs on x86-64).
//
// The uapi packet pointer fields (data, data_end, data_meta) are 32 bits
// wide. The kernel rewrites those loads; here the packet frame is placed
// in the low 4 GiB of the address space instead, so the 32-bit fields hold
// the real addresses and every engine can load them as plain u32 fields.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "decade/error.hpp"
#include "decade/tunnel.hpp"
#include "runtime/engine.hpp"

namespace decade {

class Map;

// Where bpf_redirect / bpf_redirect_map sent the packet, kept with the
// packet as the kernel keeps struct bpf_redirect_info for the running
// program. The helper records it; it takes effect only when the program
// returns XDP_REDIRECT (TC_ACT_REDIRECT for tc), as in the kernel, and a
// later call replaces it (a failed map lookup clears it).
struct RedirectInfo {
  Map* map = nullptr;        // bpf_redirect_map's map; nullptr for bpf_redirect
  uint32_t index = 0;        // bpf_redirect's ifindex, or the map key
  uint64_t value = 0;        // the entry's value word when the helper ran (ifindex, qsize, socket id)
  uint64_t flags = 0;        // BPF_F_INGRESS (tc), BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS (devmap)
};

// A copy of the packet bpf_clone_redirect sent on (tc, lwt_xmit): the
// device, BPF_F_INGRESS or not, and the bytes as they were at the call.
struct SkbClone {
  uint32_t ifindex = 0;
  bool ingress = false;  // BPF_F_INGRESS, the only flag the helper takes
  std::vector<uint8_t> bytes;
};

// == struct xdp_md (uapi), 24 bytes.
struct XdpMd {
  uint32_t data;
  uint32_t data_end;
  uint32_t data_meta;
  uint32_t ingress_ifindex;
  uint32_t rx_queue_index;
  uint32_t egress_ifindex;
};
static_assert(sizeof(XdpMd) == 24);

// == struct __sk_buff (uapi), 192 bytes; offsets checked against
// <linux/bpf.h> in packet_context.cpp.
struct SkBuffMd {
  uint32_t len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto, priority;
  uint32_t ingress_ifindex, ifindex, tc_index;
  uint32_t cb[5];
  uint32_t hash, tc_classid, data, data_end, napi_id;
  uint32_t family, remote_ip4, local_ip4, remote_ip6[4], local_ip6[4], remote_port, local_port;
  uint32_t data_meta;
  uint64_t flow_keys;
  uint64_t tstamp;
  uint32_t wire_len, gso_segs;
  uint64_t sk;
  uint32_t gso_size;
  uint8_t tstamp_type;
  uint8_t pad_[3];
  uint64_t hwtstamp;
};
static_assert(sizeof(SkBuffMd) == 192);

// == struct pt_regs on x86-64 (what uprobes see), 168 bytes.
struct X86PtRegs {
  uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
static_assert(sizeof(X86PtRegs) == 168);

// A packet frame in the low 4 GiB: [headroom | packet | tailroom], page
// aligned, between two PROT_NONE guard pages (an escape from the frame
// faults). Under AddressSanitizer the bytes outside the packet and its
// metadata are also poisoned (packet_context.cpp).
class PacketFrame {
 public:
  static Result<PacketFrame> create(std::span<const uint8_t> packet, uint32_t headroom, uint32_t tailroom);
  PacketFrame(PacketFrame&& o) noexcept;
  PacketFrame& operator=(PacketFrame&& o) noexcept;
  ~PacketFrame();
  PacketFrame(const PacketFrame&) = delete;
  PacketFrame& operator=(const PacketFrame&) = delete;

  uint8_t* start() const { return mem_; }
  size_t size() const { return size_; }

 private:
  PacketFrame(uint8_t* mem, size_t size) : mem_(mem), size_(size) {}
  uint8_t* mem_ = nullptr;
  size_t size_ = 0;
};

struct XdpOptions {
  uint32_t ingress_ifindex = 1;
  uint32_t rx_queue_index = 0;
};

// An XDP buffer: struct xdp_md plus the frame it describes. The kernel's
// geometry: 256 bytes of headroom (XDP_PACKET_HEADROOM), a frame size of a
// page and 320 bytes reserved at the end (skb_shared_info), so packets up to
// 3520 bytes fit and bpf_xdp_adjust_tail may grow to that bound.
class XdpBuff {
 public:
  static Result<std::unique_ptr<XdpBuff>> create(std::span<const uint8_t> packet, XdpOptions opts = {});
  ~XdpBuff();
  XdpBuff(const XdpBuff&) = delete;
  XdpBuff& operator=(const XdpBuff&) = delete;

  XdpMd* ctx() { return &md_; }
  uint64_t ctx_addr() { return reinterpret_cast<uint64_t>(&md_); }
  std::span<uint8_t> packet() const;     // [data, data_end)
  std::span<uint8_t> metadata() const;   // [data_meta, data)
  // Memory the program may touch (checked execution): the context and the frame.
  std::vector<MemRegion> regions();

  // Helpers' semantics (kernel return values).
  long adjust_head(int64_t delta);
  long adjust_meta(int64_t delta);
  long adjust_tail(int64_t delta);

  std::optional<RedirectInfo> redirect;  // bpf_redirect / bpf_redirect_map's target (RedirectInfo)
  // Called after a helper moved data, data_end or data_meta: a checked run
  // keeps its packet region equal to the live packet with it, so an access
  // through a pointer from before the move is caught (fuzz/verifier_gen.hpp).
  std::function<void()> on_bounds_change;

  // The XdpBuff whose context is at ctx, or nullptr (a registry lookup, so
  // a bad pointer is rejected without being dereferenced).
  static XdpBuff* from_ctx(uint64_t ctx);

 private:
  explicit XdpBuff(PacketFrame frame) : frame_(std::move(frame)) {}
  uint8_t* hard_start() const { return frame_.start(); }
  uint8_t* hard_end() const;
  XdpMd md_{};
  PacketFrame frame_;
};

struct SkBuffOptions {
  uint32_t ifindex = 1;
  uint32_t ingress_ifindex = 1;
  uint32_t mark = 0;
  uint32_t priority = 0;
  uint32_t hash = 0;
  uint32_t queue_mapping = 0;
  uint16_t vlan_tci = 0;
  bool vlan_present = false;
  // Data starts at the network header, after the Ethernet header: what the
  // kernel's test run gives socket filters and cgroup skb programs (it pulls
  // the link-layer header, only tc programs see it). len counts from there.
  bool network_start = false;
  // Room the packet may grow into at its front and back (bpf_skb_change_head,
  // bpf_skb_adjust_room, bpf_skb_vlan_push, ... and bpf_skb_change_tail).
  // The kernel reallocates a buffer that is too small; here the frame is
  // fixed and growing beyond it fails with -ENOMEM, as a failed
  // reallocation does in the kernel.
  uint32_t headroom = 256;
  uint32_t tailroom = 1024;
};

// skb->ip_summed as the checksum helpers see it: test runs start with
// CHECKSUM_NONE, as the kernel's do. bpf_csum_level moves between these two.
enum class SkbCsum : uint8_t { None, Unnecessary };

// A socket buffer for socket_filter and tc programs: struct __sk_buff over a
// packet starting at the Ethernet header (protocol is taken from it).
class SkBuff {
 public:
  static Result<std::unique_ptr<SkBuff>> create(std::span<const uint8_t> packet, SkBuffOptions opts = {});
  ~SkBuff();
  SkBuff(const SkBuff&) = delete;
  SkBuff& operator=(const SkBuff&) = delete;

  SkBuffMd* ctx() { return &md_; }
  const SkBuffMd* ctx() const { return &md_; }
  uint64_t ctx_addr() { return reinterpret_cast<uint64_t>(&md_); }
  std::span<uint8_t> packet() const;
  std::vector<MemRegion> regions();

  // bpf_skb_load_bytes: 0, or -EFAULT with `to` zeroed.
  long load_bytes(uint64_t offset, void* to, uint64_t len) const;
  long store_bytes(uint64_t offset, const void* from, uint64_t len);
  // bpf_skb_load_bytes_relative: `len` bytes from `offset` past the MAC
  // (start_header 0) or network (1) header; 0, or -EFAULT with `to`
  // zeroed when the range passes the packet's end, the offset is above
  // 0xffff or start_header is another value.
  long load_bytes_relative(uint64_t offset, void* to, uint64_t len, uint64_t start_header) const;

  // Resizing, in the kernel's terms (offsets count from data, the start of
  // what the program sees): each keeps struct __sk_buff's len, data,
  // data_end and data_meta in step and returns 0 or -ENOMEM when the frame
  // has no room (SkBuffOptions::headroom / tailroom).
  // push: `n` zero bytes appear at `off`, the `off` bytes before them move
  // to the front (bpf_skb_generic_push). pop: the `n` bytes at `off` go,
  // the `off` bytes before them move back (-ENOMEM past the end).
  long push(uint32_t off, uint32_t n);
  long pop(uint32_t off, uint32_t n);
  // The packet ends after new_len bytes; growth is zero-filled.
  long resize(uint32_t new_len);

  // Header offsets from data (the kernel's skb_mac_offset and
  // skb_network_offset): the MAC header is at 0 for tc (data starts at it)
  // and -14 for socket filters and cgroup skb programs, whose data starts
  // at the network header. Helpers that push or pop bytes move them.
  int64_t mac_offset() const { return int64_t{mac_} - data_pos(); }
  int64_t network_offset() const { return int64_t{net_} - data_pos(); }
  void set_mac_offset(int64_t off) { mac_ = static_cast<uint32_t>(data_pos() + off); }
  void set_network_offset(int64_t off) { net_ = static_cast<uint32_t>(data_pos() + off); }

  std::optional<RedirectInfo> redirect;  // bpf_redirect's target (RedirectInfo)
  std::vector<SkbClone> clones;          // bpf_clone_redirect's copies, in call order
  std::optional<TunnelKey> tunnel;       // bpf_skb_set_tunnel_key / _opt's metadata
  // Metadata the packet arrived with (the host's, TestRunOptions::tunnel),
  // as bpf_skb_get_tunnel_key reports it until the program sets its own.
  std::optional<TunnelKey> rx_tunnel;
  std::function<void()> on_bounds_change;  // as XdpBuff's
  SkbCsum csum = SkbCsum::None;          // skb->ip_summed
  uint8_t csum_level = 0;                // skb->csum_level (with Unnecessary)
  bool encapsulation = false;            // skb->encapsulation (bpf_skb_adjust_room's ENCAP flags)

  static SkBuff* from_ctx(uint64_t ctx);

 private:
  explicit SkBuff(PacketFrame frame) : frame_(std::move(frame)) {}
  int64_t data_pos() const;  // data's offset in the frame
  long set_bounds(uint8_t* data, uint8_t* end);
  SkBuffMd md_{};
  PacketFrame frame_;
  uint32_t mac_ = 0, net_ = 0;  // header positions in the frame
  uint32_t cap_ = 0;            // headroom + packet + tailroom: where data_end may reach
};

}  // namespace decade
