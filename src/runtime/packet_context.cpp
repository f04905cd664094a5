// SPDX-License-Identifier: Apache-2.0
#include "runtime/packet_context.hpp"

#include <linux/bpf.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include <fmt/format.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DECADE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define DECADE_ASAN 1
#endif
#ifdef DECADE_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace decade {

#define DECADE_SAME_OFFSET(ours, theirs, field) \
  static_assert(offsetof(ours, field) == offsetof(struct theirs, field), #field)
DECADE_SAME_OFFSET(XdpMd, xdp_md, data_end);
DECADE_SAME_OFFSET(XdpMd, xdp_md, egress_ifindex);
DECADE_SAME_OFFSET(SkBuffMd, __sk_buff, cb);
DECADE_SAME_OFFSET(SkBuffMd, __sk_buff, data);
DECADE_SAME_OFFSET(SkBuffMd, __sk_buff, family);
DECADE_SAME_OFFSET(SkBuffMd, __sk_buff, data_meta);
DECADE_SAME_OFFSET(SkBuffMd, __sk_buff, tstamp);
DECADE_SAME_OFFSET(SkBuffMd, __sk_buff, wire_len);
DECADE_SAME_OFFSET(SkBuffMd, __sk_buff, gso_size);
DECADE_SAME_OFFSET(SkBuffMd, __sk_buff, tstamp_type);
DECADE_SAME_OFFSET(SkBuffMd, __sk_buff, hwtstamp);
#undef DECADE_SAME_OFFSET
static_assert(sizeof(SkBuffMd) == sizeof(struct __sk_buff) && sizeof(XdpMd) == sizeof(struct xdp_md));

namespace {

constexpr uint32_t kXdpHeadroom = 256;       // XDP_PACKET_HEADROOM
constexpr uint32_t kSharedInfo = 320;        // SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
constexpr uint32_t kXdpFrameStruct = 40;     // sizeof(struct xdp_frame): lowest data_meta may go
constexpr uint32_t kEthHlen = 14;
constexpr uint64_t kXdpMetaMax = 255;       // type_max(skb_shared_info::meta_len)
constexpr uint32_t kXdpFrameSize = 4096;
constexpr uint64_t k4G = 1ull << 32;
constexpr uint32_t kSkbMaxRoom = 1u << 16;

template <typename T>
struct CtxRegistry {
  std::shared_mutex mu;
  std::unordered_map<uint64_t, T*> by_ctx;
  void add(uint64_t ctx, T* obj) {
    std::unique_lock lock(mu);
    by_ctx[ctx] = obj;
  }
  void remove(uint64_t ctx) {
    std::unique_lock lock(mu);
    by_ctx.erase(ctx);
  }
  T* find(uint64_t ctx) {
    std::shared_lock lock(mu);
    auto it = by_ctx.find(ctx);
    return it == by_ctx.end() ? nullptr : it->second;
  }
};

CtxRegistry<XdpBuff>& xdp_registry() {
  static auto* r = new CtxRegistry<XdpBuff>();
  return *r;
}
CtxRegistry<SkBuff>& skb_registry() {
  static auto* r = new CtxRegistry<SkBuff>();
  return *r;
}

uint32_t lo32(const uint8_t* p) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(p)); }
uint8_t* from32(uint32_t v) { return reinterpret_cast<uint8_t*>(uintptr_t{v}); }

// Frames are mapped with a PROT_NONE page on each side (kGuard), so an
// access that escapes the frame faults in every engine, the JIT included,
// instead of reaching whatever the host mapped next to it. The guards cost
// address space only.
constexpr size_t kGuard = 4096;

void* map_low(size_t size) {
  const size_t total = size + 2 * kGuard;
#if defined(__x86_64__) && defined(MAP_32BIT)
  void* p = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
#else
  // No MAP_32BIT: ask for a low address as a hint and check what we got.
  void* p = mmap(reinterpret_cast<void*>(0x10000000), total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#endif
  if (p == MAP_FAILED) return nullptr;
  auto* mem = static_cast<uint8_t*>(p) + kGuard;
  if (reinterpret_cast<uintptr_t>(p) + total > k4G || mprotect(mem, size, PROT_READ | PROT_WRITE) != 0) {
    munmap(p, total);
    return nullptr;
  }
  return mem;
}

void unmap_low(uint8_t* mem, size_t size) {
#ifdef DECADE_ASAN
  ASAN_UNPOISON_MEMORY_REGION(mem, size);
#endif
  munmap(mem - kGuard, size + 2 * kGuard);
}

// Under AddressSanitizer (the fuzz build) the frame's bytes outside
// [lo, hi) (data_meta to data_end) are poisoned, so an instrumented engine
// that reads headroom or tailroom through a stale or unproven packet
// pointer is reported even though the bytes are mapped. Every function
// that moves the packet's bounds opens the frame first (FrameOpen) and
// poisons it again on return. No-ops in other builds.
void poison_outside([[maybe_unused]] uint8_t* start, [[maybe_unused]] size_t size, [[maybe_unused]] uint8_t* lo,
                    [[maybe_unused]] uint8_t* hi) {
#ifdef DECADE_ASAN
  ASAN_UNPOISON_MEMORY_REGION(start, size);
  ASAN_POISON_MEMORY_REGION(start, size_t(lo - start));
  ASAN_POISON_MEMORY_REGION(hi, size_t(start + size - hi));
#endif
}

struct FrameOpen {
  uint8_t* start;
  size_t size;
  const uint32_t& meta;
  const uint32_t& end;
  FrameOpen(uint8_t* s, size_t n, const uint32_t& m, const uint32_t& e) : start(s), size(n), meta(m), end(e) {
#ifdef DECADE_ASAN
    ASAN_UNPOISON_MEMORY_REGION(start, size);
#endif
  }
  ~FrameOpen() {
    poison_outside(start, size, reinterpret_cast<uint8_t*>(uintptr_t{meta}), reinterpret_cast<uint8_t*>(uintptr_t{end}));
  }
};

}  // namespace

Result<PacketFrame> PacketFrame::create(std::span<const uint8_t> packet, uint32_t headroom, uint32_t tailroom) {
  size_t size = (size_t{headroom} + packet.size() + tailroom + 4095) & ~size_t{4095};
  void* p = map_low(size);
  if (!p) return make_error(ErrorCode::OutOfMemory, "packet frame: no memory below 4 GiB");
  auto* mem = static_cast<uint8_t*>(p);
  if (!packet.empty()) std::memcpy(mem + headroom, packet.data(), packet.size());
  return PacketFrame(mem, size);
}

PacketFrame::PacketFrame(PacketFrame&& o) noexcept : mem_(o.mem_), size_(o.size_) {
  o.mem_ = nullptr;
  o.size_ = 0;
}

PacketFrame& PacketFrame::operator=(PacketFrame&& o) noexcept {
  if (this != &o) {
    if (mem_) unmap_low(mem_, size_);
    mem_ = o.mem_;
    size_ = o.size_;
    o.mem_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

PacketFrame::~PacketFrame() {
  if (mem_) unmap_low(mem_, size_);
}

// ---- XDP ----

Result<std::unique_ptr<XdpBuff>> XdpBuff::create(std::span<const uint8_t> packet, XdpOptions opts) {
  if (packet.size() < kEthHlen || packet.size() > kXdpFrameSize - kXdpHeadroom - kSharedInfo)
    return make_error(ErrorCode::InvalidArgument,
                      fmt::format("xdp: packet of {} bytes (must be {}..{}; fragments are not supported)",
                                  packet.size(), kEthHlen, kXdpFrameSize - kXdpHeadroom - kSharedInfo));
  auto frame = PacketFrame::create(packet, kXdpHeadroom, kXdpFrameSize - kXdpHeadroom - uint32_t(packet.size()));
  if (!frame) return std::unexpected(frame.error());
  std::unique_ptr<XdpBuff> b(new XdpBuff(std::move(*frame)));
  uint8_t* data = b->hard_start() + kXdpHeadroom;
  b->md_.data = lo32(data);
  b->md_.data_end = lo32(data + packet.size());
  b->md_.data_meta = lo32(data);
  b->md_.ingress_ifindex = opts.ingress_ifindex;
  b->md_.rx_queue_index = opts.rx_queue_index;
  poison_outside(b->frame_.start(), b->frame_.size(), data, data + packet.size());
  xdp_registry().add(b->ctx_addr(), b.get());
  return b;
}

XdpBuff::~XdpBuff() { xdp_registry().remove(ctx_addr()); }

uint8_t* XdpBuff::hard_end() const { return hard_start() + kXdpFrameSize - kSharedInfo; }

std::span<uint8_t> XdpBuff::packet() const {
  return {from32(md_.data), size_t{md_.data_end} - md_.data};
}

std::span<uint8_t> XdpBuff::metadata() const {
  return {from32(md_.data_meta), size_t{md_.data} - md_.data_meta};
}

std::vector<MemRegion> XdpBuff::regions() {
  return {{reinterpret_cast<uintptr_t>(&md_), sizeof md_, false},
          {reinterpret_cast<uintptr_t>(frame_.start()), frame_.size(), true}};
}

long XdpBuff::adjust_head(int64_t delta) {
  FrameOpen open(frame_.start(), frame_.size(), md_.data_meta, md_.data_end);
  uint8_t* meta = from32(md_.data_meta);
  uint8_t* data = from32(md_.data);
  uint64_t metalen = uint64_t(data - meta);
  uint8_t* lowest = hard_start() + kXdpFrameStruct + metalen;
  uint8_t* highest = from32(md_.data_end) - kEthHlen;
  if (delta < lowest - data || delta > highest - data) return -EINVAL;
  if (metalen) std::memmove(meta + delta, meta, metalen);
  md_.data_meta = lo32(meta + delta);
  md_.data = lo32(data + delta);
  if (on_bounds_change) on_bounds_change();
  return 0;
}

long XdpBuff::adjust_meta(int64_t delta) {
  FrameOpen open(frame_.start(), frame_.size(), md_.data_meta, md_.data_end);
  uint8_t* meta = from32(md_.data_meta);
  uint8_t* data = from32(md_.data);
  uint8_t* lowest = hard_start() + kXdpFrameStruct;
  if (delta < lowest - meta || delta > data - meta) return -EINVAL;
  uint64_t metalen = uint64_t(data - (meta + delta));
  // xdp_metalen_invalid: 4-byte multiples up to what skb_shared_info's u8
  // meta_len holds (255; kernels before 6.4 capped it at 32).
  if (metalen > kXdpMetaMax || metalen % 4) return -EACCES;
  md_.data_meta = lo32(meta + delta);
  if (on_bounds_change) on_bounds_change();
  return 0;
}

long XdpBuff::adjust_tail(int64_t delta) {
  FrameOpen open(frame_.start(), frame_.size(), md_.data_meta, md_.data_end);
  uint8_t* end = from32(md_.data_end);
  uint8_t* data = from32(md_.data);
  if (delta > hard_end() - end || delta < (data + kEthHlen) - end) return -EINVAL;
  if (delta > 0) std::memset(end, 0, size_t(delta));
  md_.data_end = lo32(end + delta);
  if (on_bounds_change) on_bounds_change();
  return 0;
}

XdpBuff* XdpBuff::from_ctx(uint64_t ctx) { return xdp_registry().find(ctx); }

// ---- sk_buff ----

Result<std::unique_ptr<SkBuff>> SkBuff::create(std::span<const uint8_t> packet, SkBuffOptions opts) {
  if (packet.size() < kEthHlen || packet.size() > (1u << 16))
    return make_error(ErrorCode::InvalidArgument, fmt::format("skb: packet of {} bytes (must be 14..65536)", packet.size()));
  if (opts.headroom > kSkbMaxRoom || opts.tailroom > kSkbMaxRoom)
    return make_error(ErrorCode::InvalidArgument, fmt::format("skb: headroom and tailroom must be at most {}", kSkbMaxRoom));
  auto frame = PacketFrame::create(packet, opts.headroom, opts.tailroom);
  if (!frame) return std::unexpected(frame.error());
  std::unique_ptr<SkBuff> b(new SkBuff(std::move(*frame)));
  const size_t pulled = opts.network_start ? kEthHlen : 0;
  b->cap_ = static_cast<uint32_t>(opts.headroom + packet.size() + opts.tailroom);
  b->mac_ = opts.headroom;
  b->net_ = opts.headroom + kEthHlen;
  uint8_t* data = b->frame_.start() + opts.headroom + pulled;
  const size_t len = packet.size() - pulled;
  SkBuffMd& m = b->md_;
  m.len = m.wire_len = static_cast<uint32_t>(len);
  // skb->protocol is the big-endian EtherType, exposed unconverted.
  m.protocol = uint32_t{packet[12]} | uint32_t{packet[13]} << 8;
  m.data = m.data_meta = lo32(data);
  m.data_end = lo32(data + len);
  m.ifindex = opts.ifindex;
  m.ingress_ifindex = opts.ingress_ifindex;
  m.mark = opts.mark;
  m.priority = opts.priority;
  m.hash = opts.hash;
  m.queue_mapping = opts.queue_mapping;
  m.vlan_present = opts.vlan_present;
  m.vlan_tci = opts.vlan_tci;
  m.gso_segs = 1;
  poison_outside(b->frame_.start(), b->frame_.size(), data, data + len);
  skb_registry().add(b->ctx_addr(), b.get());
  return b;
}

SkBuff::~SkBuff() { skb_registry().remove(ctx_addr()); }

std::span<uint8_t> SkBuff::packet() const { return {from32(md_.data), size_t{md_.data_end} - md_.data}; }

std::vector<MemRegion> SkBuff::regions() {
  return {{reinterpret_cast<uintptr_t>(&md_), sizeof md_, true},
          {reinterpret_cast<uintptr_t>(frame_.start()), frame_.size(), true}};
}

long SkBuff::load_bytes(uint64_t offset, void* to, uint64_t len) const {
  auto pkt = packet();
  if (offset > pkt.size() || len > pkt.size() - offset) {
    if (len) std::memset(to, 0, len);
    return -EFAULT;
  }
  // memmove: the program may pass a buffer inside the packet itself.
  if (len) std::memmove(to, pkt.data() + offset, len);
  return 0;
}

long SkBuff::store_bytes(uint64_t offset, const void* from, uint64_t len) {
  auto pkt = packet();
  if (offset > pkt.size() || len > pkt.size() - offset) return -EFAULT;
  if (len) std::memmove(pkt.data() + offset, from, len);  // `from` may lie in the packet
  return 0;
}

long SkBuff::load_bytes_relative(uint64_t offset, void* to, uint64_t len, uint64_t start_header) const {
  constexpr uint64_t kHdrStartMac = 0, kHdrStartNet = 1, kMaxOffset = 0xffff;
  // Frame positions: the header the program names, and the packet's end
  // (the kernel's skb_tail_pointer). The headers may lie before data (a
  // socket filter's MAC header) but never after the end.
  const int64_t end = data_pos() + static_cast<int64_t>(packet().size());
  int64_t start = -1;
  if (start_header == kHdrStartMac) start = mac_;
  else if (start_header == kHdrStartNet) start = net_;
  if (start < 0 || offset > kMaxOffset || static_cast<int64_t>(start + offset + len) > end) {
    if (len) std::memset(to, 0, len);
    return -EFAULT;
  }
  if (len) std::memmove(to, frame_.start() + start + offset, len);
  return 0;
}

int64_t SkBuff::data_pos() const { return from32(md_.data) - frame_.start(); }

// The new [data, end) after a push, pop or resize: -ENOMEM outside the
// frame's room, else struct __sk_buff follows (data_meta: no metadata).
long SkBuff::set_bounds(uint8_t* data, uint8_t* end) {
  if (data < frame_.start() || end > frame_.start() + cap_ || end < data) return -ENOMEM;
  md_.data = md_.data_meta = lo32(data);
  md_.data_end = lo32(end);
  md_.len = static_cast<uint32_t>(end - data);
  if (on_bounds_change) on_bounds_change();
  return 0;
}

long SkBuff::push(uint32_t off, uint32_t n) {
  FrameOpen open(frame_.start(), frame_.size(), md_.data_meta, md_.data_end);
  uint8_t* data = from32(md_.data);
  if (off > md_.len || uint64_t(data - frame_.start()) < n) return -ENOMEM;
  std::memmove(data - n, data, off);
  std::memset(data - n + off, 0, n);
  return set_bounds(data - n, from32(md_.data_end));
}

long SkBuff::pop(uint32_t off, uint32_t n) {
  FrameOpen open(frame_.start(), frame_.size(), md_.data_meta, md_.data_end);
  uint8_t* data = from32(md_.data);
  if (uint64_t{off} + n > md_.len) return -ENOMEM;
  std::memmove(data + n, data, off);
  return set_bounds(data + n, from32(md_.data_end));
}

long SkBuff::resize(uint32_t new_len) {
  FrameOpen open(frame_.start(), frame_.size(), md_.data_meta, md_.data_end);
  uint8_t* data = from32(md_.data);
  if (uint64_t(data - frame_.start()) + new_len > cap_) return -ENOMEM;
  if (new_len > md_.len) std::memset(data + md_.len, 0, new_len - md_.len);
  return set_bounds(data, data + new_len);
}

SkBuff* SkBuff::from_ctx(uint64_t ctx) { return skb_registry().find(ctx); }

}  // namespace decade
