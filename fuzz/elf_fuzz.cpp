// SPDX-License-Identifier: Apache-2.0
// The object loader never crashes: bytes -> load_object (ELF via libelf,
// BTF, BTF.ext, CO-RE, maps, linking, decode) and load_btf_file. Any Error
// is fine; a crash, sanitizer report or hang is a bug. Seeds: objects
// compiled from tests/loader/progs (fuzz/corpus/elf).
#include <cstddef>
#include <cstdint>
#include <span>

#include "loader/object.hpp"

namespace {

const decade::Platform& platform() {
  static const decade::Platform p = decade::Platform::standard();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  decade::ObjectLoadOptions opts;
  opts.platform = &platform();
  auto obj = decade::load_object(bytes, opts);
  if (obj) {
    // Touch what consumers read.
    for (const auto& p : obj->programs) {
      for (const auto& l : p.program.lines) (void)p.program.line_for(l.pc);
      (void)p.func_btf_ids.size();
    }
    if (obj->btf) (void)obj->btf->type_name(obj->btf->count() - 1);
  }
  auto btf = decade::load_btf_file(bytes);
  if (btf) (void)(*btf)->size_of((*btf)->count() - 1);
  return 0;
}
