// SPDX-License-Identifier: Apache-2.0
// Malformed objects: each damaged in one way, each giving its error code.
#include <gtest/gtest.h>

#include <elf.h>

#include <cstring>

#include "btf/btf_ext.hpp"
#include "loader_test_util.hpp"

namespace decade {
namespace {

using namespace decade::test;


TEST(LoaderMalformed, NotAnElfFile) {
  EXPECT_EQ(load_bytes({1, 2, 3}).error().code, ErrorCode::ElfNotBpf);
  EXPECT_EQ(load_bytes({}).error().code, ErrorCode::ElfNotBpf);
}

TEST(LoaderMalformed, WrongClassMachineOrType) {
  ElfEdit cls("smoke.bpf");
  cls.b[EI_CLASS] = ELFCLASS32;
  EXPECT_EQ(cls.load_code(), ErrorCode::ElfNotBpf);
  ElfEdit mach("smoke.bpf");
  mach.eh()->e_machine = EM_X86_64;
  EXPECT_EQ(mach.load_code(), ErrorCode::ElfNotBpf);
  ElfEdit type("smoke.bpf");
  type.eh()->e_type = ET_EXEC;
  EXPECT_EQ(type.load_code(), ErrorCode::ElfNotBpf);
}

TEST(LoaderMalformed, SectionHeadersPastTheEnd) {
  ElfEdit e("smoke.bpf");
  e.eh()->e_shoff = e.b.size() + 4096;
  EXPECT_EQ(e.load_code(), ErrorCode::ElfMalformed);
}

TEST(LoaderMalformed, SectionDataPastTheEnd) {
  ElfEdit e("smoke.bpf");
  e.find(".BTF")->sh_offset = e.b.size() - 8;
  EXPECT_EQ(e.load_code(), ErrorCode::ElfBadSection);
}

TEST(LoaderMalformed, CodeSizeNotAMultipleOfEight) {
  ElfEdit e("smoke.bpf");
  e.find("xdp")->sh_size -= 4;
  EXPECT_EQ(e.load_code(), ErrorCode::ElfBadSection);
}

TEST(LoaderMalformed, RelocationSymbolOutOfRange) {
  ElfEdit e("smoke.bpf");
  e.rel("xdp")->r_info = ELF64_R_INFO(100000, ELF64_R_TYPE(e.rel("xdp")->r_info));
  EXPECT_EQ(e.load_code(), ErrorCode::ElfBadRelocation);
}

TEST(LoaderMalformed, RelocationNotOnLdImm64) {
  ElfEdit e("smoke.bpf");
  e.rel("xdp")->r_offset = 0;  // the first instruction is not an ld_imm64
  EXPECT_EQ(e.load_code(), ErrorCode::ElfBadRelocation);
}

TEST(LoaderMalformed, RelocationOffsetPastTheSection) {
  ElfEdit e("smoke.bpf");
  e.rel("xdp")->r_offset = 1u << 20;
  EXPECT_EQ(e.load_code(), ErrorCode::ElfBadRelocation);
}

TEST(LoaderMalformed, UnknownRelocationType) {
  ElfEdit e("smoke.bpf");
  e.rel("xdp")->r_info = ELF64_R_INFO(ELF64_R_SYM(e.rel("xdp")->r_info), 77);
  EXPECT_EQ(e.load_code(), ErrorCode::ElfBadRelocation);
}

TEST(LoaderMalformed, ReferenceToAMissingMap) {
  ElfEdit e("smoke.bpf");
  // The map reference's addend moves it to where no map definition starts.
  const uint64_t at = e.rel("xdp")->r_offset;
  const int32_t four = 4;
  std::memcpy(e.data(e.find("xdp")) + at + 4, &four, 4);
  auto r = load_bytes(e.b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ElfMissingMap);
  EXPECT_GE(r.error().insn, 0);
}

TEST(LoaderMalformed, ReferenceToAMissingSymbol) {
  ElfEdit e("iter_num.bpf");
  // Rename the extern kfunc: a non-weak undefined symbol nobody provides.
  Elf64_Sym* s = e.sym("bpf_iter_num_new");
  Elf64_Shdr* str = e.sh(e.find(".symtab")->sh_link);
  e.data(str)[s->st_name] = 'X';
  EXPECT_EQ(e.load_code(), ErrorCode::ElfMissingSymbol);
}

// A program whose own instructions do not decode keeps its error; the
// object's other programs load (as the kernel judges programs one by one).
TEST(LoaderMalformed, UndecodableProgramFailsAlone) {
  ElfEdit e("subprogs.bpf");
  e.data(e.find("syscall"))[e.sym("sub_b")->st_value] = 0xfe;  // unknown opcode
  auto r = load_bytes(e.b);
  ASSERT_TRUE(r) << r.error().to_string();
  const ObjectProgram* b = find_program(*r, "sub_b");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->error);
  EXPECT_EQ(b->error->code, ErrorCode::DecodeUnknownOpcode);
  const ObjectProgram* a = find_program(*r, "sub_a");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->error);
  EXPECT_GT(a->program.slot_count, 0u);
}

TEST(LoaderMalformed, SymbolNameOutsideStringTable) {
  ElfEdit e("smoke.bpf");
  e.sym("m")->st_name = 1u << 30;
  EXPECT_EQ(e.load_code(), ErrorCode::ElfBadSymbol);
}

TEST(LoaderMalformed, FunctionPastItsSection) {
  ElfEdit e("smoke.bpf");
  e.sym("f")->st_size = 1u << 20;
  EXPECT_EQ(e.load_code(), ErrorCode::ElfBadSymbol);
}

TEST(LoaderMalformed, NoProgram) {
  ElfEdit e("smoke.bpf");
  e.find("xdp")->sh_flags &= ~static_cast<uint64_t>(SHF_EXECINSTR);
  EXPECT_EQ(e.load_code(), ErrorCode::ElfNoProgram);
}

TEST(LoaderMalformed, CodeWithoutSymbolsIsOneProgramNamedAfterItsSection) {
  ElfEdit e("smoke.bpf");
  Elf64_Sym* f = e.sym("f");
  f->st_info = ELF64_ST_INFO(ELF64_ST_BIND(f->st_info), STT_OBJECT);
  auto r = load_bytes(e.b);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->programs.size(), 1u);
  EXPECT_EQ(r->programs[0].name, "xdp");
}

TEST(LoaderMalformed, CorruptBtf) {
  ElfEdit e("smoke.bpf");
  e.data(e.find(".BTF"))[0] = 0;
  EXPECT_EQ(e.load_code(), ErrorCode::BtfMalformed);
}

TEST(LoaderMalformed, CyclicBtfInAnObject) {
  ElfEdit e("smoke.bpf");
  // Make type 1 (whatever it is) a typedef of itself: kind 8, type 1.
  uint8_t* types = e.data(e.find(".BTF")) + 24;
  const uint32_t info = 8u << 24, self = 1;
  std::memcpy(types + 4, &info, 4);
  std::memcpy(types + 8, &self, 4);
  const ErrorCode c = e.load_code();
  // Type 1's extra bytes (if any) now parse as the next record, so the damage may show as malformed instead.
  EXPECT_TRUE(c == ErrorCode::BtfCycle || c == ErrorCode::BtfMalformed || c == ErrorCode::BtfBadTypeId) << error_code_name(c);
}

TEST(LoaderMalformed, TruncatedBtfExt) {
  ElfEdit e("smoke.bpf");
  const uint32_t huge = 0xffff0000;
  std::memcpy(e.data(e.find(".BTF.ext")) + 12, &huge, 4);  // func info length
  EXPECT_EQ(e.load_code(), ErrorCode::BtfExtMalformed);
}

// The first CO-RE record of core_read's .BTF.ext: {insn_off, type_id, access_str_off, kind}.
uint32_t* first_core_record(ElfEdit& e) {
  uint8_t* ext = e.data(e.find(".BTF.ext"));
  uint32_t hdr_len, core_off;
  std::memcpy(&hdr_len, ext + 4, 4);
  std::memcpy(&core_off, ext + 24, 4);
  return reinterpret_cast<uint32_t*>(ext + hdr_len + core_off + 4 + 8);
}

TEST(LoaderMalformed, UnknownCoreRelocationKind) {
  ElfEdit e("core_read.bpf");
  first_core_record(e)[3] = 99;
  auto r = load_bytes(e.b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::CoreUnknownRelocKind);
  EXPECT_EQ(r.error().insn, first_core_record(e)[0] / 8);
}

TEST(LoaderMalformed, CoreRelocationPastTheCode) {
  ElfEdit e("core_read.bpf");
  first_core_record(e)[0] = 8 * 100000;
  EXPECT_EQ(e.load_code(), ErrorCode::BtfExtMalformed);
}

TEST(LoaderMalformed, CoreRelocationBadAccessString) {
  ElfEdit e("core_read.bpf");
  first_core_record(e)[2] = 1u << 30;  // access string offset outside the strings
  EXPECT_EQ(e.load_code(), ErrorCode::BtfExtMalformed);
}

TEST(LoaderMalformed, EveryTruncationFailsCleanly) {
  const auto full = read_bytes(prog_path("global_data.bpf"));
  ASSERT_TRUE(load_bytes(full));
  for (size_t n = 0; n < full.size(); n += 7) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = load_bytes(cut);
    EXPECT_FALSE(r) << n;
  }
}

TEST(LoaderMalformed, EveryByteFlipLoadsOrFailsCleanly) {
  // Each single-byte corruption of the section bodies either loads or gives
  // an error value; nothing may crash (run under the sanitizers in the fuzz build).
  const auto full = read_bytes(prog_path("subprogs.bpf"));
  size_t failures = 0;
  for (size_t i = 0; i < full.size(); i += 3) {
    auto copy = full;
    copy[i] ^= 0xff;
    failures += load_bytes(copy) ? 0 : 1;
  }
  EXPECT_GT(failures, 0u);
}

}  // namespace
}  // namespace decade

namespace decade {
namespace {

using namespace decade::test;

// Renames a section in place (".BTF" -> ".XTF") so the loader no longer sees it.
void hide_section(ElfEdit& e, const std::string& name) {
  Elf64_Shdr* s = e.find(name);
  e.data(e.sh(e.eh()->e_shstrndx))[s->sh_name + 1] = 'X';
}

TEST(LoaderMalformed, WithoutBtfLegacyMapsStillLoad) {
  ElfEdit e("legacy_maps.bpf");
  hide_section(e, ".BTF.ext");
  hide_section(e, ".BTF");
  auto r = load_bytes(e.b);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->btf, nullptr);
  ASSERT_EQ(r->maps.size(), 1u);
  EXPECT_EQ(r->maps[0].type, MapType::Hash);
  EXPECT_TRUE(r->programs.at(0).program.lines.empty());
}

TEST(LoaderMalformed, BtfMapsNeedBtf) {
  ElfEdit e("smoke.bpf");
  hide_section(e, ".BTF.ext");
  hide_section(e, ".BTF");
  EXPECT_EQ(e.load_code(), ErrorCode::ElfBadSection);
}

TEST(LoaderMalformed, BtfExtWithoutBtf) {
  ElfEdit e("smoke.bpf");
  hide_section(e, ".BTF");
  EXPECT_EQ(e.load_code(), ErrorCode::BtfExtMalformed);
}

}  // namespace
}  // namespace decade

namespace decade {
namespace {

using namespace decade::test;

// Found by fuzz_elf: an empty license section.
TEST(LoaderMalformed, EmptyLicenseSection) {
  ElfEdit e("legacy_maps.bpf");
  hide_section(e, ".BTF.ext");
  hide_section(e, ".BTF");  // its DATASEC 'license' would no longer fit
  e.find("license")->sh_size = 0;
  auto r = load_bytes(e.b);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->license, "");
}

}  // namespace
}  // namespace decade
