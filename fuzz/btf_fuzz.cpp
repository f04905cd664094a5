// SPDX-License-Identifier: Apache-2.0
// BTF, BTF.ext and CO-RE never crash. Input: a 4-byte little-endian length
// L, then L bytes of .BTF, then .BTF.ext bytes. When the BTF parses, every
// type is queried, the BTF.ext is parsed against it, and each of its CO-RE
// records is resolved with the BTF as both local and target (and the raw
// BTF is re-parsed). Seeds: the .BTF/.BTF.ext of compiled test objects
// (fuzz/corpus/btf).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "btf/btf.hpp"
#include "btf/btf_ext.hpp"
#include "btf/core.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t len;
  std::memcpy(&len, data, 4);
  const std::span<const uint8_t> rest(data + 4, size - 4);
  const size_t n = std::min<size_t>(len, rest.size());
  auto btf = decade::Btf::parse(rest.first(n));
  if (!btf) return 0;
  const decade::Btf& b = **btf;
  for (uint32_t id = 0; id < b.count() && id < 4096; ++id) {
    (void)b.resolve(id);
    (void)b.size_of(id);
    (void)b.type_name(id);
    if (const auto* t = b.type(id)) (void)b.find(t->name, t->kind);
  }
  auto ext = decade::parse_btf_ext(rest.subspan(n), b);
  if (!ext) return 0;
  size_t budget = 256;
  for (const auto& sec : ext->sections)
    for (const auto& relo : sec.relos)
      if (budget-- > 0) (void)decade::core_relocate(b, b, relo);
  return 0;
}
