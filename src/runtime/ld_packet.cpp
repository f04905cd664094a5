// SPDX-License-Identifier: Apache-2.0
#include "runtime/ld_packet.hpp"

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
  int64_t at = off;
  if (off < 0) {
    if (off < kSkfLlOff) return kLdPacketMiss;  // bpf_internal_load_pointer_neg_helper finds nothing
    if (off < kSkfNetOff) {
      raise_fault(ErrorCode::ExecUnsupported, "ld_abs/ld_ind at SKF_LL_OFF: the link-layer header is not kept");
      return kLdPacketMiss;
    }
    at = b->network_offset() + (off - kSkfNetOff);
  }
  const auto pkt = b->packet();
  if (at < 0 || static_cast<uint64_t>(at) + size > pkt.size()) return kLdPacketMiss;
  uint64_t v = 0;
  for (uint64_t i = 0; i < size; ++i) v = v << 8 | pkt[static_cast<size_t>(at) + i];
  return v;
}

}  // namespace decade
