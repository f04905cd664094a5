// SPDX-License-Identifier: Apache-2.0
// Internal state behind the public handles of include/decade/decade.hpp.
// BpfObject::Impl owns everything; BpfProgram and BpfMap point at slots that
// live as long as the object (slots are heap-allocated once and never moved,
// so handles stay valid across a reload of the object before load()).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "btf/btf.hpp"
#include "decade/decade.hpp"
#include "loader/object.hpp"
#include "runtime/engine.hpp"
#include "runtime/map.hpp"
#include "runtime/platform.hpp"
#include "runtime/run_control.hpp"
#include "runtime/trace_buffer.hpp"

namespace decade::api {

inline constexpr size_t kNoIndex = SIZE_MAX;

struct ProgramSlot {
  BpfObject::Impl* owner = nullptr;
  std::string name;
  size_t index = kNoIndex;  // into Impl::object.programs; kNoIndex when gone after a reload
  // BpfObject::set_autoload; unset: loaded unless its section is "?sec" (libbpf's default).
  std::optional<bool> autoload;
  // After load:
  std::shared_ptr<ProgramHandle> handle;
  uint32_t id = 0;  // registry id (what a prog_array stores)
  std::string engine;
  const ProgramType* type = nullptr;
  LoadTimes times;
  // BpfProgram::set_timeout: handles are const views, and runs on other
  // threads read it.
  mutable std::atomic<uint64_t> timeout_ns{0};
};

struct MapSlot {
  BpfObject::Impl* owner = nullptr;
  std::string name;
  size_t index = kNoIndex;  // into Impl::object.maps
  // After load:
  std::shared_ptr<Map> map;
  uint32_t id = 0;  // registry id (what a map-in-map stores)
  std::string pin_path;  // the pin file of a LIBBPF_PIN_BY_NAME map, else empty
  // A map type Decade lacks (MapBadType): the map is not created, and only
  // the programs that reference it fail to load, with this error.
  std::optional<Error> unsupported;
};

// Maps a negative errno from the runtime's host map API to an Error.
Error errno_error(long rc, std::string_view what);

// The platform the host extends (a copy of Platform::standard()).
ProgramType to_program_type(const ProgramTypeSpec& spec);
// The function's prototype; InvalidArgument for a spec with both or neither
// of fn and fn_wide, or stack_args outside 1..7 with fn_wide (0 with fn).
Result<FuncProto> to_func_proto(const FunctionSpec& spec, bool kfunc);
// Registers a host helper and allows it in every program type (through
// Platform::allow_helper; the object is re-bound before load).
Status add_host_helper(Platform& platform, FuncProto proto);

// Global data (.data, .bss, .rodata, .data.*, ...) as the loader makes it.
bool is_global_data(const MapDef& d);
// Whether a global data map holds `section` (".rodata" or "rodata").
bool global_section_matches(const MapDef& d, std::string_view section);

// Raw .BTF bytes, or an ELF file carrying a .BTF section (pahole -J output).
Result<std::shared_ptr<const Btf>> parse_target_btf(std::span<const uint8_t> bytes);

// Attaches the BTF line of `insn` to an error that names an instruction.
Error with_source(Error e, const Program& prog);

// Tail calls (tail_call_owner.cpp): the profile a loaded program brings to a
// prog_array, and the claim on every prog_array it refers to (maps: the
// object's maps by index), which fails with MapProgArrayMismatch at the
// referring instruction.
// libbpf's sleepable sections: the first component ends in ".s"
// ("uprobe.s/...", "fentry.s/...", "lsm.s/...").
bool sleepable_section(std::string_view sec);
TailCallProfile tail_call_profile(const ObjectProgram& p, const ProgramType& type, const std::string& engine,
                                  bool checked);
Status claim_prog_arrays(const ObjectProgram& p, const ProgramHandle& handle, std::span<Map* const> maps);

// A map that declares LIBBPF_PIN_BY_NAME, over its pin file (*pinned set);
// an empty pointer (and *pinned false) for any other map (map_pinning.cpp).
Result<std::unique_ptr<Map>> create_pinned_if_requested(const BpfObject::Impl& impl, const MapDef& def, std::string* pin_path);

// What the library's own tools (the CLI) read past the public API.
struct Access {
  // The decoded instructions of `p`; nullptr when gone after a reload.
  static const Program* program(const BpfProgram& p);
  // The object's BTF after the loader's fixups (DATASEC sizes and offsets); nullptr without -g.
  static const Btf* btf(const BpfObject& o);
};

}  // namespace decade::api

namespace decade {

struct CancelToken::State : CancelState {};

struct BpfObject::Impl {
  std::string name;
  std::vector<uint8_t> elf;      // empty for objects made from raw bytecode
  Platform platform = Platform::standard();
  std::shared_ptr<const Btf> target_btf;
  std::string kconfig;  // values of __kconfig externs (set_kconfig)
  Object object;
  // An open-time failure the host may still fix before load() (a kfunc,
  // helper or program type it has not registered yet).
  std::optional<Error> deferred;
  bool dirty = false;  // platform or target BTF changed since the last load_object
  std::vector<std::pair<std::string, std::string>> type_overrides;
  std::vector<std::pair<std::string, uint32_t>> prog_flags;  // set_program_flags
  uint32_t flags_of(const std::string& program) const {
    for (const auto& [name, f] : prog_flags)
      if (name == program) return f;
    return 0;
  }
  // set_max_entries: kept across reloads, applied to the fresh definitions.
  std::vector<std::pair<std::string, uint32_t>> max_entries_overrides;
  bool loaded = false;
  LoadOptions load_opts;
  // What the object's maps hold together (LoadOptions::object_map_memory), made at load.
  std::shared_ptr<MemoryBudget> map_budget;
  std::vector<std::unique_ptr<api::ProgramSlot>> programs;
  std::vector<std::unique_ptr<api::MapSlot>> maps;
  // bpf_printk output of the object's test runs (drain_trace, set_trace_callback).
  std::unique_ptr<TraceBuffer> trace = std::make_unique<TraceBuffer>();
  // Spec ids of __bpf_usdt_specs in use by the object's USDT links (usdt.cpp).
  std::mutex usdt_mu;
  std::vector<bool> usdt_spec_used;

  ~Impl();
  // Re-runs the loader with the current platform and target BTF, keeping the
  // host's edits of global data. Leaves the object untouched on failure.
  Status reload();
  // Puts max_entries_overrides into the object's map definitions.
  void apply_max_entries();
  // Rebuilds the slot index after object changed (slots are reused by name).
  void sync_slots();
  const ProgramType* program_type_of(const ObjectProgram& p) const;
  bool autoloads(const api::ProgramSlot& slot) const;
  // Why `p` cannot be verified or loaded (ObjectProgram::error), unless the
  // host has since given a program type to a program whose section named none.
  Status program_ready(const ObjectProgram& p) const;
  Status check_ready() const;
};

}  // namespace decade
