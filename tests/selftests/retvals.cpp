// SPDX-License-Identifier: Apache-2.0
#include "retvals.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <thread>

#include <fmt/format.h>

namespace decade::selftests {
namespace {

constexpr int kRunTimeoutSeconds = 60;
constexpr size_t kTestDataLen = 64;  // bpf_misc.h's TEST_DATA_LEN
constexpr const char* kEngines[2] = {"interp", "jit"};
constexpr size_t kExamplesPerGroup = 6;

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// __retval's text as test_loader.c's parse_retval reads it; nullopt for
// POINTER_VALUE (any result).
std::optional<int32_t> expected(const std::string& text) {
  if (text == "POINTER_VALUE") return std::nullopt;
  if (text == "INT_MIN") return INT_MIN;
  if (text == "TEST_DATA_LEN") return static_cast<int32_t>(kTestDataLen);
  return static_cast<int32_t>(std::strtoll(text.c_str(), nullptr, 0));
}

// The maps the selftests' runner (prog_tests/verifier.c, run_tests_aux with
// an init callback) fills before it runs a file's programs: element 0 of
// the named array becomes a `struct test_val` (u32 index, int foo[11])
// with index (6 + 1) * sizeof(int) and foo[6] = 0xabcdef12.
constexpr std::pair<const char*, const char*> kInitialisedMaps[] = {
    {"verifier_array_access", "map_array_ro"},
    {"verifier_value_ptr_arith", "map_array_48b"},
};

// `decade run --map-init` lines for `file`'s maps; "" when it has none.
std::string map_init_text(const std::string& file) {
  for (const auto& [f, map] : kInitialisedMaps) {
    if (file != f) continue;
    uint8_t value[48] = {};
    const uint32_t index = (6 + 1) * sizeof(int32_t), foo6 = 0xabcdef12;
    std::memcpy(value, &index, sizeof index);
    std::memcpy(value + 4 + 6 * sizeof(int32_t), &foo6, sizeof foo6);
    std::string hex;
    for (uint8_t b : value) hex += fmt::format("{}{:02x}", hex.empty() ? "" : " ", b);
    return fmt::format("{{\"map\": \"{}\", \"key\": \"00 00 00 00\", \"value\": \"{}\"}}\n", map, hex);
  }
  return {};
}

// "" when the run returned what the annotation says, else why not.
// `inits` holds each file's map-init path (absent: nothing to fill).
std::string run_one(const std::string& decade, const RetvalRow& r, const char* engine, const std::string& data,
                    const std::map<std::string, std::string>& inits) {
  // Types whose test run takes a context and no packet: the kernel's
  // BPF_PROG_TEST_RUN ignores the loader's data_in for them, `decade run`
  // refuses --data.
  bool ctx_only = false;
  for (const char* prefix : {"syscall", "fentry", "fexit", "fmod_ret", "tp_btf", "raw_tp", "raw_tracepoint", "lsm", "iter"})
    ctx_only = ctx_only || r.row->spec.section.starts_with(prefix);
  const auto init = inits.find(r.row->file);
  // The kernel's loader has no per-map or per-object memory limit; Decade's
  // defaults (1 GiB, 4 GiB) would refuse the largest arena (4 GiB).
  const std::string cmd = fmt::format("timeout {} {} run {} --prog {} --engine {} --map-memory 8G --object-map-memory 8G{}{} 2>&1",
                                      kRunTimeoutSeconds, quoted(decade), quoted(r.path), quoted(r.row->spec.name), engine,
                                      ctx_only ? "" : " --data " + quoted(data),
                                      init == inits.end() ? "" : " --map-init " + quoted(init->second));
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "popen failed";
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int st = pclose(p);
  static const std::regex ret(R"(retval: (\d+))"), code(R"(error (E\d+ \w+))");
  std::smatch m;
  if (std::regex_search(out, m, ret)) {
    const auto got = static_cast<int32_t>(static_cast<uint32_t>(std::stoull(m[1].str())));
    const auto want = expected(*r.row->spec.retval);
    if (!want || got == *want) return "";
    return fmt::format("returned {}, not {}", got, *want);
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 124) return "timeout";
  if (std::regex_search(out, m, code)) return m[1].str();
  return out.substr(0, out.find('\n')).substr(0, 100);
}

}  // namespace

std::vector<RetvalRow> run_retvals(const std::string& decade, const std::vector<Row>& rows,
                                   const std::vector<std::string>& paths, unsigned jobs) {
  std::vector<RetvalRow> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (r.spec.retval && r.spec.privileged && !r.spec.expect_failure && r.decade.outcome == Outcome::Accept)
      out.push_back(RetvalRow{&r, paths[i], {}});
  }
  const std::string data = fmt::format("/tmp/decade-selftests-data-{}", getpid());
  std::ofstream(data, std::ios::binary) << std::string(kTestDataLen, '\0');
  std::map<std::string, std::string> inits;
  for (const RetvalRow& r : out)
    if (!inits.contains(r.row->file))
      if (const std::string text = map_init_text(r.row->file); !text.empty()) {
        const std::string path = fmt::format("/tmp/decade-selftests-init-{}-{}.jsonl", getpid(), r.row->file);
        std::ofstream(path) << text;
        inits.emplace(r.row->file, path);
      }
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < out.size();)
        for (int e = 0; e < 2; ++e) out[i].outcome[e] = run_one(decade, out[i], kEngines[e], data, inits);
    });
  for (auto& w : workers) w.join();
  std::remove(data.c_str());
  for (const auto& [file, path] : inits) std::remove(path.c_str());
  return out;
}

size_t print_retvals(std::FILE* out, const std::vector<RetvalRow>& results, bool list_all) {
  size_t ok[2] = {0, 0}, failed = 0;
  std::map<std::string, std::vector<std::string>> by_reason;
  for (const RetvalRow& r : results)
    for (int e = 0; e < 2; ++e) {
      if (r.outcome[e].empty()) {
        ++ok[e];
        continue;
      }
      ++failed;
      std::string reason = std::regex_replace(r.outcome[e], std::regex(R"(-?\d+)"), "N");
      by_reason[fmt::format("{}: {}", kEngines[e], reason)].push_back(
          fmt::format("{}:{} ({})", r.row->file, r.row->spec.name, r.outcome[e]));
    }
  std::fprintf(out, "Return values (__retval tests Decade accepts, run with 64 zero bytes of data):\n\n"
                    "| programs | interp returns N | jit returns N |\n|---|---|---|\n| %zu | %zu | %zu |\n\n",
               results.size(), ok[0], ok[1]);
  if (by_reason.empty()) return 0;
  std::fprintf(out, "```\n");
  for (const auto& [why, items] : by_reason) {
    std::fprintf(out, "%s (%zu):\n", why.c_str(), items.size());
    for (size_t i = 0; i < items.size() && (list_all || i < kExamplesPerGroup); ++i) std::fprintf(out, "    %s\n", items[i].c_str());
    if (!list_all && items.size() > kExamplesPerGroup) std::fprintf(out, "    ... %zu more\n", items.size() - kExamplesPerGroup);
  }
  std::fprintf(out, "```\n");
  return failed;
}

}  // namespace decade::selftests
