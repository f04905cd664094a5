// SPDX-License-Identifier: Apache-2.0
// Loads through the kernel's socket pointers (kBtfSocket, kBtfSockCommon,
// kBtfTcpSock): the fields of uapi struct bpf_sock and struct bpf_tcp_sock,
// read only, with the widths the kernel's bpf_sock_is_valid_access,
// bpf_sock_common_is_valid_access and bpf_tcp_sock_is_valid_access allow.
// The engines read the same structs from the run's socket image
// (runtime/maps/sock_map.hpp), so an accepted load needs no run-time check.
#include <fmt/format.h>

#include "verifier/transfer.hpp"

namespace decade::verifier {
namespace {

// struct bpf_sock (uapi, 80 bytes): the offsets the rules name. The
// addresses run from src_ip4 to src_port (src_ip4, src_ip6[4]) and from
// dst_ip4 to state (dst_ip4, dst_ip6[4]).
constexpr int kSockFamily = 4, kSockType = 8, kSockProtocol = 12, kSockPriority = 20, kSockSrcIp4 = 24;
constexpr int kSockSrcPort = 44, kSockDstPort = 48, kSockDstIp4 = 52, kSockState = 72, kSockRxQueue = 76;
constexpr int kSockSize = 80;
// struct bpf_tcp_sock: u32 words up to icsk_retransmits (ends at 112),
// but bytes_received and bytes_acked are u64.
constexpr int kTcpBytesReceived = 80, kTcpBytesAcked = 88, kTcpSize = 112;

// A load of `size` bytes at `off` of a struct bpf_sock; sock_common
// lacks type .. priority (they are not in every socket's common part).
bool bpf_sock_load_ok(int off, int size, bool common) {
  if (off < 0 || off >= kSockSize || off % size) return false;
  if (common && off >= kSockType && off < kSockPriority + 4) return false;
  const bool narrow = size <= 4;  // 1, 2 or 4 bytes, aligned (above)
  switch (off) {
    case kSockState: case kSockFamily: case kSockType: case kSockProtocol: case kSockSrcPort: case kSockRxQueue:
      return narrow;
    default: break;
  }
  // Every byte of the addresses may start a narrow load.
  if ((off >= kSockSrcIp4 && off < kSockSrcPort) || (off >= kSockDstIp4 && off < kSockState)) return narrow;
  // dst_port is a __be16 followed by 16 bits of padding: 1 or 2 bytes
  // inside it, or the whole 4-byte word (older programs read it so).
  if (off == kSockDstPort || off == kSockDstPort + 1) return size == 4 || off + size <= kSockDstPort + 2;
  if (off == kSockDstPort + 2 || off == kSockDstPort + 3) return false;
  return size == 4;
}

bool bpf_tcp_sock_load_ok(int off, int size) {
  if (off < 0 || off >= kTcpSize || off % size) return false;
  if (off == kTcpBytesReceived || off == kTcpBytesAcked) return size == 8;
  return size == 4;
}

const char* kind_name(uint32_t kind) {
  return kind == kBtfSockCommon ? "sock_common" : kind == kBtfTcpSock ? "tcp_sock" : "sock";
}

}  // namespace

Status sock_access(Env& env, const RegState& ptr, const MemOp& op, uint32_t pc, RegState* loaded) {
  if (op.access != Access::Read || op.helper)
    return fail(env, ErrorCode::VerifierReadOnly, pc, kernel_says("R{} cannot write into {}", op.ptr, kind_name(ptr.mem_size)),
                fmt::format("R{} ({}) is a socket: its fields are read only", op.ptr, ptr.to_string()),
                "copy the field to the stack to change it");
  // Arithmetic on socket pointers is refused (transfer_alu), so the
  // instruction's offset is the field's.
  const int64_t off = int64_t{ptr.off} + op.off;
  const int size = static_cast<int>(op.size);
  const bool ok_load = off >= 0 && off < kTcpSize && !op.sign_extend &&
                       (ptr.mem_size == kBtfTcpSock ? bpf_tcp_sock_load_ok(static_cast<int>(off), size)
                                                     : bpf_sock_load_ok(static_cast<int>(off), size, ptr.mem_size == kBtfSockCommon));
  if (!ok_load)
    return fail(env, ErrorCode::VerifierInvalidMemAccess, pc,
                kernel_says("R{} invalid {} access off={} size={}", op.ptr, kind_name(ptr.mem_size), off, size),
                fmt::format("R{} ({}): no {}-byte field of struct {} at offset {}", op.ptr, ptr.to_string(), size,
                            ptr.mem_size == kBtfTcpSock ? "bpf_tcp_sock" : "bpf_sock", off),
                ptr.mem_size == kBtfSockCommon && off >= kSockType && off < kSockPriority + 4
                    ? "type, protocol, mark and priority need a full socket: call bpf_sk_fullsock first"
                    : "");
  env.note_mem(pc, true);  // the run's socket image holds every field
  if (loaded) *loaded = RegState::scalar(Scalar::of_size(static_cast<unsigned>(size)));
  return ok();
}

}  // namespace decade::verifier
