// SPDX-License-Identifier: Apache-2.0
// A site's trampoline, one page within rel32 reach of the probed address:
//
//   lea  rsp, [rsp - 128]        ; step over the red zone
//   push qword [rip + site]      ; the Site, for the stub
//   call qword [rip + stub]      ; _decade_probe_entry_stub, or _function_stub at a function's start (hit_entry.cpp)
//   lea  rsp, [rsp + 136]        ; drop the Site and the red zone (flags untouched)
//   <the moved instructions>     ; relocate.cpp
//   jmp  qword [rip + 0]; dq addr + window
//   site: dq Site*   stub: dq _decade_probe_entry_stub
//
// call/ret pair up, so the return predictor stays right on every hit.
#include <sys/mman.h>

#include <cstring>

#include <fmt/format.h>

#include "probe/code_patch.hpp"
#include "probe/site.hpp"

extern "C" void _decade_probe_entry_stub();
extern "C" void _decade_probe_function_stub();

namespace decade::probe {
namespace {

constexpr size_t kTrampolineSize = 4096;

void put32(std::vector<uint8_t>& out, size_t at, int32_t v) { std::memcpy(out.data() + at, &v, 4); }
void put64(std::vector<uint8_t>& out, uint64_t v) {
  const size_t at = out.size();
  out.resize(at + 8);
  std::memcpy(out.data() + at, &v, 8);
}

}  // namespace

Status build_trampoline(Site& site, const FunctionRange& fn) {
  const uint64_t page = alloc_near(site.addr, kTrampolineSize);
  if (!page)
    return make_error(ErrorCode::ProbeAttachFailed, fmt::format("no free memory within 2 GiB of {:#x}", site.addr));
  auto moved = relocate_window(fn, site.addr, page + kTrampolinePrologue);
  if (!moved) {
    ::munmap(reinterpret_cast<void*>(page), kTrampolineSize);
    return std::unexpected(moved.error());
  }
  site.moved = std::move(*moved);
  std::vector<uint8_t> c = {0x48, 0x8D, 0x64, 0x24, 0x80,         // lea rsp, [rsp - 128]
                            0xFF, 0x35, 0, 0, 0, 0,               // push qword [rip + site]
                            0xFF, 0x15, 0, 0, 0, 0,               // call qword [rip + stub]
                            0x48, 0x8D, 0xA4, 0x24, 0x88, 0, 0, 0};  // lea rsp, [rsp + 136]
  c.insert(c.end(), site.moved.code.begin(), site.moved.code.end());
  c.insert(c.end(), {0xFF, 0x25, 0, 0, 0, 0});
  put64(c, site.addr + site.moved.window);
  c.resize((c.size() + 7) & ~size_t{7});
  const size_t site_slot = c.size();
  put64(c, reinterpret_cast<uint64_t>(&site));
  // At a function's first instruction the lighter stub suffices (hit_entry.cpp).
  put64(c, reinterpret_cast<uint64_t>(site.at_entry ? &_decade_probe_function_stub : &_decade_probe_entry_stub));
  put32(c, 7, int32_t(site_slot - 11));
  put32(c, 13, int32_t(site_slot + 8 - 17));
  std::memcpy(reinterpret_cast<void*>(page), c.data(), c.size());
  if (auto s = seal_code(page, kTrampolineSize); !s) {
    ::munmap(reinterpret_cast<void*>(page), kTrampolineSize);
    return s;
  }
  site.trampoline = page;
  std::memcpy(site.original, reinterpret_cast<const void*>(site.addr), site.moved.window);
  site.jump[0] = 0xE9;
  const int32_t rel = int32_t(int64_t(page) - int64_t(site.addr + kJumpSize));
  std::memcpy(site.jump + 1, &rel, 4);
  return ok();
}

}  // namespace decade::probe
