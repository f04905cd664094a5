// SPDX-License-Identifier: Apache-2.0
// Runs the BPF conformance suite's .data files (../shared/conformance,
// FORMAT.md) through an engine in process, or through a plugin executable
// speaking the official runner protocol (FORMAT.md section 4). A file with
// Decade's `-- stack-size` section runs verified (the raw program type, that
// stack size); the plugin gets it as `--stack-size N`.
//
//   conformance_runner --engine interp|jit --dir DIR [--plugin PATH] [--match STR]... [--allow-failures]
//   conformance_runner --list-engines
// --match keeps only files whose name contains one of the strings.
//
// One line per file (PASS / FAIL / ERROR / SKIP), then `N passed, M failed`
// as the last line. Exit status 0 when nothing failed (or --allow-failures).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "asm/asm.hpp"
#include "interp/interp.hpp"
#include "jit/jit.hpp"
#include "isa/decode.hpp"
#include "runtime/platform.hpp"
#include "verifier/verifier.hpp"

namespace {

using namespace decade;

// The engine table: adding an engine is one row.
struct Engine {
  const char* name;
  bool (*available)();
  Result<std::unique_ptr<Executable>> (*compile_checked)(Program, ProgramEnv);
  Result<std::unique_ptr<Executable>> (*compile)(std::shared_ptr<const VerifiedProgram>, ProgramEnv);
};
const Engine kEngines[] = {
    {"interp", [] { return true; }, [](Program p, ProgramEnv e) { return interp::compile_checked(std::move(p), std::move(e)); },
     [](std::shared_ptr<const VerifiedProgram> p, ProgramEnv e) { return interp::compile(std::move(p), std::move(e)); }},
    {"jit", [] { return jit::available(); }, [](Program p, ProgramEnv e) { return jit::compile_checked(std::move(p), std::move(e)); },
     [](std::shared_ptr<const VerifiedProgram> p, ProgramEnv e) { return jit::compile(std::move(p), std::move(e)); }},
};

const Engine* find_engine(const std::string& name) {
  for (const Engine& e : kEngines)
    if (name == e.name && e.available()) return &e;
  return nullptr;
}

struct Outcome {
  enum Kind { Pass, Fail, Error, Skip } kind;
  std::string detail;
};

std::string hex_bytes(const uint8_t* p, size_t n) {
  std::string s;
  char buf[8];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x  ", p[i]);
    s += buf;
  }
  return s;
}

// Runs PLUGIN [MEM] with the program's hex on stdin; true with r0 on success.
bool run_plugin(const std::string& plugin, const DataFile& df, uint64_t* r0, std::string* err) {
  const std::string program = hex_bytes(reinterpret_cast<const uint8_t*>(df.code.data()), df.code.size() * 8) + "\n";
  const std::string mem = hex_bytes(df.mem.data(), df.mem.size());
  const std::string stack_size = df.stack_size ? std::to_string(*df.stack_size) : "";
  int in[2], out[2];
  if (pipe(in) != 0 || pipe(out) != 0) {
    *err = "pipe failed";
    return false;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    close(in[1]);
    close(out[0]);
    std::vector<char*> argv{const_cast<char*>(plugin.c_str())};
    if (!df.mem.empty()) argv.push_back(const_cast<char*>(mem.c_str()));
    if (df.stack_size) {  // Decade's plugin verifies such files (`-- stack-size`)
      argv.push_back(const_cast<char*>("--stack-size"));
      argv.push_back(const_cast<char*>(stack_size.c_str()));
    }
    argv.push_back(nullptr);
    execv(plugin.c_str(), argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  size_t done = 0;
  while (done < program.size()) {
    const ssize_t w = write(in[1], program.data() + done, program.size() - done);
    if (w <= 0) break;
    done += static_cast<size_t>(w);
  }
  close(in[1]);
  std::string text;
  char buf[256];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *err = WIFSIGNALED(status) ? "plugin killed by signal " + std::to_string(WTERMSIG(status))
                               : "plugin exit status " + std::to_string(WEXITSTATUS(status));
    return false;
  }
  try {
    *r0 = std::stoull(text, nullptr, 16);
  } catch (...) {
    *err = "plugin printed no number";
    return false;
  }
  return true;
}

bool run_engine(const Engine& engine, const Platform& platform, const DataFile& df, uint64_t* r0, std::string* err) {
  auto prog = decode(std::span<const RawInsn>(df.code));
  if (!prog) {
    *err = prog.error().to_string();
    return false;
  }
  ProgramEnv env;
  env.platform = &platform;
  Result<std::unique_ptr<Executable>> exe = std::unexpected(Error{});
  if (df.stack_size) {  // `-- stack-size`: verified as the raw program type with that stack
    VerifyInput in;
    in.program = &*prog;
    in.platform = &platform;
    in.type = platform.program_type("raw");
    VerifyOptions vo;
    vo.max_stack = *df.stack_size;
    auto vr = verify(in, vo);
    if (!vr) {
      *err = vr.error().to_string();
      return false;
    }
    exe = engine.compile(vr->program, std::move(env));
  } else {
    exe = engine.compile_checked(std::move(*prog), std::move(env));
  }
  if (!exe) {
    *err = exe.error().to_string();
    return false;
  }
  std::vector<uint64_t> words(df.mem.size() / 8 + 1, 0);  // writable, 8-byte aligned copy
  auto* mem = reinterpret_cast<uint8_t*>(words.data());
  if (!df.mem.empty()) std::memcpy(mem, df.mem.data(), df.mem.size());
  RunRequest req;
  req.r1 = df.mem.empty() ? 0 : reinterpret_cast<uint64_t>(mem);
  req.r2 = df.mem.size();
  if (!df.mem.empty()) req.regions.push_back({reinterpret_cast<uintptr_t>(mem), df.mem.size(), true});
  auto r = (*exe)->run(req);
  if (!r) {
    *err = r.error().to_string();
    return false;
  }
  *r0 = *r;
  return true;
}

Outcome run_file(const std::filesystem::path& path, const Engine* engine, const std::string& plugin,
                 const Platform& platform) {
  std::ifstream f(path, std::ios::binary);
  const std::string text(std::istreambuf_iterator<char>(f), {});
  auto df = parse_data_file(text);
  if (!df) return {Outcome::Error, "parse: " + df.error().to_string()};
  if (df->skip || (!df->result && !df->error) || df->code.empty()) return {Outcome::Skip, ""};
  uint64_t r0 = 0;
  std::string err;
  const bool ok = plugin.empty() ? run_engine(*engine, platform, *df, &r0, &err) : run_plugin(plugin, *df, &r0, &err);
  if (df->error) {  // an expected error: any clean error passes (messages are engine-specific)
    if (!ok) return {Outcome::Pass, "error: " + err};
    return {Outcome::Fail, "expected an error, got r0 = " + std::to_string(r0)};
  }
  if (!ok) return {Outcome::Error, err};
  if (r0 != *df->result) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "r0 = %#llx, expected %#llx", static_cast<unsigned long long>(r0),
                  static_cast<unsigned long long>(*df->result));
    return {Outcome::Fail, buf};
  }
  return {Outcome::Pass, ""};
}

int usage() {
  std::fprintf(stderr,
               "usage: conformance_runner --engine interp|jit --dir DIR [--plugin PATH] [--match STR]...\n"
               "                          [--allow-failures]\n"
               "       conformance_runner --list-engines\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string engine_name = "interp", dir, plugin, match;
  std::vector<std::string> matches;
  bool allow_failures = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (a == "--list-engines") {
      for (const Engine& e : kEngines)
        if (e.available()) std::printf("%s\n", e.name);
      return 0;
    }
    if (a == "--allow-failures") {
      allow_failures = true;
    } else if (!((a == "--engine" && value(engine_name)) || (a == "--dir" && value(dir)) ||
                 (a == "--plugin" && value(plugin)) || (a == "--match" && value(match)))) {
      return usage();
    }
    if (a == "--match") matches.push_back(match);
  }
  if (dir.empty()) return usage();
  const Engine* engine = find_engine(engine_name);
  if (!engine && plugin.empty()) {
    std::fprintf(stderr, "conformance_runner: engine '%s' is not available\n", engine_name.c_str());
    return 2;
  }
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".data" &&
        (matches.empty() || std::any_of(matches.begin(), matches.end(), [&](const std::string& m) {
          return e.path().filename().string().find(m) != std::string::npos;
        })))
      files.push_back(e.path());
  if (ec) {
    std::fprintf(stderr, "conformance_runner: cannot read %s: %s\n", dir.c_str(), ec.message().c_str());
    return 2;
  }
  std::sort(files.begin(), files.end());
  const Platform platform = Platform::standard();
  int passed = 0, failed = 0;
  static const char* const kNames[] = {"PASS", "FAIL", "ERROR", "SKIP"};
  for (const auto& p : files) {
    const Outcome o = run_file(p, engine, plugin, platform);
    std::printf("%s: %s%s%s\n", kNames[o.kind], p.filename().c_str(), o.detail.empty() ? "" : ": ", o.detail.c_str());
    if (o.kind == Outcome::Pass) ++passed;
    if (o.kind == Outcome::Fail || o.kind == Outcome::Error) ++failed;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 || allow_failures ? 0 : 1;
}
