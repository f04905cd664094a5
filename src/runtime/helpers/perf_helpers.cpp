// SPDX-License-Identifier: Apache-2.0
// bpf_perf_event_output(ctx, map, flags, data, size): a sample into the
// perf ring of a BPF_MAP_TYPE_PERF_EVENT_ARRAY slot (maps/perf_event_array.hpp).
// flags: the slot in the low 32 bits (BPF_F_CURRENT_CPU: the run's CPU);
// from xdp and tc, bits 32-51 (BPF_F_CTXLEN_MASK) append that many packet
// bytes to the sample, as bpf_xdp_event_output / bpf_skb_event_output do.
#include <optional>
#include <span>

#include "runtime/cpu.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/perf_event_array.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

constexpr uint64_t kIndexMask = 0xffffffffu, kCurrentCpu = 0xffffffffu, kCtxLenMask = uint64_t{0xfffff} << 32;

// The packet bytes a packet program's flags ask for, or nullopt (-EFAULT)
// when the packet is shorter; an empty span for other contexts, which may
// not ask (-EINVAL, checked by the caller).
std::optional<std::span<const uint8_t>> packet_bytes(uint64_t ctx, uint64_t n, bool* packet_ctx) {
  std::span<uint8_t> pkt;
  if (XdpBuff* x = XdpBuff::from_ctx(ctx)) pkt = x->packet();
  else if (SkBuff* s = SkBuff::from_ctx(ctx)) pkt = s->packet();
  else return *packet_ctx = false, std::span<const uint8_t>{};
  *packet_ctx = true;
  if (n > pkt.size()) return std::nullopt;
  return std::span<const uint8_t>(pkt.data(), n);
}

uint64_t perf_event_output(uint64_t ctx, uint64_t m, uint64_t flags, uint64_t data, uint64_t size) {
  PerfEventArray* map = as_perf_event_array(reinterpret_cast<Map*>(m));
  if (!map) {
    raise_fault(ErrorCode::ExecHelperFault, "bpf_perf_event_output: not a perf_event_array");
    return static_cast<uint64_t>(-EINVAL);
  }
  bool packet_ctx = false;
  const uint64_t ctx_len = (flags & kCtxLenMask) >> 32;
  auto extra = packet_bytes(ctx, ctx_len, &packet_ctx);
  const uint64_t allowed = kIndexMask | (packet_ctx ? kCtxLenMask : 0);
  if (flags & ~allowed) return static_cast<uint64_t>(-EINVAL);
  if (!extra) return static_cast<uint64_t>(-EFAULT);
  const uint32_t cpu = current_cpu();
  const uint64_t index = flags & kIndexMask;
  const auto slot = static_cast<uint32_t>(index == kCurrentCpu ? cpu : index);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data), size);
  return static_cast<uint64_t>(map->output(slot, cpu, bytes, *extra));
}

}  // namespace

void append_perf_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  out.push_back(make_proto("bpf_perf_event_output", kHelperPerfEventOutput, perf_event_output, RetKind::Integer,
                           {A::PtrToCtx, A::ConstMapPtr, A::Scalar, A::PtrToMem, A::ConstSizeOrZero}));
}

}  // namespace decade
