// SPDX-License-Identifier: Apache-2.0
// `decade trace` refuses a section naming a function the target lacks
// (ProbeSymbolNotFound) and attaches nothing.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("uprobe/trace_target:traced_add")
int on_entry(void *ctx) { return 0; }

SEC("uprobe/trace_target:no_such_function")
int on_missing(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
