// SPDX-License-Identifier: Apache-2.0
// A helper writing the bpf_spin_lock word of a map value: the lock reads as
// taken, and the next bpf_spin_lock spun forever (a hung host thread).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct val {
	struct bpf_spin_lock lock;
	int x;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct val);
} locks SEC(".maps");

SEC("xdp")
int lock_word_clobber(struct xdp_md *ctx)
{
	int k = 0;
	struct val *v = bpf_map_lookup_elem(&locks, &k);

	if (!v)
		return XDP_PASS;
	bpf_get_current_comm(v, 4); /* REJECT */
	bpf_spin_lock(&v->lock);
	v->x++;
	bpf_spin_unlock(&v->lock);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
