// SPDX-License-Identifier: Apache-2.0
// Program types whose contexts are plain numbers run with a ctx
// (cgroup/sysctl, cgroup/dev, tp_btf's u64 arguments); types whose contexts
// hold pointers the runtime does not provide (sockops, sk_msg) load but
// refuse a test run. expect: sysctl (file_pos & 1), dev (major == 8),
// tp_btf ctx[0] + ctx[1].
#include "decade_bpf.h"

SEC("cgroup/sysctl") int sysctl(struct bpf_sysctl *ctx) { return ctx->file_pos & 1; }

SEC("cgroup/dev") int dev(struct bpf_cgroup_dev_ctx *ctx) { return ctx->major == 8; }

SEC("tp_btf/sched_switch") int args(unsigned long long *ctx) { return ctx[0] + ctx[1]; }

SEC("sockops") int ops(struct bpf_sock_ops *ctx) { return ctx->op == 4; }

SEC("sk_msg") int msg(struct sk_msg_md *ctx) { return ctx->size; }

char _license[] SEC("license") = "GPL";
