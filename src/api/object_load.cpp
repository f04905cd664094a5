// SPDX-License-Identifier: Apache-2.0
// BpfObject::load: create the maps (global data filled, .rodata frozen),
// verify every program against the platform, compile it with the chosen
// engine and register it so prog_arrays can hold it. Also verify_programs,
// the same verification without creating anything.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "api/object_impl.hpp"
#include "interp/interp.hpp"
#include "isa/extensions.hpp"
#include "jit/jit.hpp"
#include "runtime/cpu.hpp"
#include "runtime/maps/map_check.hpp"
#include "runtime/registry.hpp"
#include "verifier/verifier.hpp"

namespace decade {

std::vector<std::string> engines() {
  if (jit::available()) return {"jit", "interp"};
  return {"interp"};
}

std::vector<std::string> extensions() {
  const auto names = supported_extensions();
  return {names.begin(), names.end()};
}

namespace {

Result<std::string> pick_engine(const std::string& requested) {
  if (requested.empty()) return engines().front();
  for (const auto& e : engines()) {
    if (e == requested) return e;
  }
  return make_error(ErrorCode::InvalidArgument, fmt::format("engine '{}' is not available in this build", requested));
}

Result<const ProgramType*> type_for(const BpfObject::Impl& impl, const ObjectProgram& p) {
  const ProgramType* t = impl.program_type_of(p);
  if (!t)
    return make_error(ErrorCode::ProgramTypeNotFound,
                      fmt::format("program '{}': no program type for section '{}'", p.name, p.section));
  return t;
}

std::vector<const FuncProto*> kfuncs_of(const Object& o) {
  std::vector<const FuncProto*> out;
  for (const auto& k : o.kfuncs) out.push_back(k.proto);
  return out;
}

Error name_program(Error e, const ObjectProgram& p) {
  e = api::with_source(std::move(e), p.program);
  e.message = fmt::format("program '{}': {}", p.name, e.message);
  return e;
}

// The stack rules: the host's size (0: the kernel's 512), divided when the
// object declares the divstack extension (its check refused it before when
// the host disabled it).
void set_stack_options(VerifyOptions& vo, const Object& obj, uint32_t stack_size) {
  if (stack_size) vo.max_stack = stack_size;
  const auto& ext = obj.extensions;
  vo.divided_stack = std::find(ext.begin(), ext.end(), "divstack") != ext.end();
}

Result<VerifyResult> verify_one(const BpfObject::Impl& impl, const ObjectProgram& p, const ProgramType* type,
                                std::vector<const MapDef*> maps, int log_level, uint64_t max_insns, uint64_t max_memory,
                                uint32_t stack_size) {
  VerifyInput in;
  in.program = &p.program;
  in.platform = &impl.platform;
  in.type = type;
  in.maps = std::move(maps);
  in.kfuncs = kfuncs_of(impl.object);
  in.btf = impl.object.btf.get();
  in.sleepable = api::sleepable_section(p.section);
  VerifyOptions vo;
  if (max_insns) vo.max_insns_processed = max_insns;
  if (max_memory) vo.max_memory = max_memory;
  vo.log_level = log_level;
  vo.fastcall = !impl.load_opts.keep_fastcall_spills;
  const uint32_t flags = impl.flags_of(p.name);
  vo.strict_alignment = (flags & kProgFlagStrictAlignment) && !(flags & kProgFlagAnyAlignment);
  set_stack_options(vo, impl.object, stack_size);
  return verify(in, vo);
}

Status create_maps(BpfObject::Impl& impl) {
  const LoadOptions& o = impl.load_opts;
  impl.map_budget = std::make_shared<MemoryBudget>(o.object_map_memory ? o.object_map_memory : kDefaultObjectMemoryLimit);
  const MapLimits limits{o.map_memory ? o.map_memory : kDefaultMapMemoryLimit, impl.map_budget};
  for (auto& slot : impl.maps) {
    if (slot->index == api::kNoIndex) continue;
    MapDef& def = impl.object.maps[slot->index];
    // libbpf's fix-up: a perf event array without max_entries gets one slot per CPU.
    if (def.type == MapType::PerfEventArray && def.max_entries == 0) def.max_entries = possible_cpus();
    std::string pin_path;
    auto m = api::create_pinned_if_requested(impl, def, &pin_path);
    if (pin_path.empty()) m = create_map(def, limits);
    slot->unsupported.reset();
    // With pin_maps every map must be shared: one that cannot be fails the
    // load, naming it, instead of only the programs that use it.
    if (!m && m.error().code == ErrorCode::MapBadType && o.pin_maps.empty()) {
      slot->unsupported = m.error();  // fails the programs that use it (uses_unsupported_map)
      continue;
    }
    if (!m) {
      Error e = m.error();
      const std::string prefix = fmt::format("map '{}': ", def.name);
      if (!e.message.starts_with(prefix)) e.message = prefix + e.message;
      return std::unexpected(std::move(e));
    }
    slot->map = std::shared_ptr<Map>(std::move(*m));
    slot->id = register_map(slot->map);
    slot->pin_path = std::move(pin_path);
  }
  return ok();
}

uint64_t steady_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

Result<std::unique_ptr<Executable>> compile_program(const BpfObject::Impl& impl, const ObjectProgram& p,
                                                    const ProgramType* type, const std::string& engine,
                                                    ProgramEnv env, std::vector<const MapDef*> defs,
                                                    LoadTimes* times) {
  uint64_t t0 = steady_ns();
  if (impl.load_opts.unverified_checked_execution) {
    auto exe = engine == "jit" ? jit::compile_checked(p.program, std::move(env))
                               : interp::compile_checked(p.program, std::move(env));
    times->compile_ns = steady_ns() - t0;
    return exe;
  }
  auto v = verify_one(impl, p, type, std::move(defs), 0, impl.load_opts.max_verifier_insns,
                      impl.load_opts.max_verifier_memory, impl.load_opts.stack_size);
  if (!v) return std::unexpected(v.error());
  const uint64_t t1 = steady_ns();
  times->verify_ns = t1 - t0;
  auto exe = engine == "jit" ? jit::compile(v->program, std::move(env)) : interp::compile(v->program, std::move(env));
  times->compile_ns = steady_ns() - t1;
  return exe;
}

// A program that references a map of a type Decade lacks cannot load: the
// error names the map, its type and the instruction that references it.
Status uses_unsupported_map(const BpfObject::Impl& impl, const ObjectProgram& p) {
  for (const Insn& insn : p.program.insns) {
    const Sem sem = insn.info().sem;
    if (sem != Sem::LdMapFd && sem != Sem::LdMapIdx && sem != Sem::LdMapValue && sem != Sem::LdMapIdxValue) continue;
    if (p.program.raw_map_fd(insn)) continue;  // no map: the verifier refuses it
    const auto idx = static_cast<size_t>(static_cast<uint32_t>(insn.imm));
    for (const auto& slot : impl.maps) {
      if (slot->index != idx || !slot->unsupported) continue;
      Error e = *slot->unsupported;
      e.insn = insn.pc;
      e.message = fmt::format("program '{}' uses {}", p.name, e.message);
      return std::unexpected(std::move(e));
    }
  }
  return ok();
}

Status load_programs(BpfObject::Impl& impl, const std::string& engine) {
  std::vector<Map*> maps(impl.object.maps.size(), nullptr);
  std::vector<const MapDef*> defs(impl.object.maps.size(), nullptr);
  for (auto& slot : impl.maps) {
    if (slot->index == api::kNoIndex) continue;
    maps[slot->index] = slot->map.get();
    defs[slot->index] = slot->map ? &slot->map->def() : &impl.object.maps[slot->index];
  }
  for (auto& slot : impl.programs) {
    if (slot->index == api::kNoIndex || !impl.autoloads(*slot)) continue;
    const ObjectProgram& p = impl.object.programs[slot->index];
    if (auto s = impl.program_ready(p); !s) return s;
    if (auto s = check_extensions(p.program, impl.object.extensions, impl.load_opts.disabled_extensions); !s)
      return std::unexpected(name_program(s.error(), p));
    if (auto s = uses_unsupported_map(impl, p); !s) return s;
    auto type = type_for(impl, p);
    if (!type) return std::unexpected(type.error());
    ProgramEnv env;
    env.platform = &impl.platform;
    env.maps = maps;
    env.kfuncs = kfuncs_of(impl.object);
    LoadTimes times;
    auto exe = compile_program(impl, p, *type, engine, std::move(env), defs, &times);
    if (!exe) return std::unexpected(name_program(exe.error(), p));
    auto handle = std::make_shared<ProgramHandle>();
    handle->name = p.name;
    handle->profile = api::tail_call_profile(p, **type, engine, impl.load_opts.unverified_checked_execution);
    handle->executable = std::shared_ptr<Executable>(std::move(*exe));
    if (auto s = api::claim_prog_arrays(p, *handle, maps); !s) return std::unexpected(name_program(s.error(), p));
    slot->engine = engine + (impl.load_opts.unverified_checked_execution ? "-checked" : "");
    slot->type = *type;
    slot->times = times;
    slot->handle = handle;
    slot->id = register_program(std::move(handle));
  }
  return ok();
}

api::MapSlot* map_slot_at(BpfObject::Impl& impl, uint32_t index) {
  for (auto& m : impl.maps) {
    if (m->index == index) return m.get();
  }
  return nullptr;
}

// Slots filled statically in C (`.values = { [0] = &prog }`), as libbpf does
// after creating the maps and loading the programs.
Status fill_static_slots(BpfObject::Impl& impl) {
  for (const Object::SlotInit& init : impl.object.slot_inits) {
    api::MapSlot* outer = map_slot_at(impl, init.map);
    if (!outer || !outer->map) return make_error(ErrorCode::ElfMissingMap, "static slot of a missing map");
    uint32_t id = 0;
    if (init.inner_map >= 0) {
      api::MapSlot* inner = map_slot_at(impl, static_cast<uint32_t>(init.inner_map));
      if (!inner || !inner->map) return make_error(ErrorCode::MapBadInner, fmt::format("map '{}': inner map missing", outer->name));
      id = inner->id;
    } else {
      for (auto& p : impl.programs) {
        if (p->index != api::kNoIndex && p->name == init.program) id = p->id;
      }
      if (!id)
        return make_error(ErrorCode::ProgramNotFound,
                          fmt::format("map '{}' slot {}: program '{}' is not loaded (no such program, or its autoload is off)",
                                      outer->name, init.slot, init.program));
    }
    if (outer->map->type() == MapType::ProgArray) {
      if (auto s = prog_array_insert(*outer->map, init.slot, id, kBpfAny); !s) return s;
      continue;
    }
    long rc = outer->map->host_update(&init.slot, &id, kBpfAny);
    if (rc) return std::unexpected(api::errno_error(rc, fmt::format("filling slot {} of map '{}'", init.slot, outer->name)));
  }
  return ok();
}

void unload(BpfObject::Impl& impl) {
  for (auto& p : impl.programs) {
    if (p->id) unregister_program(p->id);
    p->id = 0;
    p->handle.reset();
    p->engine.clear();
    p->times = {};
  }
  for (auto& m : impl.maps) {
    if (m->id) unregister_map(m->id);
    m->id = 0;
    m->map.reset();
  }
}

}  // namespace

Status BpfObject::load(const LoadOptions& opts) {
  Impl& impl = *impl_;
  if (impl.loaded) return make_error(ErrorCode::InvalidArgument, "the object is already loaded");
  if (impl.dirty || impl.deferred) {
    if (auto s = impl.reload(); !s) return s;
  }
  auto engine = pick_engine(opts.engine);
  if (!engine) return std::unexpected(engine.error());
  impl.load_opts = opts;
  if (!opts.trace_file.empty()) {
    if (auto s = impl.trace->share(opts.trace_file); !s) return s;
  }
  if (auto s = create_maps(impl); !s) {
    unload(impl);
    return s;
  }
  if (auto s = load_programs(impl, *engine); !s) {
    unload(impl);
    return s;
  }
  if (auto s = fill_static_slots(impl); !s) {
    unload(impl);
    return s;
  }
  impl.loaded = true;
  return ok();
}

Result<std::vector<VerifyReport>> BpfObject::verify_programs(std::string_view program, int log_level,
                                                             uint64_t max_insns, uint64_t max_memory,
                                                             uint32_t stack_size) {
  Impl& impl = *impl_;
  if (impl.dirty || impl.deferred) {
    if (auto s = impl.reload(); !s) return std::unexpected(s.error());
  }
  std::vector<const MapDef*> defs;
  for (const MapDef& d : impl.object.maps) defs.push_back(&d);
  // Maps of a type Decade lacks fail the programs that use them, as in load().
  for (auto& slot : impl.maps) {
    if (slot->index == api::kNoIndex || slot->map) continue;
    Status s = check_map_type(impl.object.maps[slot->index]);
    if (s) slot->unsupported.reset();
    else slot->unsupported = s.error();
  }
  std::vector<VerifyReport> out;
  for (const auto& slot : impl.programs) {
    if (slot->index == api::kNoIndex) continue;
    const ObjectProgram& p = impl.object.programs[slot->index];
    if (program.empty() ? !impl.autoloads(*slot) : p.name != program) continue;
    const Status ready = impl.program_ready(p);
    // Instructions that do not decode (a jump out of range, register 15)
    // refuse the program as the kernel's verifier refuses them; any other
    // reason it cannot load (a section naming no type, a missing kfunc)
    // gives no verdict.
    const auto code = ready ? 0 : static_cast<int>(ready.error().code);
    if (!ready && (code < 100 || code >= 200)) return std::unexpected(ready.error());
    auto type = type_for(impl, p);
    if (!type) return std::unexpected(type.error());
    VerifyReport r;
    r.program = p.name;
    r.type = (*type)->name;
    r.insn_count = p.program.slot_count;
    if (!ready) {
      r.error = ready.error();
      out.push_back(std::move(r));
      continue;
    }
    if (auto s = uses_unsupported_map(impl, p); !s) {
      r.error = api::with_source(s.error(), p.program);
      out.push_back(std::move(r));
      continue;
    }
    auto v = verify_one(impl, p, *type, defs, log_level, max_insns, max_memory, stack_size);
    if (v) {
      r.accepted = true;
      r.log = std::move(v->log);
      const VerifierStats& st = v->program->stats();
      r.insns_processed = st.insns_processed;
      r.states_stored = st.states_stored;
      r.peak_states = st.peak_states;
      r.peak_memory = st.peak_memory;
      r.time_ns = st.time_ns;
    } else {
      r.error = api::with_source(v.error(), p.program);
    }
    out.push_back(std::move(r));
  }
  if (out.empty() && !program.empty())
    return make_error(ErrorCode::ProgramNotFound, fmt::format("no program named '{}'", program));
  return out;
}

}  // namespace decade
