// SPDX-License-Identifier: Apache-2.0
#include "loader/btf_section.hpp"

#include <elf.h>

#include <fmt/format.h>

#include "loader/object.hpp"

namespace decade {

Result<ObjectBtf> read_btf_sections(const ElfImage& elf) {
  ObjectBtf out;
  const ElfSection* b = elf.find(".BTF");
  const ElfSection* e = elf.find(".BTF.ext");
  if (!b) {
    if (e) return make_error(ErrorCode::BtfExtMalformed, "'.BTF.ext' without '.BTF'");
    return out;
  }
  auto btf = Btf::parse(b->data);
  if (!btf) return std::unexpected(btf.error());
  out.btf = *btf;
  for (uint32_t id = 1; id < out.btf->count(); ++id) {
    const BtfType* t = out.btf->type(id);
    if (t->kind != BtfKind::DataSec) continue;
    const ElfSection* sec = elf.find(t->name);
    if (!sec || sec->size > UINT32_MAX) continue;  // .ksyms / .kconfig have no section
    std::map<std::string, uint64_t, std::less<>> offsets;
    for (const ElfSymbol& sym : elf.symbols)
      if (sym.shndx == sec->index && !sym.name.empty()) offsets.emplace(sym.name, sym.value);
    if (auto s = out.btf->fixup_datasec(id, static_cast<uint32_t>(sec->size), offsets); !s) return std::unexpected(s.error());
  }
  // As libbpf: a global function of hidden or internal visibility
  // (`__hidden`, as usdt.bpf.h's bpf_usdt_arg) is verified as a static
  // one, in its caller's context, not as a global function on its own.
  for (const ElfSymbol& sym : elf.symbols) {
    if (sym.type != STT_FUNC || (sym.bind != STB_GLOBAL && sym.bind != STB_WEAK)) continue;
    if (sym.visibility != STV_HIDDEN && sym.visibility != STV_INTERNAL) continue;
    if (const uint32_t id = out.btf->find(sym.name, BtfKind::Func))
      if (auto s = out.btf->mark_static(id); !s) return std::unexpected(s.error());
  }
  if (e) {
    auto ext = parse_btf_ext(e->data, *out.btf);
    if (!ext) return std::unexpected(ext.error());
    out.ext = std::move(*ext);
  }
  return out;
}

Result<std::shared_ptr<const Btf>> load_btf_file(std::span<const uint8_t> bytes) {
  if (bytes.size() >= 2 && bytes[0] == 0x9f && bytes[1] == 0xeb) {
    auto btf = Btf::parse(bytes);
    if (!btf) return std::unexpected(btf.error());
    return std::shared_ptr<const Btf>(*btf);
  }
  auto elf = read_elf_any(bytes);
  if (!elf) return std::unexpected(elf.error());
  const ElfSection* s = elf->find(".BTF");
  if (!s) return make_error(ErrorCode::BtfMalformed, "the ELF file has no '.BTF' section (generate one with pahole -J)");
  auto btf = Btf::parse(s->data);
  if (!btf) return std::unexpected(btf.error());
  return std::shared_ptr<const Btf>(*btf);
}

}  // namespace decade
