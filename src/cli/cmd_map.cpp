// SPDX-License-Identifier: Apache-2.0
// `decade map dump OBJ.o [--map NAME] [--run PROG --data F ...]`: loads the
// object, optionally runs a program over one or more inputs (each --data /
// --data-hex file once, or --repeat times), then prints the maps' contents,
// elements as `bpftool map dump` prints them (cli/map_print.hpp); --map
// takes a map's name or a global-data section's (".bss"). The subcommands
// on pins (lookup, update, delete, pin, dump pinned) are cli/map_pinned.hpp.
#include <cstdio>

#include "cli/cli_util.hpp"
#include "cli/command.hpp"
#include "cli/map_pinned.hpp"
#include "cli/map_print.hpp"

namespace decade::cli {
namespace {

struct MapArgs {
  std::vector<std::string> object;  // OBJ, or "pinned" PATH
  std::string file, map, prog, engine, btf, pin_dir;
  std::vector<std::string> data, data_hex, sets;
  uint32_t repeat = 1;
  bool unpriv = false;
  MemoryArgs memory;
};

int run_inputs(BpfObject& obj, const MapArgs& a) {
  auto prog = obj.program(a.prog);
  if (!prog) return report(prog.error());
  std::vector<std::vector<uint8_t>> inputs;
  for (const auto& f : a.data) {
    auto d = read_file(f);
    if (!d) return report(d.error());
    inputs.push_back(std::move(*d));
  }
  for (const auto& f : a.data_hex) {
    auto d = read_hex_file(f);
    if (!d) return report(d.error());
    inputs.push_back(std::move(*d));
  }
  if (inputs.empty()) inputs.emplace_back();
  for (const auto& in : inputs) {
    TestRunOptions o;
    o.data = in;
    o.repeat = a.repeat;
    auto r = prog->test_run(o);
    if (!r) return report(r.error(), exit_code_for(r.error()));
  }
  return kExitOk;
}

int dump(MapArgs a) {
  JsonWriter w(stdout, !output_mode().json || output_mode().pretty);
  if (a.object.size() == 2 && a.object[0] == "pinned") {
    if (auto s = print_pinned(a.object[1], w); !s) return report(s.error());
    return kExitOk;
  }
  if (a.object.size() != 1) return report(Error{ErrorCode::InvalidArgument, -1, "usage: map dump OBJ | map dump pinned PATH", {}, {}});
  a.file = a.object[0];
  auto obj = open_input(a.file);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  if (auto s = apply_target_btf(*obj, a.btf); !s) return report(s.error());
  if (auto s = apply_sets(*obj, a.sets); !s) return report(s.error());
  // The same rules as `decade run`: root's by default, so what runs there dumps here.
  if (auto s = apply_grants(*obj, {}, a.unpriv); !s) return report(s.error());
  LoadOptions lo;
  lo.engine = a.engine;
  lo.pin_dir = a.pin_dir;
  a.memory.apply(lo);
  if (auto s = obj->load(lo); !s) return report(s.error(), exit_code_for(s.error()));
  print_warnings(*obj);
  if (!a.prog.empty()) {
    if (int rc = run_inputs(*obj, a); rc != kExitOk) return rc;
  }
  if (a.map.empty()) {
    if (auto s = print_all_maps(*obj, w); !s) return report(s.error());
    return kExitOk;
  }
  auto m = obj->map(a.map);
  if (!m) return report(m.error());
  if (auto s = print_map(*m, w); !s) return report(s.error());
  if (prints_json(*m)) std::printf("\n");
  return kExitOk;
}

DECADE_COMMAND("map", "Inspect maps: dump an object's (optionally after a run); lookup, update, delete, pin pinned maps",
                [](CLI::App& sub) -> std::function<int()> {
                  sub.require_subcommand(1);
                  auto a = std::make_shared<MapArgs>();
                  auto action = std::make_shared<std::function<int()>>();
                  auto* d = sub.add_subcommand("dump", "Print map contents, keys and values formatted from BTF");
                  d->add_option("object", a->object, "ELF object, or: pinned PATH (a map pinned by an earlier run)")
                      ->required()
                      ->expected(1, 2);
                  d->add_option("--pin-dir", a->pin_dir, "directory of LIBBPF_PIN_BY_NAME maps (default $XDG_RUNTIME_DIR/decade or /run/decade)");
                  d->add_option("--map", a->map, "only this map, by name or global-data section (.bss, .data, .rodata, .kconfig)");
                  d->add_option("--run", a->prog, "first run this program over the inputs");
                  d->add_option("--data", a->data, "input file (packet or memory); repeatable");
                  d->add_option("--data-hex", a->data_hex, "input as hex text; repeatable");
                  d->add_option("--repeat", a->repeat, "runs per input")->check(CLI::Range(1u, 100'000'000u));
                  d->add_option("--set", a->sets, "NAME=VALUE: set a global variable (.rodata config) before load");
                  d->add_option("--engine", a->engine, "execution engine")->check(CLI::IsMember({"interp", "jit"}));
                  add_btf_option(*d, a->btf);
                  add_unpriv_option(*d, a->unpriv);
                  a->memory.add_to(*d);
                  d->callback([=] { *action = [=] { return dump(*a); }; });
                  add_pinned_subcommands(sub, action);
                  return [=] { return *action ? (*action)() : kExitBadInput; };
                });

}  // namespace
}  // namespace decade::cli
