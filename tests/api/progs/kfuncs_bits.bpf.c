// SPDX-License-Identifier: Apache-2.0
// The bpf_iter_bits iterator and the pointer casts, run on every engine
// (tests/api/kfuncs_test.cpp): set bits of one word kept in the iterator,
// of words copied to the heap, counts the kfunc refuses, and the casts'
// results passed back to the program.
#include "decade_bpf.h"

struct bpf_iter_bits {
  __u64 __opaque[2];
} __attribute__((aligned(8)));

extern int bpf_iter_bits_new(struct bpf_iter_bits *it, const __u64 *unsafe_ptr__ign, __u32 nr_words) __ksym;
extern int *bpf_iter_bits_next(struct bpf_iter_bits *it) __ksym;
extern void bpf_iter_bits_destroy(struct bpf_iter_bits *it) __ksym;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

__u64 words[3] = {0x8000000000000001ull, 0, 0x6};

// Bits 0, 63, 129 and 130: returns count * 1000 + the sum of the indices.
SEC("xdp") int bits_of_global(struct xdp_md *ctx) {
  struct bpf_iter_bits it;
  int *bit, n = 0, sum = 0;
  bpf_iter_bits_new(&it, words, 3);
  while ((bit = bpf_iter_bits_next(&it))) {
    n++;
    sum += *bit;
  }
  bpf_iter_bits_destroy(&it);
  return n * 1000 + sum;
}

// One word on the stack (kept in the iterator): 0xf7310 has 10 set bits.
SEC("xdp") int bits_of_stack_word(struct xdp_md *ctx) {
  struct bpf_iter_bits it;
  __u64 data = 0xf7310;
  int n = 0;
  bpf_iter_bits_new(&it, &data, 1);
  while (bpf_iter_bits_next(&it)) n++;
  bpf_iter_bits_destroy(&it);
  return n;
}

// new()'s results: NULL (-EINVAL), no words (-EINVAL), 512 words (-E2BIG);
// each iterator then yields nothing. Returns the three results' sum, negated.
SEC("xdp") int bits_refused(struct xdp_md *ctx) {
  struct bpf_iter_bits it;
  __u64 data[4] = {~0ull, ~0ull, ~0ull, ~0ull};
  int r = 0, n = 0;
  r += bpf_iter_bits_new(&it, 0, 1);
  while (bpf_iter_bits_next(&it)) n++;
  bpf_iter_bits_destroy(&it);
  r += bpf_iter_bits_new(&it, data, 0);
  while (bpf_iter_bits_next(&it)) n++;
  bpf_iter_bits_destroy(&it);
  r += bpf_iter_bits_new(&it, data, 512);
  while (bpf_iter_bits_next(&it)) n++;
  bpf_iter_bits_destroy(&it);
  return n ? 1 : -r;
}

// The casts run and return their argument: a context pointer handed back
// to bpf_cast_to_kern_ctx's caller is the context itself.
SEC("xdp") int casts(struct xdp_md *ctx) {
  void *k = bpf_cast_to_kern_ctx(ctx);
  void *r = bpf_rdonly_cast(ctx, 0);
  return (k == (void *)ctx) + 2 * (r == (void *)ctx);
}

char LICENSE[] SEC("license") = "GPL";
