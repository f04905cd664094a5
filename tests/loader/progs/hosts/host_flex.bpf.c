// SPDX-License-Identifier: Apache-2.0
// The host's layout of struct host_list (a flags word first, then `count`
// and a 64-bit generation; the flexible array member `items` at byte 16)
// and of struct host_item (`value` first). Only its .BTF is used: the
// CO-RE target for core_flex.
struct host_item {
  int value;
  int key;
};
struct host_list {
  unsigned int flags;
  unsigned int count;
  unsigned long long gen;
  struct host_item items[];
};

struct host_list host_list_flex;
