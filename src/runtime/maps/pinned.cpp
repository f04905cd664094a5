// SPDX-License-Identifier: Apache-2.0
#include "runtime/maps/pinned.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "runtime/cpu.hpp"
#include "runtime/maps/map_check.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/maps/ringbuf.hpp"

namespace decade {
namespace {

bool is_array(MapType t) { return t == MapType::Array || t == MapType::PercpuArray; }
bool is_redirect(MapType t) {
  return t == MapType::Devmap || t == MapType::DevmapHash || t == MapType::Cpumap || t == MapType::Xskmap;
}
bool is_percpu(MapType t) { return t == MapType::PercpuArray || t == MapType::PercpuHash || t == MapType::LruPercpuHash; }
uint32_t cpus_of(MapType t) { return is_percpu(t) ? possible_cpus() : 1; }

// Bytes after the header: the value block of arrays, the hash storage, a
// ring's positions page and data.
size_t storage_bytes(const MapDef& def, uint32_t cpus) {
  const size_t raw = is_array(def.type)               ? size_t{def.max_entries} * round_up8(def.value_size) * cpus
                     : def.type == MapType::Ringbuf ? kRingPositionsBytes + size_t{def.max_entries}
                     : is_redirect(def.type)        ? redirect_pin_bytes(def)
                                                      : pinned_hash_bytes(def, cpus);
  return (raw + 4095) & ~size_t{4095};
}

Error io_error(const std::string& path, std::string_view what) {
  return Error{ErrorCode::IoError, -1, fmt::format("pinned map '{}': {}: {}", path, what, std::strerror(errno)), {}, {}};
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

Status refuse_type(const MapDef& def) {
  return make_error(ErrorCode::MapBadType,
                    fmt::format("map '{}': {} maps cannot be pinned or shared (array, percpu_array, hash, lru_hash, "
                                "percpu_hash, lru_percpu_hash, ringbuf, devmap, devmap_hash, cpumap and xskmap maps can)",
                                def.name, map_type_name(static_cast<uint32_t>(def.type))));
}

Status check_matches(const PinHeader& h, const MapDef& def, const std::string& path) {
  auto bad = [&](ErrorCode c, std::string_view what, uint64_t pinned, uint64_t wanted) {
    return make_error(c, fmt::format("pinned map '{}': {} {} in the pin, {} in map '{}'", path, what, pinned, wanted, def.name));
  };
  if (h.type != static_cast<uint32_t>(def.type))
    return make_error(ErrorCode::MapBadType, fmt::format("pinned map '{}' is a {}, map '{}' a {}", path, map_type_name(h.type),
                                                         def.name, map_type_name(static_cast<uint32_t>(def.type))));
  if (h.key_size != def.key_size) return bad(ErrorCode::MapBadKeySize, "key size", h.key_size, def.key_size);
  if (h.value_size != def.value_size) return bad(ErrorCode::MapBadValueSize, "value size", h.value_size, def.value_size);
  if (h.max_entries != def.max_entries) return bad(ErrorCode::MapBadMaxEntries, "max_entries", h.max_entries, def.max_entries);
  if (h.cpus != cpus_of(def.type)) return bad(ErrorCode::MapBadValueSize, "CPU count", h.cpus, cpus_of(def.type));
  return ok();
}

Result<std::unique_ptr<Map>> map_storage(const MapDef& def, int fd, const std::string& path) {
  const uint32_t cpus = cpus_of(def.type);
  const size_t bytes = storage_bytes(def, cpus);
  struct stat st{};
  if (fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < kPinHeaderBytes + bytes)
    return make_error(ErrorCode::InvalidArgument, fmt::format("pinned map '{}' is shorter than its header says", path));
  if (def.type == MapType::Ringbuf) return make_shared_ringbuf(def, fd, kPinHeaderBytes);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, kPinHeaderBytes);
  if (p == MAP_FAILED) return std::unexpected(io_error(path, "mmap"));
  if (is_array(def.type)) return make_array_map_over(def, static_cast<uint8_t*>(p), bytes);
  if (is_redirect(def.type)) return make_pinned_redirect_map(def, static_cast<uint8_t*>(p), bytes);
  return make_pinned_hash(def, cpus, static_cast<uint8_t*>(p), bytes);
}

// Global data: the section image fills the (single) value.
void write_initial_value(const MapDef& def, uint8_t* block) {
  const size_t stride = round_up8(def.value_size);
  for (size_t off = 0, i = 0; off < def.initial_value.size(); ++i) {
    const size_t n = std::min<size_t>(def.value_size, def.initial_value.size() - off);
    std::memcpy(block + i * stride, def.initial_value.data() + off, n);
    off += n;
  }
}

// Header and storage of a new pin, laid out in the (zeroed) mapping of a
// file that nobody else can see yet.
Status fill_new_pin(const MapDef& def, uint8_t* file) {
  PinHeader h{};
  std::memcpy(h.magic, kPinMagic, sizeof h.magic);
  h.type = static_cast<uint32_t>(def.type);
  h.key_size = def.key_size;
  h.value_size = def.value_size;
  h.max_entries = def.max_entries;
  h.map_flags = def.map_flags;
  h.cpus = cpus_of(def.type);
  std::strncpy(h.name, def.name.c_str(), sizeof h.name - 1);
  std::memcpy(file, &h, sizeof h);
  if (is_array(def.type)) {
    write_initial_value(def, file + kPinHeaderBytes);
    return ok();
  }
  if (def.type == MapType::Ringbuf) return ok();  // all zero: empty (ringbuf.hpp, RingPositions)
  if (is_redirect(def.type)) return init_redirect_pin(def, file + kPinHeaderBytes);
  return init_pinned_hash(def, h.cpus, file + kPinHeaderBytes);
}

// A new pin is made whole under a temporary name (sized with ftruncate,
// filled through its own mapping) and only then linked to `path`, so no
// process maps a half-made pin. `exclusive`: fail when `path` exists;
// otherwise a pin another process linked first wins.
Status create_pin(const MapDef& def, const std::string& path, bool exclusive) {
  const std::string tmp = fmt::format("{}.{}.tmp", path, getpid());
  Fd f{open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (f.fd < 0) return std::unexpected(io_error(tmp, "create"));
  const size_t total = kPinHeaderBytes + storage_bytes(def, cpus_of(def.type));
  void* p = ftruncate(f.fd, static_cast<off_t>(total)) == 0
                ? mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0)
                : MAP_FAILED;
  if (p == MAP_FAILED) {
    Error e = io_error(tmp, "size");
    unlink(tmp.c_str());
    return std::unexpected(e);
  }
  Status filled = fill_new_pin(def, static_cast<uint8_t*>(p));
  munmap(p, total);
  if (!filled) {
    unlink(tmp.c_str());
    return filled;
  }
  if (link(tmp.c_str(), path.c_str()) != 0 && (exclusive || errno != EEXIST)) {
    Error e = io_error(path, "link");
    unlink(tmp.c_str());
    return std::unexpected(e);
  }
  unlink(tmp.c_str());
  return ok();
}

Result<PinHeader> read_header(int fd, const std::string& path) {
  PinHeader h{};
  if (pread(fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) || std::memcmp(h.magic, kPinMagic, sizeof h.magic) != 0)
    return make_error(ErrorCode::InvalidArgument, fmt::format("'{}' is not a Decade pinned map", path));
  h.name[sizeof h.name - 1] = 0;
  return h;
}

}  // namespace

bool pinnable(MapType t) {
  return is_array(t) || t == MapType::Hash || t == MapType::LruHash || t == MapType::PercpuHash ||
         t == MapType::LruPercpuHash || t == MapType::Ringbuf || is_redirect(t);
}

Result<std::unique_ptr<Map>> open_pinned_map(const MapDef& def, const std::string& path) {
  if (!pinnable(def.type)) return std::unexpected(refuse_type(def).error());
  // What create_map checks of a definition, before a pin is made or reused.
  if (auto s = check_map_def(def); !s) return std::unexpected(s.error());
  if (access(path.c_str(), F_OK) != 0) {
    if (auto s = create_pin(def, path, false); !s) return std::unexpected(s.error());
  }
  Fd f{open(path.c_str(), O_RDWR | O_CLOEXEC)};
  if (f.fd < 0) return std::unexpected(io_error(path, "open"));
  auto h = read_header(f.fd, path);
  if (!h) return std::unexpected(h.error());
  if (auto s = check_matches(*h, def, path); !s) return std::unexpected(s.error());
  return map_storage(def, f.fd, path);
}

Result<std::unique_ptr<Map>> open_pinned_file(const std::string& path, PinHeader* header) {
  Fd f{open(path.c_str(), O_RDWR | O_CLOEXEC)};
  if (f.fd < 0) return std::unexpected(io_error(path, "open"));
  auto h = read_header(f.fd, path);
  if (!h) return std::unexpected(h.error());
  MapDef def;
  def.name = h->name;
  def.type = static_cast<MapType>(h->type);
  def.key_size = h->key_size;
  def.value_size = h->value_size;
  def.max_entries = h->max_entries;
  def.map_flags = h->map_flags;
  if (!pinnable(def.type)) return make_error(ErrorCode::MapBadType, fmt::format("pinned map '{}' is a {}", path, map_type_name(h->type)));
  if (auto s = check_matches(*h, def, path); !s) return std::unexpected(s.error());
  if (header) *header = *h;
  return map_storage(def, f.fd, path);
}

// Elements are copied with the host operations, so per-CPU values keep
// every CPU's slot; the copy is made in a pin nobody maps yet.
Status pin_map_copy(Map& map, const std::string& path) {
  MapDef def = map.def();
  def.initial_value.clear();
  def.frozen = false;
  if (!pinnable(def.type) || def.type == MapType::Ringbuf) return refuse_type(def);
  if (access(path.c_str(), F_OK) == 0) {
    errno = EEXIST;
    return std::unexpected(io_error(path, "pin"));
  }
  const std::string tmp = fmt::format("{}.{}.copy", path, getpid());
  if (auto s = create_pin(def, tmp, true); !s) return s;
  auto pin = open_pinned_map(def, tmp);
  if (!pin) {
    unlink(tmp.c_str());
    return std::unexpected(pin.error());
  }
  std::vector<uint8_t> value(map.host_value_size());
  const long visited = map.for_each([&](const void* key, void* v) {
    // The host cannot look up an xskmap entry (the kernel gives no socket
    // back): its value, the host's socket id, is copied as it is stored.
    if (def.type == MapType::Xskmap)
      std::memcpy(value.data(), v, def.value_size);
    else if (map.host_lookup(key, value.data(), 0) != 0)
      return true;
    (*pin)->host_update(key, value.data(), 0);
    return true;
  });
  Status linked = visited < 0 ? make_error(ErrorCode::MapBadType, fmt::format("map '{}' cannot be walked", def.name))
                  : link(tmp.c_str(), path.c_str()) != 0 ? Status(std::unexpected(io_error(path, "link")))
                                                          : ok();
  unlink(tmp.c_str());
  return linked;
}

}  // namespace decade
