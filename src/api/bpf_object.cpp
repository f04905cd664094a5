// SPDX-License-Identifier: Apache-2.0
// BpfObject: open, configure before load, look up programs, maps and global
// data. load() lives in object_load.cpp.
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "api/object_impl.hpp"
#include "common/file.hpp"
#include "isa/decode.hpp"
#include "runtime/registry.hpp"

namespace decade {

namespace {

// Failures of the whole object the host can still fix between open() and
// load(). A program's own (its section names no program type, a kfunc it
// calls is missing) stay with the program (ObjectProgram::error) and are
// fixed the same way: the next load() or verify_programs() relinks after
// the host's additions.
bool fixable_before_load(ErrorCode c) {
  return c == ErrorCode::KfuncNotFound || c == ErrorCode::HelperNotFound || c == ErrorCode::ProgramTypeNotFound ||
         c == ErrorCode::ElfKconfigMissing || c == ErrorCode::CoreNoMatch || c == ErrorCode::CoreAmbiguous;
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string n = slash == std::string::npos ? path : path.substr(slash + 1);
  if (auto dot = n.find('.'); dot != std::string::npos && dot > 0) n.resize(dot);
  return n;
}

template <typename Slot, typename Items>
void rebind(std::vector<std::unique_ptr<Slot>>& slots, const Items& items, BpfObject::Impl* owner) {
  for (auto& s : slots) s->index = api::kNoIndex;
  for (size_t i = 0; i < items.size(); ++i) {
    auto it = std::find_if(slots.begin(), slots.end(),
                           [&](const auto& s) { return s->index == api::kNoIndex && s->name == items[i].name; });
    if (it == slots.end()) {
      slots.push_back(std::make_unique<Slot>());
      it = slots.end() - 1;
      (*it)->owner = owner;
      (*it)->name = items[i].name;
    }
    (*it)->index = i;
  }
}

Status not_before_load(const BpfObject::Impl& impl, std::string_view what) {
  if (impl.loaded) return make_error(ErrorCode::InvalidArgument, fmt::format("{}: the object is already loaded", what));
  return ok();
}

}  // namespace

BpfObject::Impl::~Impl() {
  // bpf_timer callbacks run programs that reach any of the object's maps:
  // every timer stops (and a running callback ends) before anything goes.
  for (auto& m : maps) {
    if (!m->map) continue;
    m->map->stop_timers();
    for (Map* inner : m->map->inner_maps()) inner->stop_timers();
  }
  for (auto& p : programs) {
    if (p->id) unregister_program(p->id);
    p->handle.reset();
  }
  for (auto& m : maps) {
    if (m->id) unregister_map(m->id);
    m->map.reset();
  }
}

Status BpfObject::Impl::reload() {
  if (elf.empty()) return ok();  // made from raw bytecode: nothing to relocate
  ObjectLoadOptions o;
  o.platform = &platform;
  o.target_btf = target_btf;
  o.name = name;
  o.kconfig = kconfig;
  auto fresh = load_object(elf, o);
  if (!fresh) return std::unexpected(fresh.error());
  // Keep the host's edits of global data (the initial images); .kconfig
  // comes from the kconfig text alone.
  for (MapDef& d : fresh->maps) {
    if (!api::is_global_data(d)) continue;
    for (const MapDef& old : object.maps) {
      if (old.name == d.name && old.initial_value.size() == d.initial_value.size()) d.initial_value = old.initial_value;
    }
  }
  object = std::move(*fresh);
  apply_max_entries();
  deferred.reset();
  dirty = false;
  sync_slots();
  return ok();
}

void BpfObject::Impl::sync_slots() {
  rebind(programs, object.programs, this);
  rebind(maps, object.maps, this);
}

const ProgramType* BpfObject::Impl::program_type_of(const ObjectProgram& p) const {
  for (const auto& [prog, type] : type_overrides) {
    if (prog == p.name) return platform.program_type(type);
  }
  if (!p.type.empty()) return platform.program_type(p.type);
  return platform.program_type_for_section(p.section);
}

bool BpfObject::Impl::autoloads(const api::ProgramSlot& slot) const {
  if (slot.autoload) return *slot.autoload;
  return slot.index == api::kNoIndex || !object.programs[slot.index].section.starts_with('?');
}

Status BpfObject::Impl::program_ready(const ObjectProgram& p) const {
  if (!p.error) return ok();
  if (p.error->code == ErrorCode::ElfUnknownSection && program_type_of(p)) return ok();
  return std::unexpected(*p.error);
}

Status BpfObject::Impl::check_ready() const {
  if (deferred) return std::unexpected(*deferred);
  return ok();
}

BpfObject::BpfObject(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpfObject::BpfObject(BpfObject&&) noexcept = default;
BpfObject& BpfObject::operator=(BpfObject&&) noexcept = default;
BpfObject::~BpfObject() = default;

Result<BpfObject> BpfObject::open(const std::string& path) {
  auto bytes = read_file_bytes(path);
  if (!bytes) return std::unexpected(bytes.error());
  return open(*bytes, base_name(path));
}

Result<BpfObject> BpfObject::open(std::span<const uint8_t> elf_bytes, std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->elf.assign(elf_bytes.begin(), elf_bytes.end());
  if (impl->elf.empty()) return make_error(ErrorCode::ElfMalformed, "empty object file");
  ObjectLoadOptions o;
  o.platform = &impl->platform;
  o.name = impl->name;
  auto obj = load_object(impl->elf, o);
  if (!obj) {
    if (!fixable_before_load(obj.error().code)) return std::unexpected(obj.error());
    impl->deferred = obj.error();
  } else {
    impl->object = std::move(*obj);
  }
  impl->sync_slots();
  return BpfObject(std::move(impl));
}

Result<BpfObject> BpfObject::from_bytecode(std::span<const uint8_t> code, std::string name, std::string_view type) {
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  const ProgramType* t = impl->platform.program_type(std::string(type));
  if (!t) return make_error(ErrorCode::ProgramTypeNotFound, fmt::format("unknown program type '{}'", type));
  auto prog = decode(code);
  if (!prog) return std::unexpected(prog.error());
  prog->name = name;
  ObjectProgram p;
  p.name = name;
  p.section = std::string(type);
  p.type = t->name;
  p.program = std::move(*prog);
  impl->object.name = name;
  impl->object.programs.push_back(std::move(p));
  impl->sync_slots();
  return BpfObject(std::move(impl));
}

Status BpfObject::set_target_btf(std::span<const uint8_t> btf) {
  if (auto s = not_before_load(*impl_, "set_target_btf"); !s) return s;
  auto parsed = api::parse_target_btf(btf);
  if (!parsed) return std::unexpected(parsed.error());
  impl_->target_btf = std::move(*parsed);
  impl_->dirty = true;
  return ok();
}

std::vector<std::string> BpfObject::drain_trace() const {
  std::vector<std::string> out;
  impl_->trace->drain(out);
  return out;
}

uint64_t BpfObject::trace_dropped() const { return impl_->trace->dropped(); }

Status BpfObject::set_trace_callback(std::function<void(std::string_view line)> cb) {
  impl_->trace->set_callback(std::move(cb));
  return ok();
}

std::vector<std::string> BpfObject::warnings() const {
  std::vector<std::string> out;
  if (const size_t n = impl_->object.core_relos_on_own_btf)
    out.push_back(fmt::format("{} CO-RE relocation{} resolved against the object's own BTF (no target BTF given): "
                              "the compiler's layouts are kept, whatever the host's are",
                              n, n == 1 ? "" : "s"));
  return out;
}

Status BpfObject::set_target_btf_file(const std::string& path) {
  auto bytes = read_file_bytes(path);
  if (!bytes) return std::unexpected(bytes.error());
  return set_target_btf(*bytes);
}

Status BpfObject::set_kconfig(std::string_view text) {
  if (auto s = not_before_load(*impl_, "set_kconfig"); !s) return s;
  impl_->kconfig = std::string(text);
  impl_->dirty = true;
  return ok();
}

Status BpfObject::add_helper(const FunctionSpec& spec) {
  if (auto s = not_before_load(*impl_, "add_helper"); !s) return s;
  auto proto = api::to_func_proto(spec, false);
  if (!proto) return std::unexpected(proto.error());
  if (auto s = api::add_host_helper(impl_->platform, std::move(*proto)); !s) return s;
  impl_->dirty = true;
  return ok();
}

Status BpfObject::add_kfunc(const FunctionSpec& spec) {
  if (auto s = not_before_load(*impl_, "add_kfunc"); !s) return s;
  auto proto = api::to_func_proto(spec, true);
  if (!proto) return std::unexpected(proto.error());
  if (auto s = impl_->platform.add_kfunc(std::move(*proto)); !s) return s;
  impl_->dirty = true;
  return ok();
}

Status BpfObject::add_program_type(const ProgramTypeSpec& spec) {
  if (auto s = not_before_load(*impl_, "add_program_type"); !s) return s;
  if (auto s = impl_->platform.add_program_type(api::to_program_type(spec)); !s) return s;
  impl_->dirty = true;
  return ok();
}

Status BpfObject::allow_helper(std::string_view type, uint32_t helper_id) {
  if (auto s = not_before_load(*impl_, "allow_helper"); !s) return s;
  if (!impl_->platform.program_type(std::string(type)))
    return make_error(ErrorCode::ProgramTypeNotFound, fmt::format("unknown program type '{}'", type));
  if (auto s = impl_->platform.allow_helper(std::string(type), helper_id); !s) return s;
  impl_->dirty = true;
  return ok();
}

Status BpfObject::set_program_type(std::string_view program, std::string_view type) {
  if (auto s = not_before_load(*impl_, "set_program_type"); !s) return s;
  // A type name ("xdp", "socket_filter") or, as bpftool's `type` argument
  // takes it, a libbpf section name ("socket", "classifier", "cgroup/skb").
  const ProgramType* t = impl_->platform.program_type(std::string(type));
  if (!t) t = impl_->platform.program_type_for_section(std::string(type));
  if (!t)
    return make_error(ErrorCode::ProgramTypeNotFound,
                      fmt::format("unknown program type '{}' (neither a type nor a section name)", type));
  if (!this->program(program)) return std::unexpected(this->program(program).error());
  std::erase_if(impl_->type_overrides, [&](const auto& o) { return o.first == program; });
  impl_->type_overrides.emplace_back(std::string(program), t->name);
  return ok();
}

Status BpfObject::set_autoload(std::string_view program, bool autoload) {
  if (auto s = not_before_load(*impl_, "set_autoload"); !s) return s;
  for (auto& slot : impl_->programs) {
    if (slot->index == api::kNoIndex || slot->name != program) continue;
    slot->autoload = autoload;
    return ok();
  }
  return make_error(ErrorCode::ProgramNotFound, fmt::format("no program named '{}'", program));
}

Status BpfObject::set_program_flags(std::string_view program, uint32_t flags) {
  if (auto s = not_before_load(*impl_, "set_program_flags"); !s) return s;
  if (const uint32_t other = flags & ~(kProgFlagStrictAlignment | kProgFlagAnyAlignment))
    return make_error(ErrorCode::Unsupported,
                      fmt::format("program flags {:#x}: only BPF_F_STRICT_ALIGNMENT (1) and BPF_F_ANY_ALIGNMENT (2) are supported", other));
  if (!this->program(program)) return std::unexpected(this->program(program).error());
  std::erase_if(impl_->prog_flags, [&](const auto& o) { return o.first == program; });
  impl_->prog_flags.emplace_back(std::string(program), flags);
  return ok();
}

namespace {

// libbpf's adjust_ringbuf_sz: the smallest power-of-two multiple of the page
// size that holds `n` bytes.
uint32_t ringbuf_size(uint32_t n) {
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t size = page;
  while (size < n) size <<= 1;
  return size > UINT32_MAX ? n : static_cast<uint32_t>(size);
}

}  // namespace

void BpfObject::Impl::apply_max_entries() {
  for (const auto& [name, n] : max_entries_overrides) {
    for (MapDef& d : object.maps)
      if (d.name == name) d.max_entries = d.type == MapType::Ringbuf ? ringbuf_size(n) : n;
  }
}

Status BpfObject::set_max_entries(std::string_view map, uint32_t max_entries) {
  if (auto s = not_before_load(*impl_, "set_max_entries"); !s) return s;
  const auto def = std::find_if(impl_->object.maps.begin(), impl_->object.maps.end(),
                                [&](const MapDef& d) {
                                  // Global data answers to its section name too, as in map().
                                  return d.name == map || (map.starts_with('.') && api::is_global_data(d) && d.section == map);
                                });
  if (def == impl_->object.maps.end())
    return make_error(ErrorCode::MapNotFound, fmt::format("no map named '{}'", map));
  if (api::is_global_data(*def))
    return make_error(ErrorCode::MapBadType,
                      fmt::format("map '{}' is global data: its size is its section's", map));
  std::erase_if(impl_->max_entries_overrides, [&](const auto& o) { return o.first == map; });
  impl_->max_entries_overrides.emplace_back(std::string(map), max_entries);
  impl_->apply_max_entries();
  return ok();
}

std::vector<std::string> BpfObject::static_slot_programs() const {
  std::vector<std::string> out;
  for (const Object::SlotInit& init : impl_->object.slot_inits)
    if (!init.program.empty() && std::find(out.begin(), out.end(), init.program) == out.end()) out.push_back(init.program);
  return out;
}

Status BpfObject::grant(Grant g) {
  if (auto s = not_before_load(*impl_, "grant"); !s) return s;
  if (g != Grant::ReadHostMemory && g != Grant::Privileged)
    return make_error(ErrorCode::InvalidArgument, fmt::format("unknown grant {}", static_cast<uint32_t>(g)));
  impl_->platform.grant(g == Grant::Privileged ? kGrantPrivileged : kGrantReadHostMemory);
  impl_->dirty = true;
  return ok();
}

Status BpfObject::set_fib(const FibTable& fib) {
  if (auto s = not_before_load(*impl_, "set_fib"); !s) return s;
  impl_->platform.set_fib(fib);
  impl_->dirty = true;
  return ok();
}

Status BpfObject::add_readable_range(const void* start, size_t size) {
  if (auto s = not_before_load(*impl_, "add_readable_range"); !s) return s;
  return impl_->platform.add_readable_range({reinterpret_cast<uint64_t>(start), size});
}

bool BpfObject::loaded() const { return impl_->loaded; }
std::string_view BpfObject::name() const { return impl_->name; }

std::vector<std::string> BpfObject::program_names() const {
  std::vector<std::string> out;
  for (const auto& p : impl_->object.programs) out.push_back(p.name);
  return out;
}

std::vector<std::string> BpfObject::map_names() const {
  std::vector<std::string> out;
  for (const auto& m : impl_->object.maps) out.push_back(m.name);
  return out;
}

Result<BpfProgram> BpfObject::program(std::string_view name) const {
  if (auto s = impl_->check_ready(); !s) return std::unexpected(s.error());
  for (const auto& slot : impl_->programs) {
    if (slot->index == api::kNoIndex) continue;
    if (name.empty() || slot->name == name) return BpfProgram(slot.get());
  }
  if (name.empty()) return make_error(ErrorCode::ProgramNotFound, "the object has no programs");
  return make_error(ErrorCode::ProgramNotFound, fmt::format("no program named '{}'", name));
}

namespace {
api::MapSlot* find_global(const BpfObject::Impl& impl, std::string_view section);
}  // namespace

Result<BpfMap> BpfObject::map(std::string_view name) const {
  if (auto s = impl_->check_ready(); !s) return std::unexpected(s.error());
  for (const auto& slot : impl_->maps) {
    if (slot->index != api::kNoIndex && slot->name == name) return BpfMap(slot.get());
  }
  // A global-data map also answers to its section name (".bss", ".rodata"),
  // as libbpf's find_map_by_name and global() take it: one name everywhere.
  if (name.starts_with('.')) {
    if (api::MapSlot* g = find_global(*impl_, name)) return BpfMap(g);
  }
  return make_error(ErrorCode::MapNotFound, fmt::format("no map named '{}'", name));
}

namespace {

api::MapSlot* find_global(const BpfObject::Impl& impl, std::string_view section) {
  for (const auto& slot : impl.maps) {
    if (slot->index == api::kNoIndex) continue;
    const MapDef& d = impl.object.maps[slot->index];
    if (api::is_global_data(d) && api::global_section_matches(d, section)) return slot.get();
  }
  return nullptr;
}

}  // namespace

Result<std::span<uint8_t>> BpfObject::global(std::string_view section) {
  if (auto s = impl_->check_ready(); !s) return std::unexpected(s.error());
  api::MapSlot* slot = find_global(*impl_, section);
  if (!slot) return make_error(ErrorCode::MapNotFound, fmt::format("no global data section '{}'", section));
  MapDef& d = impl_->object.maps[slot->index];
  if (!impl_->loaded) return std::span<uint8_t>(d.initial_value);
  if (d.frozen)
    return make_error(ErrorCode::MapBadFlags, fmt::format("'{}' is frozen after load; use global_view", d.name));
  uint8_t* base = slot->map ? slot->map->direct_value_base() : nullptr;
  if (!base) return make_error(ErrorCode::MapBadType, fmt::format("'{}' has no direct memory", d.name));
  return std::span<uint8_t>(base, d.value_size);
}

Result<std::span<const uint8_t>> BpfObject::global_view(std::string_view section) const {
  if (auto s = impl_->check_ready(); !s) return std::unexpected(s.error());
  api::MapSlot* slot = find_global(*impl_, section);
  if (!slot) return make_error(ErrorCode::MapNotFound, fmt::format("no global data section '{}'", section));
  const MapDef& d = impl_->object.maps[slot->index];
  if (!impl_->loaded) return std::span<const uint8_t>(d.initial_value);
  const uint8_t* base = slot->map ? slot->map->direct_value_base() : nullptr;
  if (!base) return make_error(ErrorCode::MapBadType, fmt::format("'{}' has no direct memory", d.name));
  return std::span<const uint8_t>(base, d.value_size);
}

Result<std::span<uint8_t>> BpfObject::global_var(std::string_view name) {
  if (auto s = impl_->check_ready(); !s) return std::unexpected(s.error());
  const Btf* btf = impl_->object.btf.get();
  if (!btf) return make_error(ErrorCode::ElfBadSection, "the object has no BTF to find variables by name");
  for (const MapDef& d : impl_->object.maps) {
    if (!api::is_global_data(d)) continue;
    const BtfType* sec = btf->type(btf->find(d.section, BtfKind::DataSec));
    if (!sec) continue;
    for (const BtfVarSecInfo& v : sec->secinfo) {
      const BtfType* var = btf->type(v.type);
      if (!var || var->name != name) continue;
      auto mem = global(d.section);
      if (!mem) return std::unexpected(mem.error());
      if (uint64_t{v.offset} + v.size > mem->size())
        return make_error(ErrorCode::BtfMalformed, fmt::format("variable '{}' lies outside {}", name, d.section));
      return mem->subspan(v.offset, v.size);
    }
  }
  return make_error(ErrorCode::MapNotFound, fmt::format("no global variable named '{}'", name));
}

}  // namespace decade
