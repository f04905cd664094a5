// SPDX-License-Identifier: Apache-2.0
// Running the `decade` command from tests: output (stdout and stderr
// together), exit code, and paths of the built BPF objects and sources.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

struct Out {
  int code = -1;
  std::string out;  // stdout and stderr together
};

inline Out decade(const std::string& args) {
  const std::string cmd = std::string(DECADE_BINARY_DIR) + "/decade " + args + " 2>&1";
  Out r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline std::string obj(const std::string& rel) { return std::string(DECADE_BINARY_DIR) + "/bpf/" + rel; }
inline std::string src(const std::string& rel) { return std::string(DECADE_SOURCE_DIR) + "/" + rel; }

// Per process: ctest runs each test as its own process, two at a time,
// and tests that write the same name must not read each other's bytes.
inline std::string temp_file(const std::string& name, const std::string& bytes) {
  const std::string path = std::string(DECADE_BINARY_DIR) + "/cli_test_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace
