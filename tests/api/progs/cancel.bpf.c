// SPDX-License-Identifier: Apache-2.0
// Programs that run for ever (as far as a test can wait), for cancellation
// and deadlines (issue 14): nested bpf_loop calls, nested open-coded
// iterator loops (back-edges only, no helper between them), and a loop
// that holds a bpf_spin_lock, a ring buffer record and an iterator while a
// host thread cancels it at random points.
// expect: every run stopped by its token or deadline ends with
// ExecCancelled / ExecTimeout; after any number of them state.a ==
// state.b (the lock's critical section is never cut) and the ring holds
// no record reserved by a run that is gone.
#include "decade_bpf.h"

static long inner(__u64 i, void *ctx) {
  *(__u64 *)ctx += 1;
  return 0;
}

static long outer(__u64 i, void *ctx) {
  bpf_loop(1 << 23, inner, ctx, 0);
  return 0;
}

// 2^46 callback calls: about 30 days.
SEC("syscall") int nested_loops(void *ctx) {
  __u64 n = 0;
  bpf_loop(1 << 23, outer, &n, 0);
  return (int)n;
}

// The same count of iterations as plain back-edges of the program.
SEC("syscall") int nested_iters(void *ctx) {
  __u64 n = 0;
  int i, j;
  bpf_for(i, 0, 1 << 23) {
    bpf_for(j, 0, 1 << 23) n += j;
  }
  return (int)n;
}

struct state {
  struct bpf_spin_lock lock;
  __u64 a;
  __u64 b;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct state);
  __uint(max_entries, 1);
} state SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 16);
} records SEC(".maps");

// Each iteration reserves a record, updates a and b under the lock with a
// loop between the two updates, spends a while holding the record, then
// submits it. The iterator is open the whole time.
SEC("syscall") int hold_all(void *ctx) {
  __u32 zero = 0;
  struct state *s = bpf_map_lookup_elem(&state, &zero);
  if (!s) return 1;
  int i, k;
  bpf_for(i, 0, 1 << 22) {
    __u64 *rec = bpf_ringbuf_reserve(&records, 8, 0);
    if (!rec) continue;
    bpf_spin_lock(&s->lock);
    s->a += 1;
    for (k = 0; k < 16; k++) s->b += (k == 15);  // back-edges inside the critical section
    bpf_spin_unlock(&s->lock);
    __u64 spin = 0;
    bpf_for(k, 0, 64) spin += k;  // back-edges while the record is held
    *rec = spin;
    bpf_ringbuf_submit(rec, 0);
  }
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
