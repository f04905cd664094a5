// SPDX-License-Identifier: Apache-2.0
#include "kernel_maps.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

namespace decade::bench {
namespace {

constexpr uint32_t kKeys = 1024;

// Keys 0..1023 with value 1 (per-CPU maps: on every CPU).
bool fill(::bpf_object* obj, std::string* why) {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    *why = "libbpf_num_possible_cpus failed";
    return false;
  }
  struct bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    const bool percpu = bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_HASH ||
                        bpf_map__type(map) == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
                        bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
    std::vector<uint64_t> value(percpu ? static_cast<size_t>(cpus) : 1, 1);
    for (uint32_t k = 0; k < kKeys; ++k) {
      if (bpf_map_update_elem(bpf_map__fd(map), &k, value.data(), BPF_ANY) != 0) {
        *why = std::string("filling ") + bpf_map__name(map) + ": " + std::strerror(errno);
        return false;
      }
    }
  }
  return true;
}

}  // namespace

KernelMapProgs* KernelMapProgs::get(const std::string& path, std::string* why) {
  static std::once_flag once;
  static KernelMapProgs* progs = nullptr;
  static std::string reason;
  std::call_once(once, [&path] {
    libbpf_set_print(nullptr);  // the reason below says what failed
    ::bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
    if (!obj) {
      reason = "opening " + path + ": " + std::strerror(errno);
      return;
    }
    if (int err = bpf_object__load(obj); err != 0) {
      reason = std::string("the kernel refused map_ops.bpf.o: ") + std::strerror(-err);
      bpf_object__close(obj);
      return;
    }
    if (!fill(obj, &reason)) {
      bpf_object__close(obj);
      return;
    }
    progs = new KernelMapProgs();  // lives for the process, like the loaded programs
    progs->obj_ = obj;
  });
  if (!progs) *why = reason;
  return progs;
}

int KernelMapProgs::prog_fd(const std::string& name) const {
  struct bpf_program* p = bpf_object__find_program_by_name(obj_, name.c_str());
  return p ? bpf_program__fd(p) : -1;
}

bool KernelMapProgs::run(int fd, std::span<const uint8_t> packet, uint32_t repeat, uint32_t* retval, uint64_t* ns,
                         std::string* why) const {
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = packet.data();
  opts.data_size_in = static_cast<uint32_t>(packet.size());
  opts.repeat = repeat;
  if (bpf_prog_test_run_opts(fd, &opts) != 0) {
    *why = std::string("BPF_PROG_TEST_RUN: ") + std::strerror(errno);
    return false;
  }
  *retval = opts.retval;
  *ns = opts.duration;
  return true;
}

}  // namespace decade::bench
