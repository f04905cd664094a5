// SPDX-License-Identifier: Apache-2.0
// libdecade_agent.so: the part of `decade trace` that runs inside the traced
// process (docs/uprobes.md, "Out-of-process attach"). The CLI gets it
// loaded either by LD_PRELOAD (`decade trace OBJ -- CMD`: the constructor
// below runs before main and returns once the probes are attached) or by
// ptrace (`--pid`: the CLI makes the target call dlopen, then
// decade_agent_start). Either way one agent thread connects to the CLI's
// abstract unix socket and speaks the protocol below; it uses only the
// public API of libdecade.so, which it links.
//
// Protocol (lines of text; the CLI speaks first):
//   CLI:   object PATH / engine NAME / pins DIR / trace FILE / end
//   agent: "attached N"  or  "error CODE INSN MESSAGE"   (then it is gone)
//   CLI:   "detach"  (or closes the socket: the same)
//   agent: "detached"  or  "error CODE INSN MESSAGE", then closes.
// The agent opens the same object, loads it with every map over the pins
// the CLI made (LoadOptions::pin_maps) and bpf_printk into the CLI's trace
// ring (LoadOptions::trace_file), and attaches each uprobe, uretprobe and
// usdt program by its section name.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "agent/trace_sections.hpp"
#include "decade/decade.hpp"

namespace {

using namespace decade;

struct Config {
  std::string object, engine, pins, trace;
};

std::atomic<bool> g_busy{false};          // one session at a time
std::binary_semaphore g_attached{0};      // released when the attach phase ends (LD_PRELOAD waits on it)

int connect_to(const std::string& name) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t n = std::min(name.size(), sizeof addr.sun_path - 1);
  std::memcpy(addr.sun_path + 1, name.data(), n);  // abstract: sun_path[0] is NUL
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), socklen_t(offsetof(sockaddr_un, sun_path) + 1 + n)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// One line without its '\n'; nullopt at end of stream or on error.
std::optional<std::string> read_line(int fd) {
  std::string line;
  char c;
  for (;;) {
    const ssize_t r = read(fd, &c, 1);
    if (r <= 0) return std::nullopt;
    if (c == '\n') return line;
    line += c;
  }
}

void send_line(int fd, const std::string& line) {
  const std::string s = line + "\n";
  [[maybe_unused]] ssize_t w = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
}

void send_error(int fd, const Error& e) {
  std::string msg = e.message;
  for (char& c : msg)
    if (c == '\n') c = ' ';
  send_line(fd, "error " + std::to_string(unsigned(e.code)) + " " + std::to_string(e.insn) + " " + msg);
}

std::optional<Config> read_config(int fd) {
  Config c;
  for (;;) {
    auto line = read_line(fd);
    if (!line) return std::nullopt;
    if (*line == "end") return c;
    const size_t sp = line->find(' ');
    const std::string key = line->substr(0, sp), value = sp == std::string::npos ? "" : line->substr(sp + 1);
    if (key == "object") c.object = value;
    else if (key == "engine") c.engine = value;
    else if (key == "pins") c.pins = value;
    else if (key == "trace") c.trace = value;
  }
}

// Every uprobe, uretprobe and usdt program attached; the first failure
// detaches what was attached and is returned, naming the program.
Result<std::vector<ProbeLink>> attach_all(const BpfObject& obj) {
  std::vector<ProbeLink> links;
  for (const std::string& name : obj.program_names()) {
    auto prog = obj.program(name);
    if (!prog) return std::unexpected(prog.error());
    auto target = agent::parse_trace_section(prog->section());
    if (!target) return std::unexpected(target.error());
    if (!*target) continue;
    const agent::TraceTarget& t = **target;
    auto link = t.kind == agent::TraceTarget::Kind::Usdt
                    ? prog->attach_usdt({.binary = t.binary, .provider = t.provider, .name = t.name})
                    : prog->attach_uprobe({.binary = t.binary,
                                           .function = t.function,
                                           .offset = t.offset,
                                           .retprobe = t.kind == agent::TraceTarget::Kind::Uretprobe});
    if (!link) {
      Error e = link.error();
      e.message = "program '" + name + "' (" + std::string(prog->section()) + "): " + e.message;
      return std::unexpected(std::move(e));
    }
    links.push_back(std::move(*link));
  }
  return links;
}

// Opens and loads the object as the CLI did, over its shared maps. The
// programs may read the traced process's memory (bpf_probe_read_user, USDT
// arguments): the whole user address space of this process is readable,
// through the checked copy, so a bad pointer is -EFAULT, never a fault.
Result<BpfObject> load_object(const Config& c) {
  auto obj = BpfObject::open(c.object);
  if (!obj) return obj;
  if (auto s = obj->grant(Grant::ReadHostMemory); !s) return std::unexpected(s.error());
  if (auto s = obj->grant(Grant::Privileged); !s) return std::unexpected(s.error());  // as the CLI verified them
  constexpr uintptr_t kLow = 0x1000, kHigh = uintptr_t{1} << 47;
  if (auto s = obj->add_readable_range(reinterpret_cast<const void*>(kLow), kHigh - kLow); !s)
    return std::unexpected(s.error());
  LoadOptions lo;
  lo.engine = c.engine;
  lo.pin_maps = c.pins;
  lo.trace_file = c.trace;
  if (auto s = obj->load(lo); !s) return std::unexpected(s.error());
  return obj;
}

// The session: attach, report, wait for the CLI to say detach (or go away).
// It is over for start() (g_busy false) before the last line goes out, so
// a CLI that reads "detached" may start the next session at once.
void session(int fd) {
  std::optional<BpfObject> obj;
  std::vector<ProbeLink> links;
  if (auto c = read_config(fd)) {
    auto o = load_object(*c);
    auto l = o ? attach_all(*o) : Result<std::vector<ProbeLink>>(std::unexpected(o.error()));
    if (l) {
      obj = std::move(*o);
      links = std::move(*l);
      send_line(fd, "attached " + std::to_string(links.size()));
    } else {
      g_busy.store(false);
      send_error(fd, l.error());
    }
  }
  g_attached.release();
  if (!obj) {
    g_busy.store(false);
    return;
  }
  while (auto line = read_line(fd))
    if (*line == "detach") break;
  for (ProbeLink& link : links) {
    if (auto s = link.detach(); !s) {
      g_busy.store(false);
      send_error(fd, s.error());
      return;
    }
  }
  links.clear();
  obj.reset();
  g_busy.store(false);
  send_line(fd, "detached");
}

// Starts the session thread; false when one is running or the CLI's
// socket cannot be reached.
bool start(const std::string& name) {
  if (g_busy.exchange(true)) return false;
  (void)g_attached.try_acquire();  // an earlier session's release nobody waited for
  const int fd = connect_to(name);
  if (fd < 0) {
    g_busy.store(false);
    return false;
  }
  std::thread([fd] {
    session(fd);
    close(fd);
  }).detach();
  return true;
}

// LD_PRELOAD: the CLI names its socket in the environment. The variables
// are removed so that CMD's own children do not load or start the agent;
// main waits (at most 30 s) until the probes are attached or refused.
__attribute__((constructor)) void preload_start() {
  const char* env = std::getenv("DECADE_AGENT_SOCKET");
  if (!env) return;
  const std::string name = env;
  unsetenv("DECADE_AGENT_SOCKET");
  unsetenv("LD_PRELOAD");
  if (start(name)) (void)g_attached.try_acquire_for(std::chrono::seconds(30));
}

}  // namespace

// Called by the CLI through ptrace, on a thread of the target it stopped:
// returns at once (0; -1 when a session runs or the socket is unreachable),
// the work happens on the agent's own thread.
extern "C" __attribute__((visibility("default"))) int decade_agent_start(const char* socket_name) {
  return start(socket_name) ? 0 : -1;
}
