// SPDX-License-Identifier: Apache-2.0
// Agreement with the running kernel's verifier: every table case is loaded
// with bpf(BPF_PROG_LOAD) (maps created with BPF_MAP_CREATE, their fds
// patched into the ld_imm64 instructions) and the kernel's accept/reject is
// compared with ours: as root against Decade with kGrantPrivileged (root's
// rules), and, where the kernel lets users without CAP_BPF load programs,
// from a child without those capabilities against Decade without grants.
// Known, explained disagreements are listed here and in docs/verifier.md;
// any other disagreement fails the test.
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "case_table.hpp"

namespace decade::test {
namespace {

long sys_bpf(int cmd, bpf_attr& attr) { return syscall(__NR_bpf, cmd, &attr, sizeof(attr)); }

// Cases where Decade with kGrantPrivileged and the kernel as root decide
// differently, each with the reason; docs/verifier.md explains them.
const std::map<std::string, std::string> kKnown = {
    {"map_ptr_deref", "the kernel reads struct bpf_map fields through BTF; Decade does not model them"},
    {"pkt_meta_data_off_smaller",
     "the kernel learns metadata ranges only against the unmoved data pointer; Decade subtracts a data pointer's "
     "constant offset (meta + 8 <= data + 4 proves 4 bytes)"},
    {"ldabs_miss_caller_sets_r9",
     "the kernel wants BTF func info for LD_ABS in a function (the case has none); Decade needs none: a miss returns 0 "
     "from the function, and the verifier explores that return"},
};

struct KernelMaps {
  std::map<int, int> fds;  // map index -> fd
  ~KernelMaps() {
    for (auto& [i, fd] : fds) close(fd);
  }
};

int create_map(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags = 0, int inner = -1) {
  bpf_attr a{};
  a.map_type = type;
  a.key_size = ks;
  a.value_size = vs;
  a.max_entries = max;
  a.map_flags = flags;
  if (inner >= 0) a.inner_map_fd = static_cast<uint32_t>(inner);
  return static_cast<int>(sys_bpf(BPF_MAP_CREATE, a));
}

// The kernel twin of the fixture's map N (-1 when it cannot be made without BTF).
int kernel_map(const MapDef& d, int idx, KernelMaps& km) {
  if (auto it = km.fds.find(idx); it != km.fds.end()) return it->second;
  int fd = -1;
  if (d.lock_field_off() >= 0) return -1;  // a map value with a lock needs BTF for the value type
  if (d.type == MapType::ArrayOfMaps) {
    const int inner = create_map(BPF_MAP_TYPE_ARRAY, d.inner->key_size, d.inner->value_size, d.inner->max_entries);
    if (inner < 0) return -1;
    fd = create_map(BPF_MAP_TYPE_ARRAY_OF_MAPS, d.key_size, d.value_size, d.max_entries, 0, inner);
    close(inner);
  } else {
    fd = create_map(static_cast<uint32_t>(d.type), d.key_size, d.value_size, d.max_entries,
                    (d.frozen ? BPF_F_RDONLY_PROG : 0) | (d.map_flags & BPF_F_WRONLY_PROG));
    if (fd >= 0 && !d.initial_value.empty()) {
      uint32_t key = 0;
      bpf_attr a{};
      a.map_fd = static_cast<uint32_t>(fd);
      a.key = reinterpret_cast<uint64_t>(&key);
      a.value = reinterpret_cast<uint64_t>(d.initial_value.data());
      sys_bpf(BPF_MAP_UPDATE_ELEM, a);
      if (d.frozen) {
        bpf_attr f{};
        f.map_fd = static_cast<uint32_t>(fd);
        sys_bpf(BPF_MAP_FREEZE, f);
      }
    }
  }
  if (fd >= 0) km.fds[idx] = fd;
  return fd;
}

struct ProgKind {
  uint32_t type;
  uint32_t flags;
  uint32_t attach = 0;  // expected_attach_type
};

// The cgroup socket and socket-address types by libbpf's names of their attach types
// (the Unix ones, Linux 6.7, by number: the system header may predate them).
bool sock_addr_kind(const std::string& t, ProgKind& k) {
  static const std::pair<const char*, uint32_t> kAttach[] = {
      {"cgroup_inet4_bind", BPF_CGROUP_INET4_BIND},          {"cgroup_inet6_bind", BPF_CGROUP_INET6_BIND},
      {"cgroup_inet4_connect", BPF_CGROUP_INET4_CONNECT},    {"cgroup_inet6_connect", BPF_CGROUP_INET6_CONNECT},
      {"cgroup_udp4_sendmsg", BPF_CGROUP_UDP4_SENDMSG},      {"cgroup_udp6_sendmsg", BPF_CGROUP_UDP6_SENDMSG},
      {"cgroup_udp4_recvmsg", BPF_CGROUP_UDP4_RECVMSG},      {"cgroup_udp6_recvmsg", BPF_CGROUP_UDP6_RECVMSG},
      {"cgroup_inet4_getpeername", BPF_CGROUP_INET4_GETPEERNAME}, {"cgroup_inet6_getpeername", BPF_CGROUP_INET6_GETPEERNAME},
      {"cgroup_inet4_getsockname", BPF_CGROUP_INET4_GETSOCKNAME}, {"cgroup_inet6_getsockname", BPF_CGROUP_INET6_GETSOCKNAME},
      {"cgroup_unix_connect", 50},  {"cgroup_unix_sendmsg", 51},  {"cgroup_unix_recvmsg", 52},
      {"cgroup_unix_getpeername", 53}, {"cgroup_unix_getsockname", 54}};
  static const std::pair<const char*, uint32_t> kSockAttach[] = {
      {"cgroup_inet_sock_create", BPF_CGROUP_INET_SOCK_CREATE}, {"cgroup_inet_sock_release", BPF_CGROUP_INET_SOCK_RELEASE},
      {"cgroup_inet4_post_bind", BPF_CGROUP_INET4_POST_BIND},   {"cgroup_inet6_post_bind", BPF_CGROUP_INET6_POST_BIND}};
  for (const auto& [name, attach] : kAttach)
    if (t == name) {
      k = {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, 0, attach};
      return true;
    }
  for (const auto& [name, attach] : kSockAttach)
    if (t == name) {
      k = {BPF_PROG_TYPE_CGROUP_SOCK, 0, attach};
      return true;
    }
  return false;
}

bool prog_kind(const std::string& t, ProgKind& k) {
  if (sock_addr_kind(t, k)) return true;
  if (t == "xdp") k = {BPF_PROG_TYPE_XDP, 0};
  else if (t == "xdp_devmap") k = {BPF_PROG_TYPE_XDP, 0, BPF_XDP_DEVMAP};
  else if (t == "xdp_cpumap") k = {BPF_PROG_TYPE_XDP, 0, BPF_XDP_CPUMAP};
  else if (t == "socket_filter") k = {BPF_PROG_TYPE_SOCKET_FILTER, 0};
  else if (t == "sched_cls") k = {BPF_PROG_TYPE_SCHED_CLS, 0};
  else if (t == "syscall") k = {BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE};
  else if (t == "kprobe") k = {BPF_PROG_TYPE_KPROBE, 0};
  else if (t == "tracepoint") k = {BPF_PROG_TYPE_TRACEPOINT, 0};
  else if (t == "raw_tracepoint") k = {BPF_PROG_TYPE_RAW_TRACEPOINT, 0};
  else if (t == "perf_event") k = {BPF_PROG_TYPE_PERF_EVENT, 0};
  else if (t == "sk_skb") k = {BPF_PROG_TYPE_SK_SKB, 0};
  else if (t == "lwt_in") k = {BPF_PROG_TYPE_LWT_IN, 0};
  else if (t == "lwt_out") k = {BPF_PROG_TYPE_LWT_OUT, 0};
  else if (t == "lwt_xmit") k = {BPF_PROG_TYPE_LWT_XMIT, 0};
  else if (t == "sched_act") k = {BPF_PROG_TYPE_SCHED_ACT, 0};
  else if (t == "sock_ops") k = {BPF_PROG_TYPE_SOCK_OPS, 0};
  else if (t == "sk_msg") k = {BPF_PROG_TYPE_SK_MSG, 0};
  else if (t == "flow_dissector") k = {BPF_PROG_TYPE_FLOW_DISSECTOR, 0};
  else if (t == "sk_reuseport") k = {BPF_PROG_TYPE_SK_REUSEPORT, 0};
  else if (t == "sk_lookup") k = {BPF_PROG_TYPE_SK_LOOKUP, 0, BPF_SK_LOOKUP};
  else if (t == "cgroup_skb") k = {BPF_PROG_TYPE_CGROUP_SKB, 0};
  else if (t == "cgroup_sysctl") k = {BPF_PROG_TYPE_CGROUP_SYSCTL, 0};
  else if (t == "cgroup_getsockopt") k = {BPF_PROG_TYPE_CGROUP_SOCKOPT, 0, BPF_CGROUP_GETSOCKOPT};
  else if (t == "cgroup_setsockopt") k = {BPF_PROG_TYPE_CGROUP_SOCKOPT, 0, BPF_CGROUP_SETSOCKOPT};
  else if (t == "cgroup_device") k = {BPF_PROG_TYPE_CGROUP_DEVICE, 0};
  else if (t == "netfilter") k = {32, 0, 45};  // BPF_PROG_TYPE_NETFILTER, BPF_NETFILTER (Linux 6.4; the system header may predate them)
  else if (t == "raw_tracepoint_writable") k = {BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0};
  else return false;
  return true;
}

// Loads into the kernel: 1 accepted, 0 rejected, -1 not comparable (reason set).
int kernel_verdict(const VerifierEnv& env, const Case& c, std::string& why) {
  ProgKind kind;
  if (!prog_kind(c.type, kind)) {
    why = std::string("program type ") + c.type + " has no kernel twin here";
    return -1;
  }
  auto a = assemble(c.text);
  if (!a) {
    why = "does not assemble";
    return -1;
  }
  std::vector<RawInsn> code = a->code;
  bool local_calls = false, tail_calls = false;
  for (const RawInsn& r : code) {
    local_calls |= r.code == 0x85 && r.src() == 1;
    tail_calls |= r.code == 0x85 && r.src() == 0 && r.imm == 12;
  }
  if (local_calls && tail_calls) {
    why = "tail calls in a program with functions need BTF func_info in the kernel";
    return -1;
  }
  KernelMaps km;
  for (size_t i = 0; i < code.size(); ++i) {
    RawInsn& r = code[i];
    if (r.code == 0x85 && r.src() == 2) {
      why = "kfunc calls need the kernel's BTF ids";
      return -1;
    }
    if (r.code != 0x18) continue;
    if (r.src() == 4) {
      why = "callbacks need BTF func_info in the kernel";
      return -1;
    }
    const uint8_t src = r.src();
    if (src == 5 || src == 6) {
      const int idx = r.imm;
      if (idx < 0 || static_cast<size_t>(idx) >= env.maps().size()) return 0;  // a bad index: the kernel rejects it too
      const int fd = kernel_map(*env.maps()[static_cast<size_t>(idx)], idx, km);
      if (fd < 0) {
        why = "map needs BTF (spin lock) or could not be created";
        return -1;
      }
      r.regs = static_cast<uint8_t>((r.regs & 0x0f) | ((src == 5 ? 1 : 2) << 4));
      r.imm = fd;
    }
    ++i;  // skip the second slot
  }
  static char log[1 << 16];
  log[0] = 0;
  bpf_attr attr{};
  attr.prog_type = kind.type;
  attr.prog_flags = kind.flags;
  attr.expected_attach_type = kind.attach;
  attr.insns = reinterpret_cast<uint64_t>(code.data());
  attr.insn_cnt = static_cast<uint32_t>(code.size());
  static const char license[] = "GPL";
  attr.license = reinterpret_cast<uint64_t>(license);
  attr.log_buf = reinterpret_cast<uint64_t>(log);
  attr.log_size = sizeof(log);
  attr.log_level = 1;
  const long fd = sys_bpf(BPF_PROG_LOAD, attr);
  if (fd >= 0) {
    close(static_cast<int>(fd));
    return 1;
  }
  // The last log line before the statistics is the kernel's reason.
  std::string l(log);
  for (size_t end = l.size(); end > 0;) {
    const size_t nl = l.rfind('\n', end - 1);
    const size_t begin = nl == std::string::npos ? 0 : nl + 1;
    std::string line = l.substr(begin, end - begin);
    end = nl == std::string::npos ? 0 : nl;
    if (line.empty() || line.starts_with("processed ") || line.starts_with("verification time")) continue;
    why = line;
    break;
  }
  if (why.empty()) why = std::strerror(errno);
  return 0;
}

// Whether bpf() loads a trivial socket filter here; else why not.
std::string load_refusal() {
  const RawInsn probe[] = {{0xb7, 0, 0, 0}, {0x95, 0, 0, 0}};
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  attr.insns = reinterpret_cast<uint64_t>(probe);
  attr.insn_cnt = 2;
  static const char license[] = "GPL";
  attr.license = reinterpret_cast<uint64_t>(license);
  const long fd = sys_bpf(BPF_PROG_LOAD, attr);
  if (fd < 0) return std::strerror(errno);
  close(static_cast<int>(fd));
  return "";
}

TEST(KernelAgreement, CaseTables) {
  if (const std::string why = load_refusal(); !why.empty()) GTEST_SKIP() << "bpf(BPF_PROG_LOAD) is refused here: " << why;
  VerifierEnv env;
  env.grant(kGrantPrivileged);  // the kernel's verdicts are root's
  int compared = 0, skipped = 0, agreed = 0;
  std::set<std::string> unexpected;
  for (const Case& c : case_registry()) {
    std::string why;
    const int k = kernel_verdict(env, c, why);
    if (k < 0) {
      ++skipped;
      continue;
    }
    ++compared;
    auto p = env.assemble_program(c.text);
    ASSERT_TRUE(p.has_value());
    const bool ours = env.verify_program(*p, c.type).has_value();
    if (ours == (k == 1)) {
      ++agreed;
      continue;
    }
    const auto known = kKnown.find(c.name);
    std::printf("disagree %-34s decade=%s kernel=%s%s%s\n", c.name, ours ? "accept" : "reject", k ? "accept" : "reject",
                k ? "" : " : ", k ? "" : why.c_str());
    if (known == kKnown.end()) unexpected.insert(c.name);
  }
  std::printf("kernel agreement: %d compared, %d agree, %d not comparable\n", compared, agreed, skipped);
  for (const std::string& n : unexpected) ADD_FAILURE() << "unexplained disagreement with the kernel: " << n;
}

// The capabilities the selftests' loader drops for its unprivileged runs.
bool drop_bpf_capabilities() {
  __user_cap_header_struct head{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &head, data) != 0) return false;
  for (const int cap : {CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_PERFMON, CAP_BPF})
    data[cap / 32].effective &= ~(1u << (cap % 32));
  return syscall(SYS_capset, &head, data) == 0;
}

// The kernel's rules for users without CAP_BPF leak-class messages: what
// Decade without grants must refuse too (the other unprivileged rules,
// Spectre sanitation and CAP_BPF's features, docs/verifier.md
// "Privilege", are not modelled).
bool leak_rule(const std::string& why) {
  for (const char* m : {"leaks addr", "pointer comparison", "invalid read from stack", "invalid indirect read from stack",
                        "partial copy", "corrupt spilled", "leaking pointer", "sign-extension part of pointer",
                        "pointer arithmetic prohibited"})
    if (why.find(m) != std::string::npos) return true;
  return false;
}

TEST(KernelAgreement, UnprivilegedCaseTables) {
  if (const std::string why = load_refusal(); !why.empty()) GTEST_SKIP() << "bpf(BPF_PROG_LOAD) is refused here: " << why;
  // The kernel's verdicts come from a child without the capabilities, one
  // byte per case (0 reject, 1 accept, 2 not comparable), or 3 alone when
  // the kernel refuses unprivileged loads altogether.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    VerifierEnv env;
    const bool dropped = drop_bpf_capabilities();
    if (!dropped || !load_refusal().empty()) {
      const char refused = 3;
      (void)!write(fds[1], &refused, 1);
      _exit(0);
    }
    for (const Case& c : case_registry()) {
      std::string why;
      const int k = kernel_verdict(env, c, why);
      const char v = k < 0 ? 2 : k == 1 ? 1 : leak_rule(why) ? 4 : 0;
      (void)!write(fds[1], &v, 1);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string verdicts;
  char buf[256];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) verdicts.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  if (verdicts == std::string(1, 3))
    GTEST_SKIP() << "the kernel refuses bpf() to users without CAP_BPF (kernel.unprivileged_bpf_disabled is set)";
  ASSERT_EQ(verdicts.size(), case_registry().size());
  VerifierEnv env;  // no grants: the unprivileged rules
  int compared = 0, agreed = 0;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const Case& c = case_registry()[i];
    if (verdicts[i] == 2) continue;
    ++compared;
    auto p = env.assemble_program(c.text);
    ASSERT_TRUE(p.has_value());
    const bool ours = env.verify_program(*p, c.type).has_value();
    const bool kernel = verdicts[i] == 1;
    agreed += ours == kernel;
    if (ours != kernel) std::printf("unprivileged disagree %-34s decade=%s\n", c.name, ours ? "accept" : "reject");
    // A leak the unprivileged kernel refuses must be refused here too.
    if (ours && verdicts[i] == 4) ADD_FAILURE() << c.name << ": accepted without grants, a pointer or stack leak to the kernel";
  }
  std::printf("unprivileged kernel agreement: %d compared, %d agree\n", compared, agreed);
}

}  // namespace
}  // namespace decade::test
