// SPDX-License-Identifier: Apache-2.0
// cpu v4: sign-extending moves and loads, signed division and modulo, bswap,
// 32-bit atomics.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct in {
  __s8 b;
  __s16 h;
  __s32 w;
  __s64 q;
  __u32 cnt;
};

SEC("xdp")
int sgn(struct in *p) {
  __s64 a = p->b, b = p->h, c = p->w;
  __s64 q = p->q;
  __s32 w = (__s32)q;
  q = q / (c | 1);
  q += q % (b - 3);
  w = w / ((__s32)a | 1);
  w = w % ((__s32)b | 3);
  __s64 s8 = (__s8)q, s16 = (__s16)w;
  __s32 t16 = (__s16)w;
  __sync_fetch_and_add(&p->cnt, 3);
  __u32 o = __sync_fetch_and_or(&p->cnt, (__u32)w);
  __u32 x = __sync_lock_test_and_set(&p->cnt, o);
  __u32 cx = __sync_val_compare_and_swap(&p->cnt, x, 5);
  __sync_fetch_and_xor(&p->cnt, 9);
  __sync_fetch_and_and(&p->cnt, 0xff);
  return (int)(a + b + c + q + w + s8 + s16 + t16 + __builtin_bswap64(q) + o + x + cx);
}

char LICENSE[] SEC("license") = "GPL";
