// SPDX-License-Identifier: Apache-2.0
// Host layout v2 of struct host_cfg: padding in front, `flags` present,
// `limit` narrowed to 4 bytes. Only its .BTF is used: the CO-RE target for core_read.
struct host_cfg {
  char reserved[16];
  unsigned int flags;
  int limit;
  unsigned short port;
  int id;
};

struct host_cfg host_cfg_v2;
