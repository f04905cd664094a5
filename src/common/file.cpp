// SPDX-License-Identifier: Apache-2.0
#include "common/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace decade {

Result<std::vector<uint8_t>> read_fd_bytes(int fd, const std::string& name, uint64_t max) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return make_error(ErrorCode::IoError, "cannot stat " + name + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return make_error(ErrorCode::IoError, name + " is a directory");
  const auto too_big = [&] {
    return make_error(ErrorCode::IoError, name + " holds more than " + std::to_string(max) + " bytes");
  };
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max) return too_big();
  std::vector<uint8_t> out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<size_t>(st.st_size));
  uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::IoError, "cannot read " + name + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    if (out.size() + static_cast<uint64_t>(n) > max) return too_big();
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, uint64_t max) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::IoError, "cannot open " + path + ": " + std::strerror(errno));
  auto bytes = read_fd_bytes(fd, path, max);
  ::close(fd);
  return bytes;
}

}  // namespace decade
