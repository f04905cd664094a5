// SPDX-License-Identifier: Apache-2.0
// BpfProgram::attach_uprobe and ProbeLink: a loaded uprobe program on the
// in-process probe core (src/probe). A hit runs the program with the
// engine it was loaded with, straight through Executable::run with the
// pt_regs as context; its bpf_printk lines go to the object's buffer.
#include <fmt/format.h>

#include <utility>

#include "api/probe_link.hpp"
#include "probe/symbols.hpp"

namespace decade {

namespace {

// The hit path: no allocation, no lock, the engine's hit entry resolved at
// attach (Executable::HitEntry). A run that faults ends the program; the
// probed function still runs.
void run_verified(void* impl, X86PtRegs* regs) {
  auto& l = *static_cast<api::HitTarget*>(impl);
  const TraceScope trace(l.trace);
  l.entry.run(l.entry.code, reinterpret_cast<uint64_t>(regs));
}

// Engines without a hit entry run the program through Executable::run.
void run_generic(void* impl, X86PtRegs* regs) {
  auto& l = *static_cast<api::HitTarget*>(impl);
  const TraceScope trace(l.trace);
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(regs);
  (void)l.exe->run(req);
}

// Unverified programs need the context as a region checked execution may touch.
void run_checked(void* impl, X86PtRegs* regs) {
  auto& l = *static_cast<api::HitTarget*>(impl);
  const TraceScope trace(l.trace);
  RunRequest req;
  req.r1 = reinterpret_cast<uint64_t>(regs);
  req.regions.push_back({reinterpret_cast<uintptr_t>(regs), sizeof(X86PtRegs), false});
  (void)l.exe->run(req);
}

Result<uint64_t> probe_address(const UprobeOptions& opts) {
  if (opts.function.empty()) {
    if (!opts.address) return make_error(ErrorCode::InvalidArgument, "attach_uprobe: neither a function nor an address");
    return opts.address + opts.offset;
  }
  auto fn = probe::find_function(opts.binary, opts.function);
  if (!fn) return std::unexpected(fn.error());
  return fn->start + opts.offset;
}

}  // namespace

Result<const api::ProgramSlot*> api::probe_program(const void* impl) {
#if !defined(__x86_64__)
  (void)impl;
  return make_error(ErrorCode::Unsupported, "user-space probes need x86-64");
#else
  const auto& slot = *static_cast<const api::ProgramSlot*>(impl);
  if (!slot.handle || !slot.type)
    return make_error(ErrorCode::ProbeAttachFailed, fmt::format("program '{}' is not loaded", slot.name));
  if (slot.type->name != "uprobe")
    return make_error(ErrorCode::ProbeAttachFailed,
                      fmt::format("program '{}' is of type '{}', not uprobe", slot.name, slot.type->name));
  return &slot;
#endif
}

Status ProbeLink::Impl::attach(uint64_t addr, bool retprobe, uint64_t cookie, bool checked) {
  const probe::RunFn run = checked ? run_checked : target.entry.run ? run_verified : run_generic;
  auto a = probe::attach({addr, retprobe, cookie, run, &target});
  if (!a) return std::unexpected(a.error());
  attachments.push_back(std::move(*a));
  return ok();
}

Status ProbeLink::Impl::detach() {
  while (!attachments.empty()) {
    if (auto s = attachments.back()->detach(); !s) return s;
    attachments.pop_back();
  }
  if (after_detach) std::exchange(after_detach, nullptr)();
  return ok();
}

Result<ProbeLink> BpfProgram::attach_uprobe(const UprobeOptions& opts) const {
  auto slot = api::probe_program(impl_);
  if (!slot) return std::unexpected(slot.error());
  if (opts.retprobe && opts.offset)
    return make_error(ErrorCode::ProbeBadAddress, "a return probe attaches at a function's start (offset 0)");
  auto addr = probe_address(opts);
  if (!addr) return std::unexpected(addr.error());
  ProbeLink link;
  link.impl_ = std::make_unique<ProbeLink::Impl>();
  ProbeLink::Impl& l = *link.impl_;
  l.handle = (*slot)->handle;
  Executable* exe = (*slot)->handle->executable.get();
  l.target = {exe, exe->hit_entry(), (*slot)->owner->trace.get()};
  if (auto s = l.attach(*addr, opts.retprobe, opts.cookie, (*slot)->engine.ends_with("-checked")); !s)
    return std::unexpected(s.error());
  return link;
}

ProbeLink::ProbeLink() = default;
ProbeLink::ProbeLink(ProbeLink&&) noexcept = default;
ProbeLink& ProbeLink::operator=(ProbeLink&& o) noexcept {
  if (this != &o) {
    (void)detach();
    impl_ = std::move(o.impl_);
  }
  return *this;
}
ProbeLink::~ProbeLink() { (void)detach(); }

Status ProbeLink::detach() {
  if (!impl_) return ok();
  if (auto s = impl_->detach(); !s) return s;
  impl_.reset();
  return ok();
}

bool ProbeLink::attached() const { return impl_ && !impl_->attachments.empty(); }
uint64_t ProbeLink::address() const { return attached() ? impl_->attachments.front()->address() : 0; }

}  // namespace decade
