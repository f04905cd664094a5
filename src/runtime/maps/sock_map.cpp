// SPDX-License-Identifier: Apache-2.0
// SOCKMAP, SOCKHASH and REUSEPORT_SOCKARRAY over the host's sockets
// (sock_map.hpp). Creation, update and lookup follow the kernel's
// sock_map_alloc, sock_map_update_elem_sys, sock_map_lookup_sys and
// reuseport_array_update_check, return values included. Entries are taken
// and replaced under the map's lock, so a program's lookup never takes a
// reference on a socket that the host is releasing.
#include "runtime/maps/sock_map.hpp"

#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <vector>

#include "runtime/maps/array_keys.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

constexpr int kTcpEstablished = 1, kTcpListen = 10;

// sock_map_sk_is_suitable and sock_map_sk_state_allowed: TCP established or
// listening, UDP, unix and vsock sockets; anything else -EOPNOTSUPP.
long sockmap_suitable(const HostSocket& s) {
  if (s.tcp()) {
    const int st = s.tcp_state();
    return st == kTcpEstablished || st == kTcpListen ? 0 : kEOPNOTSUPP;
  }
  if (s.inet()) return s.protocol() == IPPROTO_UDP ? 0 : kEOPNOTSUPP;
  return s.domain() == AF_UNIX || s.domain() == AF_VSOCK ? 0 : kEOPNOTSUPP;
}

// reuseport_array_update_check: a TCP or UDP socket of IPv4 or IPv6 in a
// reuseport group (SO_REUSEPORT, bound; TCP listening).
long reuseport_suitable(const HostSocket& s) {
  if (!s.inet() || (s.protocol() != IPPROTO_TCP && s.protocol() != IPPROTO_UDP)) return kENOTSUPP;
  if (sockopt_int(s.fd(), SOL_SOCKET, SO_REUSEPORT) != 1) return kEINVAL;
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  if (getsockname(s.fd(), reinterpret_cast<sockaddr*>(&a), &len) != 0) return kEINVAL;
  const uint16_t port = a.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(a).sin6_port
                                                : reinterpret_cast<sockaddr_in&>(a).sin_port;
  if (!port || (s.tcp() && s.tcp_state() != kTcpListen)) return kEINVAL;
  return 0;
}

long host_fd(const MapDef& d, const void* value) {
  uint64_t fd = 0;
  std::memcpy(&fd, value, d.value_size == 8 ? 8 : 4);
  return fd > INT32_MAX ? -EBADF : static_cast<long>(fd);
}

// HeldResources' release of a socket reference a stopped run still held.
void put_held(uint64_t sk) { reinterpret_cast<HostSocket*>(sk)->put(); }

}  // namespace

bool HostSocket::held_by_run(HostSocket* s) {
  RunContext* rc = current_run_context();
  if (rc && !rc->held.hold(HeldResources::Kind::Reference, reinterpret_cast<uint64_t>(s), put_held)) {
    s->put();
    return false;
  }
  return true;
}

namespace {

// Both families: the host's descriptor in, the cookie out, and the entry
// table the subclass keeps under lock_.
class SockMapBase : public Map {
 public:
  using Map::Map;

  long host_update(const void* key, const void* value, uint64_t flags) override {
    if (flags > kBpfExist) return kEINVAL;
    const long fd = host_fd(def(), value);
    if (fd < 0) return fd;
    HostSocket* s = nullptr;
    if (long rc = HostSocket::open(static_cast<int>(fd), &s)) return rc;
    long rc = type() == MapType::ReuseportSockarray ? reuseport_suitable(*s) : sockmap_suitable(*s);
    if (!rc) rc = update(key, reinterpret_cast<const void*>(s->program_ptr()), flags);
    s->put();  // update took its own reference
    return rc;
  }

  // sock_map_lookup_sys: the cookie, for 8-byte values only.
  long host_lookup(const void* key, void* value, uint64_t) override {
    if (def().value_size != 8) return kENOSPC;
    const std::lock_guard g(lock_);
    HostSocket* s = find(key);
    if (!s) return kENOENT;
    const uint64_t c = s->cookie();
    std::memcpy(value, &c, 8);
    return 0;
  }

  // A program's lookup: the socket's image, with a reference taken, which
  // the run holds (HeldResources) until bpf_sk_release, so that a run that
  // ends early (a fault, a cancel, a timeout, an exception) gives it back too.
  void* lookup(const void* key) override {
    HostSocket* s = nullptr;
    {
      const std::lock_guard g(lock_);
      s = find(key);
      if (!s) return nullptr;
      s->get();
    }
    if (!HostSocket::held_by_run(s)) return nullptr;
    return reinterpret_cast<void*>(s->program_ptr());
  }

  // A program's (or host_update's) insert of the socket `value` is the
  // program pointer of (HostSocket::program_ptr).
  long update(const void* key, const void* value, uint64_t flags) override {
    if (flags > kBpfExist) return kEINVAL;
    HostSocket* s = HostSocket::from_program(reinterpret_cast<uint64_t>(value));
    HostSocket* old = nullptr;
    {
      const std::lock_guard g(lock_);
      const bool present = find(key) != nullptr;
      if (present && flags == kBpfNoExist) return kEEXIST;
      if (!present && flags == kBpfExist) return kENOENT;
      s->get();
      if (long rc = nothrow_op([&] { return store(key, s, &old); })) {
        s->put();
        return rc;
      }
    }
    if (old) old->put();
    return 0;
  }

  long erase(const void* key) override {
    HostSocket* old = nullptr;
    {
      const std::lock_guard g(lock_);
      if (long rc = remove(key, &old)) return rc;
    }
    old->put();
    return 0;
  }

  long for_each(const ElemVisitor& fn) override {
    std::vector<std::pair<std::vector<uint8_t>, uint64_t>> entries;
    {
      const std::lock_guard g(lock_);
      if (long rc = nothrow_op([&] { return collect(entries); })) return rc;
    }
    long n = 0;
    for (auto& [k, cookie] : entries) {
      ++n;
      if (!fn(k.data(), &cookie)) break;
    }
    return n;
  }

  HostSocket* peek(const void* key) {
    const std::lock_guard g(lock_);
    return find(key);
  }

 protected:
  virtual HostSocket* find(const void* key) = 0;
  virtual long store(const void* key, HostSocket* s, HostSocket** old) = 0;  // -E2BIG past the slots
  virtual long remove(const void* key, HostSocket** old) = 0;                // -ENOENT / -EINVAL
  virtual long collect(std::vector<std::pair<std::vector<uint8_t>, uint64_t>>& out) = 0;
  SpinLock lock_;
};

// SOCKMAP and REUSEPORT_SOCKARRAY: max_entries slots of u32 keys.
class SockArray final : public SockMapBase {
 public:
  explicit SockArray(const MapDef& def) : SockMapBase(def), slots_(def.max_entries, nullptr) {}
  ~SockArray() override {
    for (HostSocket* s : slots_)
      if (s) s->put();
  }

  Status get_next_key(const void* key, void* next_key) override {
    return array_keys::next_key(key, next_key, def().max_entries);
  }

 private:
  HostSocket* find(const void* key) override {
    const uint32_t k = array_keys::index_of(key);
    return k < slots_.size() ? slots_[k] : nullptr;
  }
  long store(const void* key, HostSocket* s, HostSocket** old) override {
    const uint32_t k = array_keys::index_of(key);
    if (k >= slots_.size()) return kE2BIG;
    *old = slots_[k];
    slots_[k] = s;
    return 0;
  }
  long remove(const void* key, HostSocket** old) override {
    const uint32_t k = array_keys::index_of(key);
    if (k >= slots_.size()) return kEINVAL;
    if (!slots_[k]) return kENOENT;
    *old = slots_[k];
    slots_[k] = nullptr;
    return 0;
  }
  long collect(std::vector<std::pair<std::vector<uint8_t>, uint64_t>>& out) override {
    for (uint32_t k = 0; k < slots_.size(); ++k)
      if (slots_[k]) out.emplace_back(std::vector<uint8_t>{reinterpret_cast<uint8_t*>(&k), reinterpret_cast<uint8_t*>(&k) + 4}, slots_[k]->cookie());
    return 0;
  }
  std::vector<HostSocket*> slots_;
};

// SOCKHASH: up to max_entries keys of key_size bytes.
class SockHash final : public SockMapBase {
 public:
  using SockMapBase::SockMapBase;
  ~SockHash() override {
    for (auto& [k, s] : table_) s->put();
  }

  Status get_next_key(const void* key, void* next_key) override {
    const std::lock_guard g(lock_);
    auto it = key ? table_.upper_bound(bytes(key)) : table_.begin();
    if (it == table_.end()) return make_error(ErrorCode::MapKeyNotFound, "last element");
    std::memcpy(next_key, it->first.data(), def().key_size);
    return ok();
  }

 private:
  std::vector<uint8_t> bytes(const void* key) const {
    const auto* p = static_cast<const uint8_t*>(key);
    return {p, p + def().key_size};
  }
  HostSocket* find(const void* key) override {
    auto it = table_.find(bytes(key));
    return it == table_.end() ? nullptr : it->second;
  }
  long store(const void* key, HostSocket* s, HostSocket** old) override {
    auto it = table_.find(bytes(key));
    if (it != table_.end()) {
      *old = it->second;
      it->second = s;
      return 0;
    }
    if (table_.size() >= def().max_entries) return kE2BIG;
    table_.emplace(bytes(key), s);
    return 0;
  }
  long remove(const void* key, HostSocket** old) override {
    auto it = table_.find(bytes(key));
    if (it == table_.end()) return kENOENT;
    *old = it->second;
    table_.erase(it);
    return 0;
  }
  long collect(std::vector<std::pair<std::vector<uint8_t>, uint64_t>>& out) override {
    for (auto& [k, s] : table_) out.emplace_back(k, s->cookie());
    return 0;
  }
  std::map<std::vector<uint8_t>, HostSocket*> table_;
};

}  // namespace

long HostSocket::open(int fd, HostSocket** out) {
  const int type = sockopt_int(fd, SOL_SOCKET, SO_TYPE);
  if (type < 0) return errno == ENOTSOCK ? -ENOTSOCK : -EBADF;
  uint64_t cookie = 0;
  socklen_t len = sizeof(cookie);
  if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) != 0) return -ENOTSOCK;
  const int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return -ENOMEM;
  auto* s = new (std::nothrow) HostSocket();
  if (!s) {
    close(dup);
    return -ENOMEM;
  }
  s->fd_ = dup;
  s->type_ = type;
  s->domain_ = sockopt_int(fd, SOL_SOCKET, SO_DOMAIN);
  s->protocol_ = sockopt_int(fd, SOL_SOCKET, SO_PROTOCOL);
  s->cookie_ = cookie;
  registry_add(s);
  *out = s;
  return 0;
}

HostSocket::~HostSocket() {
  registry_remove(this);
  if (fd_ >= 0) close(fd_);
}

void HostSocket::put() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

bool HostSocket::redirect_allowed() const {
  if (tcp()) return tcp_state() != kTcpListen;
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  return getpeername(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0;
}

bool is_sock_map(MapType t) {
  return t == MapType::Sockmap || t == MapType::Sockhash || t == MapType::ReuseportSockarray;
}

HostSocket* sock_map_peek(Map& m, const void* key) {
  return is_sock_map(m.type()) ? static_cast<SockMapBase&>(m).peek(key) : nullptr;
}

MapFootprint sock_map_footprint(const MapDef& def) {
  const uint64_t entry = def.type == MapType::Sockhash ? sat_add(def.key_size, 64) : 8;
  const uint64_t most = sat_add(sat_mul(def.max_entries, sat_add(entry, sizeof(HostSocket))), sizeof(SockHash));
  return {def.type == MapType::Sockhash ? sizeof(SockHash) : sat_mul(def.max_entries, 8), most};
}

Result<std::unique_ptr<Map>> make_sock_map(const MapDef& def) {
  if (def.type == MapType::Sockhash) return std::unique_ptr<Map>(new SockHash(def));
  return std::unique_ptr<Map>(new SockArray(def));
}

}  // namespace decade
