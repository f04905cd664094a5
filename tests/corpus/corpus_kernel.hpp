// SPDX-License-Identifier: Apache-2.0
// The kernel's side of the corpus test: one program of an object loaded
// into the running kernel through libbpf (the object's other programs not
// loaded, maps sized and filled as on Decade's side), and run with
// BPF_PROG_TEST_RUN. Unavailable (and the comparison skipped, saying why)
// without root, without bpf(), or in a build without libbpf.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "corpus_packets.hpp"

namespace decade::corpus {

struct KernelProgram {
  bool loaded = false;
  std::string error;                // why the kernel refused it
  std::shared_ptr<void> object;     // the libbpf object, closed with the last copy
  int fd = -1;
};

struct KernelRun {
  bool ran = false;  // false: the kernel cannot test-run this program (e.g. an xdp devmap program)
  uint32_t retval = 0;
  std::vector<uint8_t> data_out;
};

class Kernel {
 public:
  Kernel();
  bool available() const { return why_.empty(); }
  const std::string& why_unavailable() const { return why_; }
  KernelProgram load(const std::string& path, const std::string& program, const std::string& default_type,
                     const std::vector<Fill>& fills) const;
  KernelRun run(const KernelProgram& p, const std::vector<uint8_t>& packet) const;

 private:
  std::string why_;
};

}  // namespace decade::corpus
