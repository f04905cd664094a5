// SPDX-License-Identifier: Apache-2.0
// The kernel's BPF_PROG_TEST_RUN on the programs of a test object, through
// bpftool: the object's programs are pinned in bpffs for the fixture's
// life, and each run gives the return value and the packet after.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "api_test_util.hpp"

namespace decade::test {

struct KernelRun {
  int64_t retval = 0;
  std::vector<uint8_t> data_out;
};

// The object's programs pinned in bpffs by bpftool; empty when bpftool or
// bpf() is unavailable (the comparison is then skipped).
class KernelPins {
 public:
  // `object`: relative to the build's bpf/ directory (test::obj).
  explicit KernelPins(const std::string& object)
      : dir_("/sys/fs/bpf/decade_" + std::filesystem::path(object).stem().stem().string() + "_" + std::to_string(getpid())) {
    const std::string cmd = "bpftool prog loadall " + obj(object) + " " + dir_ + " >/dev/null 2>&1";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  ~KernelPins() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool ok() const { return ok_; }
  std::optional<KernelRun> run(const char* prog, const std::vector<uint8_t>& in) const {
    const std::string base = (std::filesystem::temp_directory_path() / dir_.substr(dir_.rfind('/') + 1)).string();
    {
      std::ofstream f(base + ".in", std::ios::binary);
      f.write(reinterpret_cast<const char*>(in.data()), static_cast<std::streamsize>(in.size()));
    }
    const std::string cmd = "bpftool prog run pinned " + dir_ + "/" + prog + " data_in " + base + ".in data_out " +
                            base + ".out 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return std::nullopt;
    char line[256];
    std::optional<KernelRun> out;
    while (std::fgets(line, sizeof line, p)) {
      long long v = 0;
      if (std::sscanf(line, "Return value: %lld", &v) == 1) out = KernelRun{v, {}};
    }
    pclose(p);
    if (out) out->data_out = read_bytes(base + ".out");
    std::error_code ec;
    std::filesystem::remove(base + ".in", ec);
    std::filesystem::remove(base + ".out", ec);
    return out;
  }

 private:
  std::string dir_;
  bool ok_ = false;
};

}  // namespace decade::test
