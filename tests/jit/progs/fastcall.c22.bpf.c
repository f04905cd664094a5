// SPDX-License-Identifier: Apache-2.0
// Values live across calls to bpf_get_smp_processor_id declared
// bpf_fastcall (as the kernel's bpf_helper_defs.h does since Linux 6.12):
// clang-22 keeps some in r1-r5 and spills and fills them around each call,
// the pattern the verifier removes (tests/jit/fastcall_test.cpp). r1 =
// memory of 8 * WORDS bytes, r2 = its length.
#define SEC(s) __attribute__((section(s), used))
#define WORDS 32

typedef unsigned long long u64;
typedef unsigned int u32;

static u32 (*get_cpu)(void) __attribute__((bpf_fastcall)) = (void*)8;  // bpf_get_smp_processor_id

SEC("raw") u64 fastcall_mix(const u64* mem, u64 len) {
  if (len < WORDS * 8) return 0;
  u64 a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;
  for (int i = 0; i < WORDS; i++) {
    u64 w = mem[i];
    u64 cpu = get_cpu();
    a += w ^ b;
    b += w + c;
    c ^= w - d;
    d += w | e;
    e -= w & f;
    f += w ^ g;
    g ^= w + h;
    h += (cpu & 0) + (w >> 3);  // the CPU may differ between engines' threads
  }
  return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h;
}

char LICENSE[] SEC("license") = "GPL";
