// SPDX-License-Identifier: Apache-2.0
#include "verdicts.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

namespace decade::selftests {
namespace {

constexpr int kDecadeTimeoutSeconds = 120;

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Ran {
  int status = -1;  // exit status, or 128 + signal
  std::string output;
};

// Runs a shell command and returns its combined stdout (and whatever the
// command redirects there) with its exit status.
Ran run(const std::string& command) {
  Ran r;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return r;
}

const char* flag_options(uint32_t prog_flags) {
  return (prog_flags & 1u) && !(prog_flags & 2u) ? " --strict-alignment" : "";  // BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT
}

}  // namespace

Verdict decade_verdict(const std::string& decade, const std::string& obj, const std::string& name, bool unpriv,
                       uint32_t prog_flags) {
  // The privileged reference is root, who may read kernel memory with
  // bpf_probe_read*; Decade's equivalent is the read-host-memory grant, so
  // tracing programs are verified with it (CAP_PERFMON, which the
  // unprivileged runs drop).
  Ran r = run(fmt::format("timeout {} {} verify {} --prog {} {}{} 2>&1", kDecadeTimeoutSeconds, quoted(decade), quoted(obj),
                          quoted(name), unpriv ? "--unpriv" : "--grant read-host-memory", flag_options(prog_flags)));
  static const std::regex code(R"(error (E\d+ \w+))");
  std::smatch m;
  std::string reason = std::regex_search(r.output, m, code) ? m[1].str() : std::string();
  switch (r.status) {
    case 0: return {Outcome::Accept, ""};
    case 1: return {Outcome::Reject, reason.empty() ? "rejected, no code" : reason};
    case 2: return {Outcome::None, reason.empty() ? "exit 2, no code" : reason};
    case 124: return {Outcome::None, "timeout"};
    default: return {Outcome::None, fmt::format("exit {}", r.status)};
  }
}

std::string decade_verbose_output(const std::string& decade, const std::string& obj, const std::string& name,
                                  uint32_t prog_flags) {
  return run(fmt::format("timeout {} {} verify -v {} --prog {} --grant read-host-memory{} 2>&1", kDecadeTimeoutSeconds,
                         quoted(decade), quoted(obj), quoted(name), flag_options(prog_flags)))
      .output;
}

std::vector<Verdict> kernel_verdicts(const std::string& helper, const std::string& obj,
                                     const std::vector<const TestSpec*>& tests,
                                     const std::vector<std::string>& auxiliaries, bool unpriv) {
  char path[] = "/tmp/decade-selftests-XXXXXX";
  int fd = mkstemp(path);
  std::vector<Verdict> out(tests.size(), Verdict{Outcome::None, "kernel helper failed"});
  if (fd < 0) return out;
  close(fd);
  {
    std::ofstream req(path);
    for (const TestSpec* t : tests) {
      req << t->name << ' ' << t->prog_flags;
      for (const std::string& a : auxiliaries)
        if (a != t->name) req << ' ' << a;
      req << '\n';
    }
  }
  Ran r = run(fmt::format("{} {}{} < {} 2>/dev/null", quoted(helper), unpriv ? "--unpriv " : "", quoted(obj), path));
  unlink(path);
  std::istringstream lines(r.output);
  std::string line;
  for (size_t i = 0; i < tests.size() && std::getline(lines, line); ++i) {
    size_t a = line.find('\t'), b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos || line.substr(0, a) != tests[i]->name) break;
    std::string v = line.substr(a + 1, b - a - 1);
    out[i] = {v == "accept" ? Outcome::Accept : v == "reject" ? Outcome::Reject : Outcome::None, line.substr(b + 1)};
  }
  return out;
}

std::string kernel_refusal(const std::string& helper, bool unpriv) {
  Ran r = run(quoted(helper) + (unpriv ? " --unpriv" : "") + " --probe 2>&1");
  if (r.status == 0) return "";
  return r.output.empty() ? fmt::format("{} --probe exited {}", helper, r.status) : r.output.substr(0, r.output.find('\n'));
}

}  // namespace decade::selftests
