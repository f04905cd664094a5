// SPDX-License-Identifier: Apache-2.0
// `decade verify OBJ.o [--prog NAME] [-v|-vv] [--json] [--unpriv] [--max-insns N]
// [--verifier-memory SIZE]`: runs the verifier on
// every program (or one) without running anything. Exit 0 when every
// selected program is accepted, 1 when one is rejected, 2 on malformed input.
#include <cstdio>

#include <fmt/format.h>

#include "cli/cli_util.hpp"
#include "cli/command.hpp"
#include "cli/json_writer.hpp"

namespace decade::cli {
namespace {

struct VerifyArgs {
  std::string file, prog, type, btf;
  std::vector<std::string> grants, max_entries;
  int verbose = 0;
  bool json = false, unpriv = false;
  VerifierBudgets budgets;
};

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_report(const VerifyReport& r) {
  std::string out = fmt::format("{{\"program\": {}, \"type\": {}, \"accepted\": {}, \"insns\": {}", json_string(r.program),
                                json_string(r.type), r.accepted ? "true" : "false", r.insn_count);
  if (r.accepted) {
    out += fmt::format(
        ", \"insns_processed\": {}, \"states_stored\": {}, \"peak_states\": {}, \"peak_memory\": {}, \"time_ns\": {}",
        r.insns_processed, r.states_stored, r.peak_states, r.peak_memory, r.time_ns);
  } else {
    const Error& e = r.error;
    out += fmt::format(
        ", \"error\": {{\"code\": {}, \"name\": {}, \"insn\": {}, \"file\": {}, \"line\": {}, \"source\": {}, "
        "\"message\": {}, \"kernel\": {}, \"hint\": {}}}",
        static_cast<unsigned>(e.code), json_string(error_code_name(e.code)), e.insn, json_string(e.where.file),
        e.where.line, json_string(e.where.text), json_string(e.message), json_string(e.kernel), json_string(e.hint));
  }
  if (!r.log.empty()) out += ", \"log\": " + json_string(r.log);
  return out + "}";
}

void print_text(const VerifyReport& r, int verbose) {
  if (verbose && !r.log.empty()) std::fputs(r.log.c_str(), stdout);
  if (r.accepted) {
    std::printf("%s: accepted (%s, %zu insns; %llu processed, %llu states, peak %llu, %.1f us)\n", r.program.c_str(),
                r.type.c_str(), r.insn_count, static_cast<unsigned long long>(r.insns_processed),
                static_cast<unsigned long long>(r.states_stored), static_cast<unsigned long long>(r.peak_states),
                static_cast<double>(r.time_ns) / 1000.0);
    return;
  }
  // The verifier puts its state and log after the message's first line
  // (verify()'s contract): with -v they go to stdout, as the kernel's log,
  // and the error itself stays one line on stderr.
  Error e = r.error;
  if (const size_t nl = e.message.find('\n'); verbose && nl != std::string::npos) {
    std::fputs(e.message.c_str() + nl + 1, stdout);
    if (!e.message.ends_with('\n')) std::fputc('\n', stdout);
    e.message.resize(nl);
  }
  std::printf("%s: rejected\n", r.program.c_str());
  std::fflush(stdout);
  report(e, kExitRejected);
  if (!r.error.where.text.empty()) std::fprintf(stderr, "  source: %s\n", r.error.where.text.c_str());
}

int run(const VerifyArgs& a) {
  auto obj = open_input(a.file);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  if (auto s = apply_grants(*obj, a.grants, a.unpriv); !s) return report(s.error(), kExitBadInput);
  if (auto s = apply_target_btf(*obj, a.btf); !s) return report(s.error(), kExitBadInput);
  if (auto s = apply_type(*obj, a.type, a.prog); !s) return report(s.error(), kExitBadInput);
  if (auto s = apply_program_flags(*obj, a.budgets, a.prog); !s) return report(s.error(), kExitBadInput);
  if (auto s = apply_max_entries(*obj, a.max_entries); !s) return report(s.error(), kExitBadInput);
  auto reports =
      obj->verify_programs(a.prog, a.verbose, a.budgets.max_insns, a.budgets.max_memory, a.budgets.stack_size);
  if (!reports) return report(reports.error(), kExitBadInput);
  print_warnings(*obj);
  bool all = true;
  const bool json = a.json || output_mode().json;  // --json here or the global -j
  if (json) std::printf("[\n");
  for (size_t i = 0; i < reports->size(); ++i) {
    const VerifyReport& r = (*reports)[i];
    all = all && r.accepted;
    if (json) {
      std::printf("  %s%s\n", json_report(r).c_str(), i + 1 < reports->size() ? "," : "");
    } else {
      print_text(r, a.verbose);
    }
  }
  if (json) std::printf("]\n");
  return all ? kExitOk : kExitRejected;
}

DECADE_COMMAND("verify", "Verify the programs of an object (or raw bytecode as type raw) without running them",
                [](CLI::App& sub) -> std::function<int()> {
                  auto a = std::make_shared<VerifyArgs>();
                  sub.add_option("file", a->file, "ELF object, or raw bytecode")->required();
                  sub.add_option("--prog", a->prog, "only this program");
                  sub.add_option("--type", a->type,
                                 "program type of --prog (else of every program), as bpftool's `type`: "
                                 "xdp, socket, tc, classifier, cgroup/skb, ... or a type name (sched_cls)");
                  sub.add_option("--grant", a->grants, "give programs a privilege: read-host-memory (bpf_probe_read*)")
                      ->check(CLI::IsMember(kGrantNames));
                  add_unpriv_option(sub, a->unpriv);
                  sub.add_flag("-v,--verbose", a->verbose, "verifier log: -v like the kernel's level 1, -vv every state");
                  sub.add_flag("--json", a->json, "one JSON object per program");
                  add_verifier_options(sub, a->budgets);
                  add_btf_option(sub, a->btf);
                  add_max_entries_option(sub, a->max_entries);
                  return [a] { return run(*a); };
                });

}  // namespace
}  // namespace decade::cli
