// SPDX-License-Identifier: Apache-2.0
#include "kernel_runner.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

namespace decade::bench {
namespace {

// Runs a shell command, returning its exit status and combined output.
int run_command(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The verifier's verdict from a failed load: the "processed N insns" line
// and the line before it (the reason), else the last line.
std::string load_failure(const std::string& log) {
  std::smatch m;
  static const std::regex too_large("BPF program is too large[^\n]*|The sequence of [0-9]+ jumps is too complex[^\n]*");
  if (std::regex_search(log, m, too_large)) return "kernel verifier: " + m.str();
  static const std::regex processed("processed [0-9]+ insns[^\n]*");
  if (std::regex_search(log, m, processed)) return "kernel verifier rejected it (" + m.str() + ")";
  size_t end = log.find_last_not_of('\n');
  size_t start = log.rfind('\n', end == std::string::npos ? 0 : end);
  return "bpftool: " + log.substr(start == std::string::npos ? 0 : start + 1);
}

}  // namespace

std::string kernel_unavailable_reason() {
  if (::geteuid() != 0) return "not root (bpf() needs CAP_BPF)";
  struct stat st{};
  if (::stat("/sys/fs/bpf", &st) != 0) return "no /sys/fs/bpf";
  std::string out;
  if (run_command("bpftool version", out) != 0) return "no bpftool";
  return {};
}

KernelRun run_in_kernel(const std::string& obj, const std::string& name, const std::string& data_file,
                        uint32_t repeat) {
  KernelRun r;
  const std::string pin = "/sys/fs/bpf/decade_bench_" + std::to_string(::getpid()) + "_" + name;
  std::string out;
  ::unlink(pin.c_str());
  if (run_command("bpftool prog load " + quote(obj) + " " + quote(pin) + " type xdp", out) != 0) {
    r.error = load_failure(out);
    return r;
  }
  int rc = run_command("bpftool prog run pinned " + quote(pin) + " data_in " + quote(data_file) + " repeat " +
                           std::to_string(repeat),
                       out);
  ::unlink(pin.c_str());
  std::smatch m;
  static const std::regex result("Return value: ([0-9]+), duration[^:]*: ([0-9]+)ns");
  if (rc != 0 || !std::regex_search(out, m, result)) {
    r.error = "bpftool prog run: " + out.substr(0, out.find('\n'));
    return r;
  }
  r.ok = true;
  r.retval = std::stoull(m[1].str());
  r.ns = std::stod(m[2].str());
  return r;
}

}  // namespace decade::bench
