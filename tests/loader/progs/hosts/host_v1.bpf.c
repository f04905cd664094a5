// SPDX-License-Identifier: Apache-2.0
// Host layout v1 of struct host_cfg (no `flags`; `port` widened to 4 bytes,
// fields reordered). Only its .BTF is used: the CO-RE target for core_read.
struct host_cfg {
  long long limit;
  unsigned int port;
  int id;
};
enum host_mode { HOST_MODE_SLOW = 0, HOST_MODE_FAST = 2 };

struct host_cfg host_cfg_v1;
enum host_mode host_mode_v1;
