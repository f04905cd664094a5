// SPDX-License-Identifier: Apache-2.0
// The legacy packet loads LD_ABS and LD_IND of socket filters and tc
// programs, as the kernel's bpf_skb_load_helper_8/16/32 run them: a
// big-endian load from the packet data at a non-negative offset, from the
// network header at offsets from SKF_NET_OFF, or from the MAC header at
// offsets from SKF_LL_OFF. Both engines call
// ld_packet with r6 (the context), the offset (the instruction's imm, plus
// the index register's low 32 bits for LD_IND, as a 32-bit signed sum) and
// the width; on kLdPacketMiss the function running the load returns 0, as
// the kernel's gen_ld_abs makes it.
#pragma once

#include <cstdint>

namespace decade {

inline constexpr uint64_t kLdPacketMiss = ~uint64_t{0};

// The value (zero-extended) or kLdPacketMiss when the bytes lie outside the
// packet (or before its MAC header). A context the runtime did not build as
// an SkBuff raises a fault (raise_fault) and returns kLdPacketMiss.
uint64_t ld_packet(uint64_t ctx, int64_t off, uint64_t size);

}  // namespace decade
