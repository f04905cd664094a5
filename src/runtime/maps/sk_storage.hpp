// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_SK_STORAGE: a value per socket, created by a program's
// bpf_sk_storage_get(map, sk, init, BPF_SK_STORAGE_GET_F_CREATE) or by the
// host with a socket descriptor as the key (bpf(BPF_MAP_UPDATE_ELEM) takes
// an fd, as the kernel's does). Values are kept by the socket's cookie
// (SO_COOKIE, unique for the boot), so the host's descriptor and the
// program's socket pointer (HostSocket) reach the same value. The kernel
// frees a socket's storage with the socket; here it lives until deleted or
// until the map is destroyed (Decade does not see the host close a socket).
// Creation follows bpf_local_storage_map_alloc_check: key_size 4,
// value_size non-zero, max_entries 0, BPF_F_NO_PREALLOC set (with only
// BPF_F_CLONE besides) and BTF key and value types.
#pragma once

#include <memory>

#include "runtime/map.hpp"

namespace decade {

class HostSocket;

// The value of socket s in map m (an SK_STORAGE map), or nullptr. With
// create, a missing value is made from init (zeros when init is nullptr);
// nullptr then only when memory runs out.
void* sk_storage_get(Map& m, const HostSocket& s, const void* init, bool create);
// 0, or -ENOENT when s has no value in m.
long sk_storage_delete(Map& m, const HostSocket& s);

Status check_sk_storage(const MapDef& def);
MapFootprint sk_storage_footprint(const MapDef& def);
Result<std::unique_ptr<Map>> make_sk_storage(const MapDef& def);

}  // namespace decade
