// SPDX-License-Identifier: Apache-2.0
// The kernel side of bench_maps' in-program map operations: loads
// bench/map_progs/map_ops.bpf.o into the running kernel with libbpf, fills
// its maps with keys 0..1023, and runs its XDP programs with
// BPF_PROG_TEST_RUN (repeat N) from the calling thread, so the same object
// is measured under the kernel's JIT and under Decade's.
#pragma once

#include <cstdint>
#include <span>
#include <string>

struct bpf_object;

namespace decade::bench {

class KernelMapProgs {
 public:
  // The object loaded once per process; nullptr with *why set when the
  // kernel refuses it (no bpf(), not root, verifier rejection, ...).
  static KernelMapProgs* get(const std::string& path, std::string* why);

  // Program fd by name, -1 when absent.
  int prog_fd(const std::string& name) const;
  // Runs the program `repeat` times over `packet` on this thread; false with
  // *why on failure. *retval is the last run's return value, *ns the mean
  // duration of one run as the kernel measured it.
  bool run(int fd, std::span<const uint8_t> packet, uint32_t repeat, uint32_t* retval, uint64_t* ns,
           std::string* why) const;

 private:
  KernelMapProgs() = default;
  ::bpf_object* obj_ = nullptr;
};

}  // namespace decade::bench
