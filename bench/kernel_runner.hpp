// SPDX-License-Identifier: Apache-2.0
// Runs the kernel-loadable variant of a compute program (NAME.kern.o,
// SEC("xdp")) under the kernel's own JIT with bpftool:
//   bpftool prog load NAME.kern.o PIN type xdp
//   bpftool prog run pinned PIN data_in FILE repeat N
// and reads back the return value and the mean duration bpftool prints.
#pragma once

#include <cstdint>
#include <string>

namespace decade::bench {

struct KernelRun {
  bool ok = false;
  std::string error;    // why it did not run (no bpftool, not root, verifier rejection, ...)
  uint64_t retval = 0;  // 32 bits (XDP)
  double ns = 0;        // mean duration of one run
};

// Empty when the kernel can be used here, else the reason it cannot.
std::string kernel_unavailable_reason();

// Loads obj (program `name`), runs it `repeat` times over the bytes of
// data_file, unloads it.
KernelRun run_in_kernel(const std::string& obj, const std::string& name, const std::string& data_file,
                        uint32_t repeat);

}  // namespace decade::bench
