// SPDX-License-Identifier: Apache-2.0
// bench_printk: the same xdp program with and without one bpf_printk of
// three numbers; the difference in run time is the cost of one call.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp") int with_printk(struct xdp_md *ctx) {
  long len = (long)ctx->data_end - (long)ctx->data;
  bpf_printk("len %ld queue %u if %u", len, ctx->rx_queue_index, ctx->ingress_ifindex);
  return XDP_PASS;
}

SEC("xdp") int without_printk(struct xdp_md *ctx) {
  long len = (long)ctx->data_end - (long)ctx->data;
  return len > 0 && ctx->rx_queue_index < 1000 && ctx->ingress_ifindex < 1000 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
