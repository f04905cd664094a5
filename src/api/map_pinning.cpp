// SPDX-License-Identifier: Apache-2.0
// LIBBPF_PIN_BY_NAME: maps whose BTF definition says
// `__uint(pinning, LIBBPF_PIN_BY_NAME)` are created over (or reuse) the
// pin file LoadOptions::pin_dir/<name> (runtime/maps/pinned.hpp); with
// LoadOptions::pin_maps every map is, in that directory; and BpfMap::pin,
// bpftool's `map pin`.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "api/object_impl.hpp"
#include "runtime/maps/map_check.hpp"
#include "runtime/maps/pinned.hpp"

namespace decade::api {
namespace {

constexpr uint32_t kPinByName = 1;  // LIBBPF_PIN_BY_NAME

// The value of the `pinning` member of map `name`'s definition in the
// .maps DATASEC: `int (*pinning)[N]` encodes N as the array's length.
uint32_t pinning_of(const Btf& btf, std::string_view name) {
  const BtfType* ds = btf.type(btf.find(".maps", BtfKind::DataSec));
  if (!ds) return 0;
  for (const BtfVarSecInfo& v : ds->secinfo) {
    const BtfType* var = btf.type(v.type);
    if (!var || var->kind != BtfKind::Var || var->name != name) continue;
    const BtfType* st = btf.type(btf.resolve(var->type));
    if (!st || st->kind != BtfKind::Struct) return 0;
    for (const BtfMember& m : st->members) {
      if (m.name != "pinning") continue;
      const BtfType* ptr = btf.type(m.type);
      const BtfType* arr = ptr && ptr->kind == BtfKind::Ptr ? btf.type(ptr->type) : nullptr;
      return arr && arr->kind == BtfKind::Array ? arr->nelems : 0;
    }
  }
  return 0;
}

std::string default_pin_dir() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  return xdg && *xdg ? std::string(xdg) + "/decade" : std::string("/run/decade");
}

}  // namespace

Result<std::unique_ptr<Map>> create_pinned_if_requested(const BpfObject::Impl& impl, const MapDef& def, std::string* pin_path) {
  pin_path->clear();
  const std::string& all = impl.load_opts.pin_maps;
  const Btf* btf = impl.object.btf.get();
  const bool by_name = btf && !is_global_data(def) && pinning_of(*btf, def.name) == kPinByName;
  if (all.empty() && !by_name) return std::unique_ptr<Map>();
  // A pin is shared with other processes, which a timer's callback (a
  // program of this one) cannot follow: refused, as an unsupported map.
  if (def.timer_off >= 0)
    return make_error(ErrorCode::MapBadType, fmt::format("map '{}': a pinned map cannot hold a bpf_timer", def.name));
  const std::string dir = !all.empty() ? all : impl.load_opts.pin_dir.empty() ? default_pin_dir() : impl.load_opts.pin_dir;
  *pin_path = dir + "/" + def.name;
  if (!all.empty()) {
    // Built over the pin instead of by create_map: its checks first.
    if (auto s = check_map_def(def); !s) return std::unexpected(s.error());
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error(ErrorCode::IoError, fmt::format("pin directory '{}': {}", dir, std::strerror(errno)));
  return open_pinned_map(def, *pin_path);
}

}  // namespace decade::api

namespace decade {

// bpftool's `map pin`: a map that lives in a pin already gets a second
// name for the same file (both stay shared); any other map is copied into
// a new pin, which later runs and processes share from then on.
Status BpfMap::pin(const std::string& path) const {
  const api::MapSlot& s = *static_cast<const api::MapSlot*>(impl_);
  if (!s.map) return make_error(ErrorCode::InvalidArgument, fmt::format("map '{}' is not created until load()", s.name));
  if (s.map->def().timer_off >= 0)
    return make_error(ErrorCode::MapBadType, fmt::format("map '{}': a map holding a bpf_timer cannot be pinned", s.name));
  if (s.pin_path.empty()) return pin_map_copy(*s.map, path);
  if (link(s.pin_path.c_str(), path.c_str()) != 0)
    return make_error(ErrorCode::IoError, fmt::format("pin '{}' as '{}': {}", s.pin_path, path, std::strerror(errno)));
  return ok();
}

}  // namespace decade
