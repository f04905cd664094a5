// SPDX-License-Identifier: Apache-2.0
#include "corpus_kernel.hpp"

#include <unistd.h>

#ifndef DECADE_CORPUS_NO_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

#include <cstring>

namespace decade::corpus {

#ifdef DECADE_CORPUS_NO_LIBBPF

Kernel::Kernel() : why_("built without libbpf") {}
KernelProgram Kernel::load(const std::string&, const std::string&, const std::string&, const std::vector<Fill>&) const {
  return {};
}
KernelRun Kernel::run(const KernelProgram&, const std::vector<uint8_t>&) const { return {}; }

#else

namespace {

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

// The verifier log's last line: the reason it gave.
std::string last_line(std::string log) {
  while (!log.empty() && (log.back() == '\n' || log.back() == ' ' || log.back() == '\0')) log.pop_back();
  const auto nl = log.rfind('\n');
  return nl == std::string::npos ? log : log.substr(nl + 1);
}

// Maps the projects' loaders size (declared without max_entries) get one
// entry per possible CPU, as on Decade's side; pins are not shared.
void prepare_maps(bpf_object* obj) {
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    bpf_map__set_pin_path(map, nullptr);
    if (bpf_map__max_entries(map) == 0 && bpf_map__type(map) != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
      bpf_map__set_max_entries(map, possible_cpus());
  }
}

std::string fill(bpf_object* obj, const std::vector<Fill>& fills) {
  for (const Fill& f : fills) {
    bpf_map* map = bpf_object__find_map_by_name(obj, f.map);
    if (!map) continue;  // the object has some of the tables only, as on Decade's side
    const uint32_t slot = (bpf_map__value_size(map) + 7) / 8 * 8;
    const auto value = f.percpu ? per_cpu(f.value, slot * static_cast<uint32_t>(libbpf_num_possible_cpus())) : f.value;
    if (bpf_map__update_elem(map, f.key.data(), f.key.size(), value.data(), value.size(), 0) != 0)
      return std::string("fill ") + f.map + ": " + std::strerror(errno);
  }
  return {};
}

}  // namespace

Kernel::Kernel() {
  libbpf_set_print(quiet);
  if (geteuid() != 0) {
    why_ = "not root: no bpf()";
  } else if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, nullptr) != 1) {
    why_ = "the kernel refuses bpf() here (no BPF support, or a seccomp filter)";
  }
}

KernelProgram Kernel::load(const std::string& path, const std::string& program, const std::string& default_type,
                           const std::vector<Fill>& fills) const {
  KernelProgram out;
  bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
  if (!obj) {
    out.error = "open: " + std::string(std::strerror(errno));
    return out;
  }
  out.object = std::shared_ptr<void>(obj, [](void* o) { bpf_object__close(static_cast<bpf_object*>(o)); });
  bpf_program* mine = nullptr;
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    const bool it = program == bpf_program__name(prog);
    bpf_program__set_autoload(prog, it);
    if (it) mine = prog;
  }
  if (!mine) {
    out.error = "no program " + program;
    return out;
  }
  if (bpf_program__type(mine) == BPF_PROG_TYPE_UNSPEC && !default_type.empty()) {
    bpf_prog_type t;
    bpf_attach_type a;
    if (libbpf_prog_type_by_name(default_type.c_str(), &t, &a) == 0) {
      bpf_program__set_type(mine, t);
      bpf_program__set_expected_attach_type(mine, a);
    }
  }
  prepare_maps(obj);
  std::string log(1 << 20, '\0');
  bpf_program__set_log_buf(mine, log.data(), log.size());
  if (int err = bpf_object__load(obj); err != 0) {
    out.error = std::string(std::strerror(-err)) + ": " + last_line(log.c_str());
    return out;
  }
  if (std::string e = fill(obj, fills); !e.empty()) {
    out.error = e;
    return out;
  }
  out.loaded = true;
  out.fd = bpf_program__fd(mine);
  return out;
}

KernelRun Kernel::run(const KernelProgram& p, const std::vector<uint8_t>& packet) const {
  KernelRun out;
  std::vector<uint8_t> data_out(packet.size() + 4096);
  LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = packet.data(), .data_out = data_out.data(),
              .data_size_in = static_cast<uint32_t>(packet.size()), .data_size_out = static_cast<uint32_t>(data_out.size()),
              .repeat = 1);
  if (bpf_prog_test_run_opts(p.fd, &o) != 0) return out;
  out.ran = true;
  out.retval = o.retval;
  data_out.resize(o.data_size_out);
  out.data_out = std::move(data_out);
  return out;
}

#endif

}  // namespace decade::corpus
