// SPDX-License-Identifier: Apache-2.0
// decade_kernel_triage: the running kernel as a second opinion on what the
// generator's programs (fuzz/gen_shapes.hpp) may do. Every program Decade's
// verifier accepts is loaded through bpf(BPF_PROG_LOAD) with the matching
// program type (xdp, sched_cls; the plain "fuzz" type as a sleepable
// syscall program, whose context is plain memory too) and kernel maps like
// the world's (the prog_arrays filled with the same targets). Programs the
// kernel rejects are grouped by its verifier's message (numbers folded to
// N) into a report. It is a report, not a test: the kernel is stricter on
// purpose in places (its own limits, helpers it allows a type).
//
//   decade_kernel_triage [--count N] [--seed S] [--corpus DIR] [--stats]
//                        [--report FILE] [--examples DIR]
//
// --stats only counts generated and accepted programs per shape (no
// kernel). Where bpf() is refused the tool says so and exits 0.
#include <linux/bpf.h>
#include <linux/btf.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "asm/asm.hpp"
#include "btf/btf.hpp"
#include "common/file.hpp"
#include "verifier_gen.hpp"

namespace {

using namespace decade;
using namespace decade::fuzzgen;

long sys_bpf(int cmd, bpf_attr& attr) { return syscall(__NR_bpf, cmd, &attr, sizeof attr); }

int kernel_map(const MapDef& d) {
  bpf_attr a{};
  a.map_type = static_cast<uint32_t>(d.type);
  a.key_size = d.key_size;
  a.value_size = d.value_size;
  a.max_entries = d.max_entries;
  a.map_flags = d.map_flags;
  return static_cast<int>(sys_bpf(BPF_MAP_CREATE, a));
}

long update(int fd, const void* key, const void* value) {
  bpf_attr a{};
  a.map_fd = static_cast<uint32_t>(fd);
  a.key = reinterpret_cast<uint64_t>(key);
  a.value = reinterpret_cast<uint64_t>(value);
  return sys_bpf(BPF_MAP_UPDATE_ELEM, a);
}

struct Loaded {
  int fd = -1;
  std::string reason;  // the kernel's message when fd < 0
};

// The kernel's closing message: the last log line that is neither an
// instruction trace nor the statistics, with numbers folded to N.
std::string reason_of(const std::string& log, int err) {
  static const std::regex trace(R"(^\d+: |^processed |^verification time|^stack depth|^; |^from \d+|^mark_precise|^last_idx|^\s*$)");
  std::string last;
  size_t at = 0;
  while (at < log.size()) {
    size_t nl = log.find('\n', at);
    if (nl == std::string::npos) nl = log.size();
    std::string line = log.substr(at, nl - at);
    if (!std::regex_search(line, trace)) last = line;
    at = nl + 1;
  }
  if (last.empty()) last = std::string("errno ") + std::strerror(err);
  return std::regex_replace(last, std::regex(R"(-?\d+)"), "N");
}

// A minimal BTF for a program of `funcs` functions (the kernel wants
// func_info once a program has subprograms): int, one prototype `int f()`,
// and FUNC types "main" (global) and "sub" (static) using it. Returns the
// BTF fd, or -1.
int load_func_btf(uint32_t funcs) {
  const char strings[] = "\0int\0main\0sub";
  std::vector<uint32_t> t = {1, BTF_KIND_INT << 24, 4, (BTF_INT_SIGNED << 24) | 32,  // [1] int
                             0, BTF_KIND_FUNC_PROTO << 24, 1};                     // [2] int (void)
  for (uint32_t f = 0; f < funcs; ++f)  // [3 + f]
    t.insert(t.end(), {f == 0 ? 5u : 10u, (BTF_KIND_FUNC << 24) | (f == 0 ? 1u : 0u), 2});
  btf_header h{};
  h.magic = BTF_MAGIC;
  h.version = BTF_VERSION;
  h.hdr_len = sizeof h;
  h.type_len = static_cast<uint32_t>(t.size() * 4);
  h.str_off = h.type_len;
  h.str_len = sizeof strings;
  std::vector<uint8_t> blob(sizeof h + h.type_len + h.str_len);
  std::memcpy(blob.data(), &h, sizeof h);
  std::memcpy(blob.data() + sizeof h, t.data(), h.type_len);
  std::memcpy(blob.data() + sizeof h + h.type_len, strings, sizeof strings);
  bpf_attr a{};
  a.btf = reinterpret_cast<uint64_t>(blob.data());
  a.btf_size = static_cast<uint32_t>(blob.size());
  return static_cast<int>(sys_bpf(BPF_BTF_LOAD, a));
}

class KernelWorld {
 public:
  bool usable = false;
  std::string refusal;

  explicit KernelWorld(World& w) : w_(w) {
    fds_.assign(kMapCount, -1);
    for (uint32_t i = 0; i < kMapCount; ++i) {
      // The lock maps need BTF to describe their locks in the kernel: left out.
      if (i == kMapSelf || i == kMapHuge || i == kMapResLock || i == kMapSpinLock) continue;
      fds_[i] = kernel_map(w.defs[i]);
      if (fds_[i] < 0) {
        refusal = "BPF_MAP_CREATE " + w.defs[i].name + ": " + std::strerror(errno);
        return;
      }
    }
    usable = true;
    const uint32_t zero = 0;
    for (uint32_t m : {kMapRodata, kMapFmt}) {
      uint8_t ro[16];
      std::memcpy(ro, w.maps[m]->lookup(&zero), 16);
      (void)update(fds_[m], &zero, ro);
      bpf_attr fr{};
      fr.map_fd = static_cast<uint32_t>(fds_[m]);
      (void)sys_bpf(BPF_MAP_FREEZE, fr);
    }
    find_kfuncs();
    for (const World::Target& t : w.targets) {
      Loaded l = load(t.prog, *t.type, fds_);
      if (l.fd >= 0) (void)update(fds_[t.map], &t.slot, &l.fd);
      else std::fprintf(stderr, "kernel triage: target %s[%u] refused: %s\n", w.defs[t.map].name.c_str(), t.slot,
                        l.reason.c_str());
    }
  }

  // Loads a case with its per-case maps. fd < 0: rejected (reason) or not tried.
  Loaded load_case(const Case& c) {
    std::vector<int> fds = fds_;
    int self = kernel_map(w_.defs[kMapSelf]);
    fds[kMapSelf] = self;
    if (c.huge) return {-1, "not loaded: huge maps are not created in the kernel"};
    Loaded l = load(c.prog, *c.type, fds);
    if (self >= 0) close(self);
    return l;
  }

 private:
  void find_kfuncs() {
    auto bytes = read_file_bytes("/sys/kernel/btf/vmlinux");
    if (!bytes) return;
    auto btf = Btf::parse(*bytes);
    if (!btf) return;
    for (const FuncProto* k : w_.kfuncs) kfunc_ids_.push_back(static_cast<int32_t>((*btf)->find(k->name, BtfKind::Func)));
  }

  // Map indexes become map fds (ld_imm64 src 1 and 2), kfunc indexes vmlinux BTF ids.
  std::vector<RawInsn> raw_for_kernel(const Program& prog, const std::vector<int>& fds) const {
    std::vector<RawInsn> raw = encode(prog);
    for (const Insn& in : prog.insns) {
      RawInsn& r = raw[in.pc];
      const Sem s = in.info().sem;
      if (s == Sem::LdMapIdx || s == Sem::LdMapIdxValue) {
        r.regs = static_cast<uint8_t>((r.regs & 0x0f) | ((s == Sem::LdMapIdx ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE) << 4));
        r.imm = in.imm >= 0 && static_cast<size_t>(in.imm) < fds.size() ? fds[static_cast<size_t>(in.imm)] : -1;
      } else if (s == Sem::CallKfunc && in.imm >= 0 && static_cast<size_t>(in.imm) < kfunc_ids_.size()) {
        r.imm = kfunc_ids_[static_cast<size_t>(in.imm)];
      }
    }
    return raw;
  }

  Loaded load(const Program& prog, const ProgramType& t, const std::vector<int>& fds) const {
    // The generator's own types and the two packet types it runs most; the
    // others of the ctx shape are compared by KernelAgreement instead.
    if (t.name != "xdp" && t.name != "sched_cls" && t.name != "fuzz" && t.name != "fuzz_trace")
      return {-1, "not loaded: no kernel twin here for program type " + t.name};
    std::vector<RawInsn> raw = raw_for_kernel(prog, fds);
    static std::vector<char> log(1 << 20);
    log[0] = 0;
    bpf_attr a{};
    a.prog_type = t.name == "xdp" ? BPF_PROG_TYPE_XDP : t.name == "sched_cls" ? BPF_PROG_TYPE_SCHED_CLS : BPF_PROG_TYPE_SYSCALL;
    if (a.prog_type == BPF_PROG_TYPE_SYSCALL) a.prog_flags = BPF_F_SLEEPABLE;
    a.insns = reinterpret_cast<uint64_t>(raw.data());
    a.insn_cnt = static_cast<uint32_t>(raw.size());
    static const char license[] = "GPL";
    a.license = reinterpret_cast<uint64_t>(license);
    a.log_buf = reinterpret_cast<uint64_t>(log.data());
    a.log_size = static_cast<uint32_t>(log.size());
    a.log_level = 1;
    std::vector<bpf_func_info> funcs;
    int btf = -1;
    if (prog.subprograms.size() > 1) {
      for (uint32_t f = 0; f < prog.subprograms.size(); ++f) funcs.push_back({prog.subprograms[f].start_pc, 3 + f});
      btf = load_func_btf(static_cast<uint32_t>(funcs.size()));
      a.prog_btf_fd = static_cast<uint32_t>(btf);
      a.func_info = reinterpret_cast<uint64_t>(funcs.data());
      a.func_info_cnt = static_cast<uint32_t>(funcs.size());
      a.func_info_rec_size = sizeof(bpf_func_info);
    }
    const int fd = static_cast<int>(sys_bpf(BPF_PROG_LOAD, a));
    if (btf >= 0) close(btf);
    if (fd >= 0) return {fd, {}};
    const int err = errno;
    return {-1, reason_of(std::string(log.data()), err)};
  }

  World& w_;
  std::vector<int> fds_;
  std::vector<int32_t> kfunc_ids_;
};

// Runs the generator's oracles (check, check_engines) on an accepted case
// in a child process, so a crash, a hang or a host-stack overflow is a
// finding like any other. Empty when the case passed.
std::string run_oracles(World& w, const Case& c, const std::vector<uint8_t>& bytes) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(20);
    std::string why;
    if (check(w, c, bytes.data(), bytes.size(), &why) == Verdict::Bug ||
        check_engines(w, c, bytes.data(), bytes.size(), &why) == Verdict::Bug) {
      (void)!write(fds[1], why.data(), why.size());
      _exit(1);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string why;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) why.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    return std::string("killed by ") + (WTERMSIG(status) == SIGALRM ? "SIGALRM (hang)" : strsignal(WTERMSIG(status)));
  return WEXITSTATUS(status) == 0 ? "" : std::regex_replace(std::regex_replace(why, std::regex(R"(0x[0-9a-f]+)"), "ADDR"), std::regex(R"(-?\d+)"), "N");
}

struct Options {
  uint64_t count = 20000, seed = 2026, length = 0;  // length: input bytes (0: random)
  std::string corpus, report = "kernel-triage.md", examples;
  bool stats = false;
  bool explain = false;  // --explain: print each program Decade rejects and why
  bool oracles = false;  // --oracles: run the soundness oracles on accepted programs, group the findings
};

std::vector<std::vector<uint8_t>> inputs(const Options& o) {
  std::vector<std::vector<uint8_t>> v;
  if (!o.corpus.empty()) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(o.corpus))
      if (e.is_regular_file())
        if (auto b = read_file_bytes(e.path().string(), 1 << 16)) v.push_back(std::move(*b));
    return v;
  }
  std::mt19937_64 rng(o.seed);
  for (uint64_t i = 0; i < o.count; ++i) {
    std::vector<uint8_t> bytes(o.length ? o.length : 8 * (1 + rng() % 32) + 1);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    v.push_back(std::move(bytes));
  }
  return v;
}

struct Group {
  uint64_t count = 0;
  std::map<std::string, uint64_t> kinds;
  std::string example_note, example_file, example_disasm;
};

std::string hex(const std::vector<uint8_t>& b) {
  std::string s;
  char buf[4];
  for (uint8_t x : b) std::snprintf(buf, sizeof buf, "%02x", x), s += buf;
  return s;
}

// Counts a case under `reason`; the first one is the group's example.
void record(std::map<std::string, Group>& groups, const std::string& reason, const Case& c,
            const std::vector<uint8_t>& bytes, const Options& o) {
  Group& g = groups[reason];
  if (g.count++ == 0) {
    g.example_note = std::string(kind_name(c.kind)) + " " + c.note;
    g.example_disasm = disassemble(c.prog);
    if (!o.examples.empty()) {
      std::filesystem::create_directories(o.examples);
      g.example_file = o.examples + "/" + std::to_string(groups.size()) + "-" + kind_name(c.kind);
      std::ofstream(g.example_file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                            static_cast<std::streamsize>(bytes.size()));
    } else {
      g.example_file = "input " + hex(bytes);
    }
  }
  g.kinds[kind_name(c.kind)]++;
}

int run(const Options& o) {
  // Huge maps are created for real: cap the address space so one that would
  // commit gigabytes fails with std::bad_alloc instead of taking the host.
  const rlimit cap{2ull << 30, 2ull << 30};
  setrlimit(RLIMIT_AS, &cap);
  World w;
  std::unique_ptr<KernelWorld> kw;
  if (!o.stats) {
    kw = std::make_unique<KernelWorld>(w);
    if (!kw->usable) {
      std::printf("kernel triage: skipped, bpf() is refused here (%s)\n", kw->refusal.c_str());
      return 0;
    }
  }
  uint64_t made[size_t(Kind::Count)] = {}, accepted[size_t(Kind::Count)] = {}, loaded[size_t(Kind::Count)] = {};
  std::map<std::string, Group> groups, findings;
  std::vector<std::string> exhausted;
  for (const auto& bytes : inputs(o)) {
    // Huge maps are neither created in the kernel nor worth their time
    // here; stack sizes above the kernel's 512 and divstack are Decade's
    // extensions, which the kernel refuses by design.
    if (kw && (kind_of(bytes.data(), bytes.size()) == Kind::HugeMap || kind_of(bytes.data(), bytes.size()) == Kind::Stack))
      continue;
    Result<Case> c = make_error(ErrorCode::InvalidArgument, "not built");
    try {
      c = build_case(w, bytes.data(), bytes.size());
    } catch (const std::bad_alloc&) {
      // A huge map that neither fits nor fails cleanly (issue 11 point 7).
      made[size_t(kind_of(bytes.data(), bytes.size()))]++;
      exhausted.push_back(hex(bytes));
      continue;
    }
    if (!c) continue;
    const auto k = size_t(c->kind);
    made[k]++;
    auto v = verify_in(w, *c);
    if (!v) {
      if (o.explain) std::printf("--- %s %s: %s\n%s", kind_name(c->kind), c->note.c_str(), v.error().to_string().c_str(), disassemble(c->prog).c_str());
      continue;
    }
    accepted[k]++;
    if (o.oracles) {
      const std::string why = run_oracles(w, *c, bytes);
      if (!why.empty()) record(findings, std::string(kind_name(c->kind)) + ": " + why, *c, bytes, o);
    }
    if (!kw) continue;
    Loaded l = kw->load_case(*c);
    if (l.fd >= 0) {
      loaded[k]++;
      close(l.fd);
      continue;
    }
    record(groups, l.reason, *c, bytes, o);
  }
  std::printf("%-10s %9s %9s %9s\n", "shape", "generated", "accepted", kw ? "kernel" : "");
  for (size_t k = 0; k < size_t(Kind::Count); ++k)
    std::printf("%-10s %9lu %9lu %9s\n", kind_name(Kind(k)), made[k], accepted[k], kw ? std::to_string(loaded[k]).c_str() : "");
  if (!exhausted.empty())
    std::printf("host memory: %zu inputs ended in std::bad_alloc (first: %s)\n", exhausted.size(), exhausted[0].c_str());
  for (auto& [why, g] : findings)
    std::printf("\nfinding x%lu: %s\n  example (%s), %s\n", g.count, why.c_str(), g.example_note.c_str(), g.example_file.c_str());
  if (!kw) return 0;
  std::ofstream r(o.report);
  r << "# Programs Decade accepts and Linux rejects\n\n| shape | generated | accepted by Decade | loaded by Linux |\n|---|---|---|---|\n";
  for (size_t k = 0; k < size_t(Kind::Count); ++k)
    r << "| " << kind_name(Kind(k)) << " | " << made[k] << " | " << accepted[k] << " | " << loaded[k] << " |\n";
  std::vector<std::pair<std::string, Group>> sorted(groups.begin(), groups.end());
  std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second.count > b.second.count; });
  for (auto& [reason, g] : sorted) {
    r << "\n## " << g.count << " x `" << reason << "`\n\nshapes:";
    for (auto& [k, n] : g.kinds) r << " " << k << " " << n;
    r << "\n\nexample (" << g.example_note << "), " << g.example_file << ":\n\n```\n" << g.example_disasm << "```\n";
  }
  std::printf("kernel triage: %zu kinds of disagreement, report in %s\n", groups.size(), o.report.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--count") o.count = std::stoull(next());
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--length") o.length = std::stoull(next());
    else if (a == "--corpus") o.corpus = next();
    else if (a == "--report") o.report = next();
    else if (a == "--examples") o.examples = next();
    else if (a == "--stats") o.stats = true;
    else if (a == "--explain") o.explain = o.stats = true;
    else if (a == "--oracles") o.oracles = o.stats = true;
    else {
      std::fprintf(stderr, "usage: %s [--count N] [--seed S] [--corpus DIR] [--stats] [--report FILE] [--examples DIR]\n", argv[0]);
      return 2;
    }
  }
  return run(o);
}
