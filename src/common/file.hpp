// SPDX-License-Identifier: Apache-2.0
// Reading a whole file (objects, BTF, program input, assembly text) with an
// upper bound, so a device such as /dev/zero or a huge file gives an error
// instead of exhausting memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "decade/error.hpp"

namespace decade {

// 256 MiB: far above any BPF object, BTF blob or test-run input.
inline constexpr uint64_t kMaxFileBytes = uint64_t{256} << 20;

// The file's bytes. IoError when it cannot be opened or read, is a
// directory, or holds more than `max` bytes.
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, uint64_t max = kMaxFileBytes);
// The same for an open descriptor (standard input: 0), read to its end;
// `name` is for messages.
Result<std::vector<uint8_t>> read_fd_bytes(int fd, const std::string& name, uint64_t max = kMaxFileBytes);

}  // namespace decade
