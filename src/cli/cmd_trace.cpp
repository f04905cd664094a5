// SPDX-License-Identifier: Apache-2.0
// `decade trace OBJ.o --pid PID` / `decade trace OBJ.o -- CMD ARGS`: runs
// every uprobe, uretprobe and usdt program of OBJ inside another process
// (docs/uprobes.md, "Out-of-process attach"; protocol in src/agent/agent.cpp).
//  1. OBJ is loaded here with every map pinned in a private directory
//     (LoadOptions::pin_maps; or --pin-maps DIR) and bpf_printk going to a
//     shared trace ring: a map that cannot be shared fails here, naming it.
//  2. The agent (libdecade_agent.so) gets into the target: by ptrace
//     (cli/inject.hpp) for --pid, by LD_PRELOAD for CMD, and connects to
//     this process's abstract unix socket; it loads OBJ over the same pins
//     and attaches the programs, or reports the first error, which is
//     printed with its code (exit 1, or 2 for malformed input).
//  3. While attached: ring buffer records ("NAME: hex bytes") and bpf_printk
//     lines ("trace: LINE") are printed as they come (polled every 10 ms).
//  4. On Ctrl-C (SIGINT, SIGTERM) the agent detaches (original code back,
//     its thread gone; the target runs on); when the target exits, nothing
//     is left to detach. Either way every map is printed as `decade map
//     dump` prints it and the private directory is removed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "cli/cli_util.hpp"
#include "cli/command.hpp"
#include "cli/inject.hpp"
#include "cli/map_print.hpp"

namespace decade::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kAttachTimeoutMs = 30'000;  // agent start, object load and attach in the target
constexpr int kDetachTimeoutMs = 10'000;
constexpr int kPollMs = 10;

struct TraceArgs {
  std::string file, engine, agent, pin_maps;
  int pid = 0;
  std::vector<std::string> cmd;
};

volatile sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

Unexpected<Error> agent_error(std::string msg) { return make_error(ErrorCode::ProbeAgentFailed, std::move(msg)); }

// The agent library: --agent, else beside this executable (build tree:
// build/lib/, installed: ../lib/).
Result<std::string> find_agent(const std::string& given) {
  std::vector<fs::path> candidates;
  if (!given.empty()) candidates.push_back(given);
  else {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec).parent_path();
    candidates = {exe / "lib/libdecade_agent.so", exe / "../lib/libdecade_agent.so"};
  }
  for (const fs::path& p : candidates) {
    std::error_code ec;
    if (fs::exists(p, ec)) return fs::canonical(p, ec).string();
  }
  return make_error(ErrorCode::ProbeInjectFailed,
                    fmt::format("agent library not found ({}); give it with --agent", candidates.front().string()));
}

// A private directory for the session's pins and trace ring, removed at the end.
struct SessionDir {
  fs::path path;
  ~SessionDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// The listening socket, in the abstract namespace (nothing in the file system).
struct Listener {
  int fd = -1;
  std::string name;
  ~Listener() {
    if (fd >= 0) close(fd);
  }
  Status open() {
    name = fmt::format("decade-trace.{}", getpid());
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    const auto len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 1) != 0)
      return make_error(ErrorCode::IoError, fmt::format("control socket: {}", std::strerror(errno)));
    return ok();
  }
};

// The agent's connection: lines in both directions, every read bounded.
class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}
  ~Channel() { close(fd_); }
  int fd() const { return fd_; }
  void send(const std::string& line) {
    const std::string s = line + "\n";
    [[maybe_unused]] ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
  }
  // Reads what is there (waiting up to timeout_ms); false at end of stream.
  bool pump(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return true;
    char chunk[512];
    const ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n > 0) buf_.append(chunk, size_t(n));
    return n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN));
  }
  // A complete line, or nullopt at end of stream; an error past the deadline.
  Result<std::optional<std::string>> read_line(int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (const size_t nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return std::optional<std::string>(std::move(line));
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return agent_error(fmt::format("the agent did not answer within {} ms", timeout_ms));
      if (!pump(int(left))) return std::optional<std::string>();
    }
  }

 private:
  int fd_;
  std::string buf_;
};

// "error CODE INSN MESSAGE" as the agent sends it.
Error parse_agent_error(const std::string& line) {
  unsigned code = 0;
  long long insn = -1;
  int used = 0;
  if (std::sscanf(line.c_str(), "error %u %lld %n", &code, &insn, &used) < 2)
    return Error{ErrorCode::ProbeAgentFailed, -1, "the agent said: " + line, {}, {}};
  return Error{static_cast<ErrorCode>(code), insn, line.substr(size_t(used)), {}, {}};
}

// Waits for the agent to connect, bounded; gives up early when `child`
// (the CMD started here, else 0) exits first.
Result<int> accept_agent(const Listener& l, pid_t child, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    pollfd p{l.fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      const int fd = accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) return fd;
    }
    int status = 0;
    if (child && waitpid(child, &status, WNOHANG) == child)
      return make_error(ErrorCode::ProbeNoProcess, fmt::format("'{}' exited before the agent started", child));
  }
  return agent_error(fmt::format("the agent did not connect within {} ms", timeout_ms));
}

// CMD with the agent preloaded; it waits in its constructor until attached.
Result<pid_t> start_command(const std::vector<std::string>& cmd, const std::string& agent, const std::string& sock) {
  const pid_t pid = fork();
  if (pid < 0) return make_error(ErrorCode::IoError, fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    std::vector<char*> argv;
    for (const std::string& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    setenv("LD_PRELOAD", agent.c_str(), 1);
    setenv("DECADE_AGENT_SOCKET", sock.c_str(), 1);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "decade: cannot run '%s': %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  return pid;
}

// Prints every ring buffer record and bpf_printk line waiting.
void drain(const BpfObject& obj, std::optional<RingBuffer>& rings) {
  if (rings) (void)rings->consume();
  for (const std::string& line : obj.drain_trace()) std::printf("trace: %s\n", line.c_str());
  std::fflush(stdout);
}

// A RingBuffer over every ring of the object; records print as "NAME: bytes".
Result<std::optional<RingBuffer>> open_rings(const BpfObject& obj) {
  std::optional<RingBuffer> rings;
  for (const std::string& name : obj.map_names()) {
    auto m = obj.map(name);
    if (!m || m->type_name() != "ringbuf") continue;
    auto print = [name](std::span<const uint8_t> rec) {
      std::string hex;
      for (uint8_t b : rec) hex += fmt::format(" {:02x}", b);
      std::printf("%s:%s\n", name.c_str(), hex.c_str());
      return 0;
    };
    if (!rings) {
      auto r = RingBuffer::create(*m, print);
      if (!r) return std::unexpected(r.error());
      rings.emplace(std::move(*r));
    } else if (auto s = rings->add(*m, print); !s) {
      return std::unexpected(s.error());
    }
  }
  return rings;
}

Result<BpfObject> load_shared(const TraceArgs& a, const fs::path& pins, const fs::path& trace) {
  auto obj = open_input(a.file);
  if (!obj) return obj;
  if (auto s = obj->grant(Grant::ReadHostMemory); !s) return std::unexpected(s.error());
  if (auto s = obj->grant(Grant::Privileged); !s) return std::unexpected(s.error());
  LoadOptions lo;
  lo.engine = a.engine;
  lo.pin_maps = pins.string();
  lo.trace_file = trace.string();
  if (auto s = obj->load(lo); !s) return std::unexpected(s.error());
  return obj;
}

// Sends the configuration and waits for "attached N".
Result<unsigned> handshake(Channel& ch, const TraceArgs& a, const std::string& object, const fs::path& pins,
                           const fs::path& trace) {
  ch.send("object " + object);
  if (!a.engine.empty()) ch.send("engine " + a.engine);
  ch.send("pins " + pins.string());
  ch.send("trace " + trace.string());
  ch.send("end");
  auto line = ch.read_line(kAttachTimeoutMs);
  if (!line) return std::unexpected(line.error());
  if (!*line) return agent_error("the agent closed the connection before attaching");
  unsigned n = 0;
  if (std::sscanf((*line)->c_str(), "attached %u", &n) == 1) return n;
  return std::unexpected(parse_agent_error(**line));
}

// While attached: prints what comes; returns true when stopped by a
// signal, false when the target went away (the connection closed).
bool follow(Channel& ch, const BpfObject& obj, std::optional<RingBuffer>& rings) {
  for (;;) {
    drain(obj, rings);
    if (g_stop) return true;
    if (!ch.pump(kPollMs)) return false;  // the agent sends nothing unasked: only the end matters here
  }
}

Status detach(Channel& ch) {
  ch.send("detach");
  auto line = ch.read_line(kDetachTimeoutMs);
  if (!line) return std::unexpected(line.error());
  if (!*line) return ok();  // the target exited meanwhile: nothing is attached
  if (**line == "detached") return ok();
  return std::unexpected(parse_agent_error(**line));
}

int trace(const TraceArgs& a) {
  if ((a.pid != 0) == !a.cmd.empty()) return report(Error{ErrorCode::InvalidArgument, -1, "give either --pid PID or -- CMD ARGS", {}, {}});
  auto agent = find_agent(a.agent);
  if (!agent) return report(agent.error(), kExitRejected);
  // One write per line: CMD shares this output, and a line of ours must not
  // be split around one of its own.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  SessionDir dir;
  char tmpl[] = "/tmp/decade-trace.XXXXXX";
  if (!mkdtemp(tmpl)) return report(Error{ErrorCode::IoError, -1, std::strerror(errno), {}, {}});
  dir.path = tmpl;
  std::error_code ec;  // the agent runs elsewhere: every path it gets is absolute
  const fs::path pins = a.pin_maps.empty() ? dir.path / "maps" : fs::absolute(a.pin_maps, ec),
                 trace_file = dir.path / "trace";
  const std::string object = fs::absolute(a.file, ec).string();
  auto obj = load_shared(a, pins, trace_file);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  auto rings = open_rings(*obj);
  if (!rings) return report(rings.error());
  Listener l;
  if (auto s = l.open(); !s) return report(s.error());
  // From here Ctrl-C ends the session in order (the agent detaches) instead of killing decade.
  struct sigaction sa{};
  sa.sa_handler = on_stop_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  pid_t child = 0;
  if (a.pid) {
    if (auto s = inject_agent(a.pid, *agent, l.name, kAttachTimeoutMs); !s) return report(s.error(), kExitRejected);
  } else {
    auto c = start_command(a.cmd, *agent, l.name);
    if (!c) return report(c.error());
    child = *c;
  }
  const pid_t target = a.pid ? a.pid : child;
  auto fd = accept_agent(l, child, kAttachTimeoutMs);
  if (!fd) return report(fd.error(), kExitRejected);
  Channel ch(*fd);
  auto attached = handshake(ch, a, object, pins, trace_file);
  if (!attached) {
    if (child) kill(child, SIGKILL), waitpid(child, nullptr, 0);
    return report(attached.error(), exit_code_for(attached.error()));
  }
  std::fprintf(stderr, "decade: %u probes attached to pid %d\n", *attached, int(target));
  const bool stopped = follow(ch, *obj, *rings);
  if (stopped) {
    if (auto s = detach(ch); !s) return report(s.error(), kExitRejected);
    std::fprintf(stderr, "decade: detached from pid %d\n", int(target));
  } else {
    int status = 0;
    if (child && waitpid(child, &status, 0) == child)
      std::fprintf(stderr, "decade: pid %d exited (%s %d)\n", int(target), WIFEXITED(status) ? "status" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    else
      std::fprintf(stderr, "decade: pid %d exited\n", int(target));
  }
  drain(*obj, *rings);
  JsonWriter w(stdout, !output_mode().json || output_mode().pretty);
  if (auto s = print_all_maps(*obj, w); !s) return report(s.error());
  return kExitOk;
}

DECADE_COMMAND("trace", "Attach an object's uprobe, uretprobe and usdt programs to a process (--pid) or a command (-- CMD)",
               [](CLI::App& sub) -> std::function<int()> {
                 auto a = std::make_shared<TraceArgs>();
                 sub.add_option("file", a->file, "ELF object with uprobe/PATH:FUNC, uretprobe/PATH:FUNC, usdt/PATH:PROV:NAME programs")
                     ->required();
                 sub.add_option("--pid", a->pid, "attach to this running process (through ptrace)")
                     ->check(CLI::Range(1, INT_MAX));
                 sub.add_option("cmd", a->cmd, "-- CMD ARGS: start CMD with the programs attached");
                 sub.add_option("--engine", a->engine, "execution engine in the target (default: jit when available)")
                     ->check(CLI::IsMember({"interp", "jit"}));
                 sub.add_option("--pin-maps", a->pin_maps,
                                "pin every map in DIR (reusing matching pins) instead of a private directory; "
                                "they stay after the session");
                 sub.add_option("--agent", a->agent, "the agent library (default: lib/libdecade_agent.so beside decade)");
                 return [a] { return trace(*a); };
               });

}  // namespace
}  // namespace decade::cli
