// SPDX-License-Identifier: Apache-2.0
// ALU32/ALU64 arithmetic, shifts, division, byte swaps and conditional jumps,
// compiled with the default cpu for the llvm-objdump comparison.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct in {
  __u64 a, b;
  __u32 c, d;
  __s64 e;
  __s32 f;
};

SEC("xdp")
int alu(struct in *p) {
  __u64 a = p->a, b = p->b;
  __u32 c = p->c, d = p->d;
  __s64 e = p->e;
  __s32 f = p->f;
  a += b * 7;
  a -= 0x12345;
  b ^= a << 13;
  b |= a >> (c & 63);
  c = (c * d) / (d | 1);
  d = (d % 13) + (c >> 3);
  e = e >> (f & 31);
  e = -e;
  f = (f << 2) ^ (__s32)c;
  a = __builtin_bswap64(a) + __builtin_bswap32(c) + __builtin_bswap16((__u16)d);
  if (a > b) a = a / b;
  if ((__s64)a < e) a = a % 1000;
  if (c <= 0x7fffffff) c &= 0xffff0000;
  if (f >= -1) f = ~f;
  if (a & 0x40) b = 0xdeadbeefcafe1234ULL;
  if (e != 5) e = -2147483648LL;
  return (int)(a + b + c + d + e + f);
}

char LICENSE[] SEC("license") = "GPL";
