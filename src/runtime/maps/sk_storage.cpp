// SPDX-License-Identifier: Apache-2.0
// SK_STORAGE maps (sk_storage.hpp): values by socket cookie, under one
// lock; a value's address is stable while it exists, as programs keep
// pointers to it for the rest of a run.
#include "runtime/maps/sk_storage.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

#include <fmt/format.h>

#include "runtime/maps/map_common.hpp"
#include "runtime/maps/sock_map.hpp"

namespace decade {
namespace {

// The kernel's largest local storage value: U16_MAX less its element
// header; Decade keeps the same order of bound without the header's size.
constexpr uint32_t kMaxValueSize = 65535 - 128;
constexpr uint32_t kMapFClone = 1u << 9;

// The cookie of the host socket descriptor a host operation names, or 0
// with *err set (-EBADF, -ENOTSOCK) as the kernel's fd lookup answers.
uint64_t cookie_of_fd(const void* key, long* err) {
  int fd = -1;
  std::memcpy(&fd, key, 4);
  uint64_t c = 0;
  socklen_t len = sizeof(c);
  if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) != 0) {
    *err = errno == ENOTSOCK ? -ENOTSOCK : -EBADF;
    return 0;
  }
  return c;
}

class SkStorage final : public Map {
 public:
  using Map::Map;

  // Programs reach values only through bpf_sk_storage_get (the verifier
  // refuses the generic helpers on this map).
  void* lookup(const void*) override { return nullptr; }
  long update(const void*, const void*, uint64_t) override { return kEOPNOTSUPP; }
  long erase(const void* key) override {
    long err = 0;
    const uint64_t c = cookie_of_fd(key, &err);
    if (!c) return err;
    const std::lock_guard g(mu_);
    return values_.erase(c) ? 0 : kENOENT;
  }
  Status get_next_key(const void*, void*) override {
    return make_error(ErrorCode::Unsupported, fmt::format("map '{}': sk_storage keys are sockets, not iterable", def().name));
  }
  long host_lookup(const void* key, void* value, uint64_t flags) override {
    if (flags) return kEINVAL;
    long err = 0;
    const uint64_t c = cookie_of_fd(key, &err);
    if (!c) return err;
    const std::lock_guard g(mu_);
    auto it = values_.find(c);
    if (it == values_.end()) return kENOENT;
    std::memcpy(value, it->second.get(), def().value_size);
    return 0;
  }
  long host_update(const void* key, const void* value, uint64_t flags) override {
    if (flags > kBpfExist) return kEINVAL;
    long err = 0;
    const uint64_t c = cookie_of_fd(key, &err);
    if (!c) return err;
    const std::lock_guard g(mu_);
    auto it = values_.find(c);
    if (it != values_.end() && flags == kBpfNoExist) return kEEXIST;
    if (it == values_.end() && flags == kBpfExist) return kENOENT;
    uint8_t* v = it != values_.end() ? it->second.get() : make(c, nullptr);
    if (!v) return -ENOMEM;
    std::memcpy(v, value, def().value_size);
    return 0;
  }
  long for_each(const ElemVisitor&) override { return kEINVAL; }

  void* get(uint64_t cookie, const void* init, bool create) {
    const std::lock_guard g(mu_);
    if (auto it = values_.find(cookie); it != values_.end()) return it->second.get();
    return create ? make(cookie, init) : nullptr;
  }
  long remove(uint64_t cookie) {
    const std::lock_guard g(mu_);
    return values_.erase(cookie) ? 0 : kENOENT;
  }

 private:
  // A new value for cookie (caller holds mu_), from init or zeros.
  uint8_t* make(uint64_t cookie, const void* init) {
    std::unique_ptr<uint8_t[]> v(new (std::nothrow) uint8_t[def().value_size]());
    if (!v) return nullptr;
    if (init) std::memcpy(v.get(), init, def().value_size);
    uint8_t* p = v.get();
    try {
      values_.emplace(cookie, std::move(v));
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
    return p;
  }
  std::mutex mu_;
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> values_;
};

std::unexpected<Error> fail(ErrorCode code, const MapDef& d, std::string_view what, int err) {
  return make_error(code, fmt::format("map '{}' (type sk_storage): {} (kernel: -{})", d.name, what, err));
}

}  // namespace

void* sk_storage_get(Map& m, const HostSocket& s, const void* init, bool create) {
  return static_cast<SkStorage&>(m).get(s.cookie(), init, create);
}

long sk_storage_delete(Map& m, const HostSocket& s) { return static_cast<SkStorage&>(m).remove(s.cookie()); }

Status check_sk_storage(const MapDef& d) {
  if (d.key_size != 4) return fail(ErrorCode::MapBadKeySize, d, "key_size must be 4 (a socket descriptor)", EINVAL);
  if (d.value_size == 0) return fail(ErrorCode::MapBadValueSize, d, "value_size must not be 0", EINVAL);
  if (d.value_size > kMaxValueSize) return fail(ErrorCode::MapBadValueSize, d, "value_size too large", E2BIG);
  if (d.max_entries != 0) return fail(ErrorCode::MapBadMaxEntries, d, "max_entries must be 0 (one value per socket)", EINVAL);
  if (!(d.map_flags & kMapFNoPrealloc) || (d.map_flags & ~(kMapFNoPrealloc | kMapFClone)))
    return fail(ErrorCode::MapBadFlags, d, "map_flags must be BPF_F_NO_PREALLOC (and optionally BPF_F_CLONE)", EINVAL);
  if (!d.btf_key_type || !d.btf_value_type)
    return fail(ErrorCode::InvalidArgument, d, "local storage maps need BTF key and value types (a BTF-defined map)", EINVAL);
  return ok();
}

// Values are made on demand, one per socket: nothing up front, and no
// bound from the definition (max_entries is 0).
MapFootprint sk_storage_footprint(const MapDef&) { return {sizeof(SkStorage), sizeof(SkStorage)}; }

Result<std::unique_ptr<Map>> make_sk_storage(const MapDef& def) { return std::unique_ptr<Map>(new SkStorage(def)); }

}  // namespace decade
