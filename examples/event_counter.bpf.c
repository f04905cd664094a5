// SPDX-License-Identifier: Apache-2.0
// The C host example's program (examples/hello_c.c): counts bytes per
// process in a hash map and reports large writes through a ring buffer.
// The threshold is `const volatile` configuration the host sets before load.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
  __u32 pid;
  __u32 bytes;
};

const volatile __u32 alert_bytes = 1000;

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1024);
} bytes_by_pid SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} alerts SEC(".maps");

SEC("syscall")
int count_event(struct event *ev) {
  __u32 pid = ev->pid;
  __u64 bytes = ev->bytes;
  __u64 *total = bpf_map_lookup_elem(&bytes_by_pid, &pid);
  if (total) {
    __sync_fetch_and_add(total, bytes);
  } else {
    bpf_map_update_elem(&bytes_by_pid, &pid, &bytes, BPF_ANY);
  }
  if (bytes >= alert_bytes) {
    struct event copy = {.pid = pid, .bytes = (__u32)bytes};
    bpf_ringbuf_output(&alerts, &copy, sizeof(copy), 0);
  }
  total = bpf_map_lookup_elem(&bytes_by_pid, &pid);
  return total ? (int)*total : -1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
