// SPDX-License-Identifier: Apache-2.0
#include "runtime/ld_packet.hpp"

#include <algorithm>

#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

constexpr int64_t kSkfNetOff = -0x100000;  // uapi/linux/filter.h
constexpr int64_t kSkfLlOff = -0x200000;

}  // namespace

uint64_t ld_packet(uint64_t ctx, int64_t off, uint64_t size) {
  const SkBuff* b = SkBuff::from_ctx(ctx);
  if (!b) {
    raise_fault(ErrorCode::ExecHelperFault, "ld_abs/ld_ind: r6 is not a socket buffer context");
    return kLdPacketMiss;
  }
  // Offsets from data; the headers may lie before it (a socket filter's
  // data starts at the network header), down to the MAC header, which is
  // inside the frame (bpf_internal_load_pointer_neg_helper: from skb->head).
  int64_t at = off, lo = 0;
  if (off < 0) {
    if (off < kSkfLlOff) return kLdPacketMiss;
    at = off < kSkfNetOff ? b->mac_offset() + (off - kSkfLlOff) : b->network_offset() + (off - kSkfNetOff);
    lo = std::min<int64_t>(b->mac_offset(), 0);
  }
  const auto pkt = b->packet();
  if (at < lo || at + static_cast<int64_t>(size) > static_cast<int64_t>(pkt.size())) return kLdPacketMiss;
  const uint8_t* p = pkt.data() + at;
  uint64_t v = 0;
  for (uint64_t i = 0; i < size; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace decade
