// SPDX-License-Identifier: Apache-2.0
// BpfProgram::attach_usdt: a uprobe program on every site of a USDT probe,
// with libbpf's usdt.bpf.h conventions. Each site's argument locations go
// into the object's __bpf_usdt_specs array (struct __bpf_usdt_spec) at a
// spec id the object hands out, and the id is the attachment's cookie (the
// programs read it with bpf_get_attach_cookie, Decade's
// LINUX_HAS_BPF_COOKIE being 1); __bpf_usdt_ip_to_spec_id, when the object
// has it, maps the site's address to the id as well. Semaphores are
// incremented while the link is attached, as the kernel's uprobe reference
// counter does.
#include <fmt/format.h>

#include <array>
#include <atomic>
#include <cstring>
#include <mutex>

#include "api/probe_link.hpp"
#include "probe/usdt.hpp"

namespace decade {

namespace {

// struct __bpf_usdt_spec of libbpf's usdt.bpf.h: 12 argument specs of 16
// bytes (val_off u64, arg_type u32, reg_off s16, arg_signed u8,
// arg_bitshift u8), usdt_cookie u64 at 192, arg_cnt s16 at 200.
constexpr uint32_t kSpecSize = 208;
constexpr uint32_t kArgSpecSize = 16;
constexpr uint32_t kCookieOffset = 192;
constexpr uint32_t kArgCountOffset = 200;

std::array<uint8_t, kSpecSize> encode_spec(const std::vector<probe::UsdtArg>& args, uint64_t cookie) {
  std::array<uint8_t, kSpecSize> v{};
  for (size_t i = 0; i < args.size(); ++i) {
    uint8_t* a = v.data() + i * kArgSpecSize;
    const auto kind = static_cast<uint32_t>(args[i].kind);
    const uint8_t sign = args[i].is_signed, shift = static_cast<uint8_t>(64 - 8 * args[i].size);
    std::memcpy(a, &args[i].val_off, 8);
    std::memcpy(a + 8, &kind, 4);
    std::memcpy(a + 12, &args[i].reg_off, 2);
    std::memcpy(a + 14, &sign, 1);
    std::memcpy(a + 15, &shift, 1);
  }
  const auto count = static_cast<int16_t>(args.size());
  std::memcpy(v.data() + kCookieOffset, &cookie, 8);
  std::memcpy(v.data() + kArgCountOffset, &count, 2);
  return v;
}

Map* object_map(const BpfObject::Impl& o, std::string_view name) {
  for (const auto& m : o.maps)
    if (m->name == name) return m->map.get();
  return nullptr;
}

// The u16 semaphore the probe's own code tests before computing arguments.
void add_semaphore(uint64_t addr, int16_t delta) {
  std::atomic_ref<uint16_t>(*reinterpret_cast<uint16_t*>(addr)).fetch_add(static_cast<uint16_t>(delta));
}

// What one link holds and gives back: spec ids, ip map keys, semaphores.
struct UsdtHold {
  BpfObject::Impl* owner = nullptr;
  Map* specs = nullptr;
  Map* ip_map = nullptr;
  std::vector<uint32_t> ids;
  std::vector<uint64_t> ips;
  std::vector<uint64_t> semaphores;

  void release() {
    for (uint64_t s : semaphores) add_semaphore(s, -1);
    if (ip_map)
      for (uint64_t ip : ips) (void)ip_map->erase(&ip);
    const std::lock_guard lock(owner->usdt_mu);
    for (uint32_t id : ids) owner->usdt_spec_used[id] = false;
  }
};

// A free spec id of the object, marked used; nullopt when all are taken.
std::optional<uint32_t> take_spec_id(BpfObject::Impl& o, uint32_t max) {
  const std::lock_guard lock(o.usdt_mu);
  if (o.usdt_spec_used.size() < max) o.usdt_spec_used.resize(max, false);
  for (uint32_t i = 0; i < max; ++i)
    if (!o.usdt_spec_used[i]) {
      o.usdt_spec_used[i] = true;
      return i;
    }
  return std::nullopt;
}

// Writes the spec of `site` at a fresh id and the ip map entry; the id.
Result<uint32_t> add_spec(UsdtHold& h, const probe::UsdtSite& site, uint64_t cookie) {
  const auto id = take_spec_id(*h.owner, h.specs->def().max_entries);
  if (!id)
    return make_error(ErrorCode::ProbeAttachFailed,
                      fmt::format("__bpf_usdt_specs is full ({} specs)", h.specs->def().max_entries));
  h.ids.push_back(*id);
  const auto spec = encode_spec(site.args, cookie);
  if (h.specs->update(&*id, spec.data(), 0) != 0)
    return make_error(ErrorCode::ProbeAttachFailed, "cannot write __bpf_usdt_specs");
  if (h.ip_map) {
    if (h.ip_map->update(&site.addr, &*id, 0) != 0)
      return make_error(ErrorCode::ProbeAttachFailed, "cannot write __bpf_usdt_ip_to_spec_id");
    h.ips.push_back(site.addr);
  }
  return *id;
}

}  // namespace

Result<ProbeLink> BpfProgram::attach_usdt(const UsdtOptions& opts) const {
  auto slot = api::probe_program(impl_);
  if (!slot) return std::unexpected(slot.error());
  if (opts.provider.empty() || opts.name.empty())
    return make_error(ErrorCode::InvalidArgument, "attach_usdt: a provider and a probe name are needed");
  BpfObject::Impl& owner = *(*slot)->owner;
  auto h = std::make_shared<UsdtHold>();
  h->owner = &owner;
  h->specs = object_map(owner, "__bpf_usdt_specs");
  h->ip_map = object_map(owner, "__bpf_usdt_ip_to_spec_id");
  if (!h->specs || h->specs->def().value_size != kSpecSize || h->specs->def().key_size != 4)
    return make_error(ErrorCode::ProbeAttachFailed,
                      fmt::format("program '{}' has no __bpf_usdt_specs map of libbpf's layout (include <bpf/usdt.bpf.h>)",
                                  (*slot)->name));
  if (h->ip_map && (h->ip_map->def().key_size != 8 || h->ip_map->def().value_size != 4)) h->ip_map = nullptr;
  auto sites = probe::find_usdt(opts.binary, opts.provider, opts.name);
  if (!sites) return std::unexpected(sites.error());
  ProbeLink link;
  link.impl_ = std::make_unique<ProbeLink::Impl>();
  ProbeLink::Impl& l = *link.impl_;
  l.handle = (*slot)->handle;
  Executable* exe = (*slot)->handle->executable.get();
  l.target = {exe, exe->hit_entry(), owner.trace.get()};
  l.after_detach = [h] { h->release(); };
  const bool checked = (*slot)->engine.ends_with("-checked");
  // On an error the link, going out of scope, detaches what was attached.
  for (const probe::UsdtSite& site : *sites) {
    auto id = add_spec(*h, site, opts.cookie);
    if (!id) return std::unexpected(id.error());
    if (auto s = l.attach(site.addr, false, *id, checked); !s) return std::unexpected(s.error());
    if (site.semaphore) {
      add_semaphore(site.semaphore, 1);
      h->semaphores.push_back(site.semaphore);
    }
  }
  return link;
}

}  // namespace decade
