// SPDX-License-Identifier: Apache-2.0
// Inline assembly for the instructions C code rarely produces: legacy packet
// loads, every jump condition, le/be/bswap, 32-bit atomics with fetch,
// may_goto, callx, addr_space_cast, gotol.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int insns(void *ctx) {
  asm volatile(
      "r6 = r1\n"
      "r0 = *(u8 *)skb[0xc]\n"
      "r0 = *(u16 *)skb[0xe]\n"
      "r0 = *(u32 *)skb[0x10]\n"
      "r2 = 0x7fffffff\n"
      "r3 = -0x80000000\n"
      "w4 = 0xffffffff\n"
      "if r2 & 0x10 goto +1\n"
      "if r2 & r3 goto +1\n"
      "if w2 & 0x10 goto +1\n"
      "if w2 & w3 goto +1\n"
      "if r2 s>= r3 goto +1\n"
      "if w2 s<= -0x5 goto +1\n"
      "if r2 s< 0x0 goto -1\n"
      "if w2 != w3 goto +0\n"
      "r2 = le16 r2\n"
      "r2 = le32 r2\n"
      "r2 = le64 r2\n"
      "r2 = be16 r2\n"
      "r2 = be32 r2\n"
      "r2 = be64 r2\n"
      "r2 = bswap16 r2\n"
      "r2 = bswap32 r2\n"
      "r2 = bswap64 r2\n"
      "r2 = -r2\n"
      "w2 = -w2\n"
      "r2 s>>= 0x3f\n"
      "w2 s>>= w3\n"
      "r2 = (s8)r3\n"
      "r2 = (s16)r3\n"
      "r2 = (s32)r3\n"
      "w2 = (s8)w3\n"
      "w2 = (s16)w3\n"
      "r2 s/= -0x3\n"
      "w2 s%%= w3\n"
      "r2 = *(s8 *)(r10 - 0x8)\n"
      "r2 = *(s16 *)(r10 - 0x8000)\n"
      "r2 = *(s32 *)(r10 + 0x7fff)\n"
      "*(u64 *)(r10 - 0x8) = -0x5\n"
      "*(u32 *)(r10 - 0x8) = 0x7fffffff\n"
      "lock *(u32 *)(r10 - 0x8) += w2\n"
      "lock *(u32 *)(r10 - 0x8) |= w2\n"
      "lock *(u32 *)(r10 - 0x8) &= w2\n"
      "lock *(u32 *)(r10 - 0x8) ^= w2\n"
      "w2 = atomic_fetch_add((u32 *)(r10 - 0x8), w2)\n"
      "w2 = atomic_fetch_or((u32 *)(r10 - 0x8), w2)\n"
      "w2 = atomic_fetch_and((u32 *)(r10 - 0x8), w2)\n"
      "w2 = atomic_fetch_xor((u32 *)(r10 - 0x8), w2)\n"
      "w2 = xchg32_32(r10 - 0x8, w2)\n"
      "w0 = cmpxchg32_32(r10 - 0x8, w0, w2)\n"
      "lock *(u64 *)(r10 - 0x8) ^= r2\n"
      "r2 = atomic_fetch_xor((u64 *)(r10 - 0x8), r2)\n"
      "r2 = xchg_64(r10 - 0x8, r2)\n"
      "r0 = cmpxchg_64(r10 - 0x8, r0, r2)\n"
      "may_goto +1\n"
      "gotol +1\n"
      "r2 = addr_space_cast(r2, 0x0, 0x1)\n"
      "r2 = addr_space_cast(r2, 0x1, 0x0)\n"
      "r2 = 0x1122334455667788 ll\n"
      "r2 = -0x1 ll\n"
      "callx r2\n"
      "call 0x7\n"
      :
      :
      : "r0", "r2", "r3", "r4", "r6", "memory");
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
