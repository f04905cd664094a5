// SPDX-License-Identifier: Apache-2.0
// The host's struct net_cfg for core_libbpf.bpf.c: the bitfields moved and
// widened into a 64-bit word, `id` after them. Only its .BTF is used (the
// CO-RE target).
struct net_cfg {
  unsigned long long flags : 9;
  unsigned long long prio : 12;
  unsigned long long mode : 4;
  unsigned long long spare : 39;
  unsigned short pad;
  unsigned int id;
};

struct net_cfg net_cfg_host;
