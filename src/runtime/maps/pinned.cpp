// SPDX-License-Identifier: Apache-2.0
#include "runtime/maps/pinned.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "runtime/maps/map_common.hpp"

namespace decade {
namespace {

constexpr size_t kHeaderBytes = 4096;

size_t block_bytes(const MapDef& def) {
  return (size_t{def.max_entries} * round_up8(def.value_size) + 4095) & ~size_t{4095};
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
  return ok();
}

Result<std::unique_ptr<Map>> map_block(const MapDef& def, int fd, const std::string& path) {
  const size_t bytes = block_bytes(def);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, kHeaderBytes);
  if (p == MAP_FAILED) return std::unexpected(io_error(path, "mmap"));
  return make_array_map_over(def, static_cast<uint8_t*>(p), bytes);
}

// A new pin: header and zeroed block, the initial value (global data)
// written before the file gets its final name, so no reader sees it half made.
Status create_pin(const MapDef& def, const std::string& path) {
  const std::string tmp = fmt::format("{}.{}.tmp", path, getpid());
  Fd f{open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (f.fd < 0) return std::unexpected(io_error(tmp, "create"));
  PinHeader h{};
  std::memcpy(h.magic, kPinMagic, sizeof h.magic);
  h.type = static_cast<uint32_t>(def.type);
  h.key_size = def.key_size;
  h.value_size = def.value_size;
  h.max_entries = def.max_entries;
  h.map_flags = def.map_flags;
  std::strncpy(h.name, def.name.c_str(), sizeof h.name - 1);
  const size_t stride = round_up8(def.value_size);
  std::vector<uint8_t> image(kHeaderBytes + block_bytes(def));
  std::memcpy(image.data(), &h, sizeof h);
  for (size_t off = 0, i = 0; off < def.initial_value.size(); ++i) {  // global data: one value
    const size_t n = std::min<size_t>(def.value_size, def.initial_value.size() - off);
    std::memcpy(image.data() + kHeaderBytes + i * stride, def.initial_value.data() + off, n);
    off += n;
  }
  if (write(f.fd, image.data(), image.size()) != static_cast<ssize_t>(image.size())) {
    unlink(tmp.c_str());
    return std::unexpected(io_error(tmp, "write"));
  }
  // link() fails when another process pinned the map meanwhile: its pin wins.
  if (link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    unlink(tmp.c_str());
    return std::unexpected(io_error(path, "link"));
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

Result<std::unique_ptr<Map>> open_pinned_map(const MapDef& def, const std::string& path) {
  if (def.type != MapType::Array)
    return make_error(ErrorCode::MapBadType, fmt::format("map '{}': {} maps cannot be pinned (array maps can)", def.name,
                                                         map_type_name(static_cast<uint32_t>(def.type))));
  if (access(path.c_str(), F_OK) != 0) {
    if (auto s = create_pin(def, path); !s) return std::unexpected(s.error());
  }
  Fd f{open(path.c_str(), O_RDWR | O_CLOEXEC)};
  if (f.fd < 0) return std::unexpected(io_error(path, "open"));
  auto h = read_header(f.fd, path);
  if (!h) return std::unexpected(h.error());
  if (auto s = check_matches(*h, def, path); !s) return std::unexpected(s.error());
  struct stat st{};
  if (fstat(f.fd, &st) != 0 || static_cast<size_t>(st.st_size) < kHeaderBytes + block_bytes(def))
    return make_error(ErrorCode::InvalidArgument, fmt::format("pinned map '{}' is shorter than its header says", path));
  return map_block(def, f.fd, path);
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
  if (def.type != MapType::Array)
    return make_error(ErrorCode::MapBadType, fmt::format("pinned map '{}' is a {}", path, map_type_name(h->type)));
  if (header) *header = *h;
  return map_block(def, f.fd, path);
}

}  // namespace decade
