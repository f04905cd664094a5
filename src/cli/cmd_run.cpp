// SPDX-License-Identifier: Apache-2.0
// `decade run FILE`: runs a program the way `bpftool prog run` does.
//  - raw bytecode (anything that is not ELF): r1 = a copy of --mem / --mem-hex,
//    r2 = its length; prints "r0: 0x..." (verified as the "raw" program type
//    unless --unverified names the checked bypass).
//  - an ELF object: loads it (every program verified; with --prog only that
//    program and those the object's static prog_array slots name), runs
//    --prog (default: the first) on --data / --ctx, prints "retval: N" and,
//    with --repeat, "duration: X ns/run".
//  - --map-init FILE (repeatable): map elements written after load, before
//    the run, in the format `decade map dump` prints (cli/map_init.hpp).
//  - bpf_printk lines are printed after the result as "trace: LINE"
//    (--trace-pipe: as they are written).
//  - --pin-maps DIR: every map lives in a pin DIR/NAME (LoadOptions::pin_maps),
//    created or reused, so later runs and other processes see its elements.
//  - --timeout-ms N: the run (all repeats) ends with ExecTimeout, naming the
//    instruction where it stopped, once N ms have passed; exit code 1 as for
//    every failed run.
#include <algorithm>
#include <cstdio>
#include <fstream>

#include "cli/cli_util.hpp"
#include "cli/run_net.hpp"
#include "cli/command.hpp"
#include "cli/map_init.hpp"

namespace decade::cli {
namespace {

struct RunArgs {
  std::string file;
  std::string mem, mem_hex, data, data_hex, ctx, data_out, prog, engine, fib, type, btf, pin_dir, pin_maps;
  std::vector<std::string> sets, grants, map_inits, max_entries;
  uint32_t repeat = 0;
  uint64_t timeout_ms = 0;
  bool unverified = false;
  bool trace_pipe = false;
  bool unpriv = false;
  VerifierBudgets budgets;
  MemoryArgs memory;
};

Result<std::vector<uint8_t>> input_bytes(const std::string& path, const std::string& hex_path) {
  if (!hex_path.empty()) return read_hex_file(hex_path);
  if (!path.empty()) return read_file(path);
  return std::vector<uint8_t>{};
}

Status write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) return make_error(ErrorCode::IoError, "cannot write " + path);
  return ok();
}

// `--prog NAME` loads only what NAME needs: NAME and the programs the
// object's static prog_array slots name (it may tail-call them), so that
// no other program of the object can fail the run.
Status load_only(BpfObject& obj, const std::string& prog) {
  if (prog.empty()) return ok();
  const std::vector<std::string> slots = obj.static_slot_programs();
  for (const std::string& name : obj.program_names()) {
    const bool needed = name == prog || std::find(slots.begin(), slots.end(), name) != slots.end();
    if (auto s = obj.set_autoload(name, needed); !s) return s;
  }
  return ok();
}

// bpf_printk lines of the run, after its result (--trace-pipe printed
// them as they came), and how many a full buffer dropped.
void print_trace(const BpfObject& obj) {
  for (const std::string& line : obj.drain_trace()) std::printf("trace: %s\n", line.c_str());
  if (const uint64_t n = obj.trace_dropped())
    std::fprintf(stderr, "decade: warning: %llu bpf_printk lines dropped (trace buffer full)\n",
                 static_cast<unsigned long long>(n));
}

int run(const RunArgs& a) {
  bool raw = false;
  auto obj = open_input(a.file, &raw);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  // --mem is the raw programs' spelling of --data; both work for both.
  auto data = input_bytes(!a.data.empty() ? a.data : a.mem, !a.data_hex.empty() ? a.data_hex : a.mem_hex);
  if (!data) return report(data.error());
  std::vector<uint8_t> ctx;
  if (!a.ctx.empty()) {
    auto c = read_file(a.ctx);
    if (!c) return report(c.error());
    ctx = std::move(*c);
  }
  if (auto s = apply_target_btf(*obj, a.btf); !s) return report(s.error());
  if (auto s = apply_type(*obj, a.type, a.prog); !s) return report(s.error());
  if (auto s = apply_program_flags(*obj, a.budgets, a.prog); !s) return report(s.error());
  if (auto s = apply_sets(*obj, a.sets); !s) return report(s.error());
  if (auto s = apply_max_entries(*obj, a.max_entries); !s) return report(s.error());
  if (auto s = apply_grants(*obj, a.grants, a.unpriv); !s) return report(s.error());
  if (auto s = apply_fib(*obj, a.fib); !s) return report(s.error());
  if (auto s = load_only(*obj, a.prog); !s) return report(s.error());
  LoadOptions lo;
  lo.engine = a.engine;
  lo.pin_dir = a.pin_dir;
  lo.pin_maps = a.pin_maps;
  lo.unverified_checked_execution = a.unverified;
  lo.max_verifier_insns = a.budgets.max_insns;
  lo.max_verifier_memory = a.budgets.max_memory;
  lo.stack_size = a.budgets.stack_size;
  a.memory.apply(lo);
  if (auto s = obj->load(lo); !s) return report(s.error(), exit_code_for(s.error()));
  print_warnings(*obj);
  for (const std::string& f : a.map_inits)
    if (auto s = apply_map_init(*obj, f); !s) return report(s.error());
  if (a.trace_pipe)
    (void)obj->set_trace_callback([](std::string_view line) {
      std::printf("trace: %.*s\n", static_cast<int>(line.size()), line.data());
      std::fflush(stdout);
    });
  auto prog = obj->program(a.prog);
  if (!prog) return report(prog.error());
  TestRunOptions opts;
  opts.data = *data;
  opts.ctx = ctx;
  opts.repeat = a.repeat ? a.repeat : 1;
  opts.timeout_ns = a.timeout_ms * 1'000'000;
  auto res = prog->test_run(opts);
  if (!res) return report(res.error(), exit_code_for(res.error()));
  if (raw) {
    std::printf("r0: 0x%llx\n", static_cast<unsigned long long>(res->retval));
  } else {
    std::printf("retval: %llu\n", static_cast<unsigned long long>(res->retval));
  }
  if (res->redirect) print_redirect(*res->redirect);
  if (res->tunnel) print_tunnel(*res->tunnel);
  for (const ClonedPacket& c : res->clones)  // bpf_clone_redirect, in call order
    std::printf("clone: ifindex %u%s, %zu bytes\n", c.ifindex, c.ingress ? " ingress" : "", c.data.size());
  if (a.repeat) std::printf("duration: %llu ns/run\n", static_cast<unsigned long long>(res->duration_ns));
  print_trace(*obj);
  if (!a.data_out.empty()) {
    if (auto s = write_bytes(a.data_out, res->data_out); !s) return report(s.error());
  }
  return kExitOk;
}

DECADE_COMMAND("run", "Run a program: raw bytecode (prints r0) or a program of an ELF object (prints retval)",
                [](CLI::App& sub) -> std::function<int()> {
                  auto a = std::make_shared<RunArgs>();
                  sub.add_option("file", a->file, "raw bytecode, or an ELF object compiled by clang -target bpf")
                      ->required();
                  auto* mem = sub.add_option("--mem", a->mem, "raw programs: memory r1 points at (binary file)");
                  auto* mem_hex = sub.add_option("--mem-hex", a->mem_hex, "the same as hex text ('#' comments)");
                  mem->excludes(mem_hex);
                  auto* data = sub.add_option("--data", a->data, "packet (xdp, tc, socket_filter) or raw memory");
                  auto* data_hex = sub.add_option("--data-hex", a->data_hex, "the same as hex text ('#' comments)");
                  data->excludes(data_hex);
                  sub.add_option("--ctx", a->ctx, "initial context (struct xdp_md, struct __sk_buff, ...)");
                  sub.add_option("--data-out", a->data_out, "write the packet or memory after the run here");
                  sub.add_option("--prog", a->prog, "program name (default: the first)");
                  sub.add_option("--fib", a->fib, "routing table for bpf_fib_lookup (format: docs/helpers.md)");
                  sub.add_option("--type", a->type,
                                 "program type of --prog (else of every program), as bpftool's `type`: "
                                 "xdp, socket, tc, classifier, cgroup/skb, ... or a type name (sched_cls)");
                  sub.add_option("--set", a->sets, "NAME=VALUE: set a global variable (.rodata config) before load");
                  sub.add_option("--map-init", a->map_inits,
                                 "fill maps before the run from FILE: `decade map dump` lines, "
                                 "{\"key\": K, \"value\": V} typed through BTF or as hex bytes; repeatable");
                  sub.add_option("--repeat", a->repeat, "runs; prints the mean duration")
                      ->check(CLI::Range(1u, 100'000'000u));
                  sub.add_option("--timeout-ms", a->timeout_ms,
                                 "stop the run after this many milliseconds (error ExecTimeout)")
                      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
                  sub.add_option("--pin-dir", a->pin_dir, "directory of LIBBPF_PIN_BY_NAME maps (default $XDG_RUNTIME_DIR/decade or /run/decade)");
                  sub.add_option("--pin-maps", a->pin_maps,
                                 "pin every map of the object in DIR, reusing the pins of matching maps "
                                 "(types that cannot be pinned fail the load)");
                  sub.add_option("--engine", a->engine, "execution engine (default: jit when available)")
                      ->check(CLI::IsMember({"interp", "jit"}));
                  sub.add_option("--grant", a->grants,
                                 "give programs a privilege: read-host-memory (bpf_probe_read* in tracing programs; "
                                 "this command adds no readable range, so reads fail with -EFAULT)")
                      ->check(CLI::IsMember(kGrantNames));
                  add_unpriv_option(sub, a->unpriv);
                  sub.add_flag("--trace-pipe", a->trace_pipe,
                               "print bpf_printk lines as programs write them (default: after the run)");
                  sub.add_flag("--unverified", a->unverified,
                               "skip the verifier and check every memory access at run time (the named bypass)");
                  add_verifier_options(sub, a->budgets);
                  add_btf_option(sub, a->btf);
                  add_max_entries_option(sub, a->max_entries);
                  a->memory.add_to(sub);
                  return [a] { return run(*a); };
                });

}  // namespace
}  // namespace decade::cli
