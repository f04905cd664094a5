// SPDX-License-Identifier: Apache-2.0
#include "test_specs.hpp"

#include <elf.h>

#include <map>
#include <string_view>

#include "btf/btf.hpp"
#include "common/file.hpp"
#include "loader/elf_image.hpp"

namespace decade::selftests {
namespace {

constexpr std::string_view kPrefix = "comment:";

// BPF_F_* names __flag() may use (uapi values).
uint32_t flag_value(std::string_view name) {
  static const std::map<std::string_view, uint32_t> names = {
      {"BPF_F_STRICT_ALIGNMENT", 1u},  {"BPF_F_ANY_ALIGNMENT", 2u}, {"BPF_F_TEST_RND_HI32", 4u},
      {"BPF_F_TEST_STATE_FREQ", 8u},   {"BPF_F_SLEEPABLE", 16u},    {"BPF_F_XDP_HAS_FRAGS", 32u},
      {"BPF_F_TEST_REG_INVARIANTS", 128u}};
  auto it = names.find(name);
  return it != names.end() ? it->second : static_cast<uint32_t>(std::strtoul(std::string(name).c_str(), nullptr, 0));
}

// "test_expect_msg=12=text" -> "text" (the counter keeps tags distinct).
std::string after_counter(std::string_view v) {
  size_t eq = v.find('=');
  return std::string(eq == std::string_view::npos ? v : v.substr(eq + 1));
}

bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

struct Seen {
  bool priv = false, unpriv = false, arch = false, unpriv_result = false;
};

// Applies one tag (without "comment:") as the selftests' loader reads it.
void apply_tag(TestSpec& t, std::string_view tag, Seen& seen) {
  bool& any_priv = seen.priv;
  bool& any_unpriv = seen.unpriv;
  bool& arch_seen = seen.arch;
  if (starts(tag, "test_description=")) {
    return;  // its text may end in anything, "_unpriv" too
  } else if (tag == "test_expect_failure_unpriv" || tag == "test_expect_success_unpriv") {
    t.unpriv_expect_failure = tag == "test_expect_failure_unpriv";
    seen.unpriv_result = any_unpriv = true;
  } else if (starts(tag, "test_expect_msg_unpriv=")) {
    t.msgs_unpriv.push_back(after_counter(tag.substr(23)));
    any_unpriv = true;
  } else if (tag == "test_expect_failure" || tag == "test_expect_success") {
    t.expect_failure = tag == "test_expect_failure";
    any_priv = true;
  } else if (tag == "test_auxiliary") {
    t.auxiliary = any_priv = true;
  } else if (tag == "test_auxiliary_unpriv") {
    t.auxiliary = any_unpriv = true;
  } else if (starts(tag, "test_expect_msg=")) {
    t.msgs.push_back(after_counter(tag.substr(16)));
    any_priv = true;
  } else if (starts(tag, "test_retval=")) {
    t.retval = std::string(tag.substr(12));
    any_priv = true;
  } else if (starts(tag, "test_expect_xlated=")) {
    any_priv = true;
  } else if (tag.ends_with("_unpriv") || starts(tag, "test_expect_msg_unpriv=") || starts(tag, "test_retval_unpriv=") ||
             starts(tag, "test_expect_xlated_unpriv=")) {
    any_unpriv = true;
  } else if (starts(tag, "test_prog_flags=")) {
    std::string_view f = tag.substr(16);
    bool clear = starts(f, "!");
    uint32_t v = flag_value(clear ? f.substr(1) : f);
    t.prog_flags = clear ? t.prog_flags & ~v : t.prog_flags | v;
  } else if (starts(tag, "test_arch=")) {
    if (!arch_seen) t.this_arch = false;
    arch_seen = true;
    if (tag.substr(10) == "X86_64") t.this_arch = true;
  }
}

}  // namespace

Result<std::vector<TestSpec>> read_test_specs(const std::string& path) {
  auto bytes = read_file_bytes(path);
  if (!bytes) return std::unexpected(bytes.error());
  auto elf = read_elf(*bytes);
  if (!elf) return std::unexpected(elf.error());
  const ElfSection* btf_section = elf->find(".BTF");
  if (!btf_section) return std::unexpected(Error{ErrorCode::InvalidArgument, -1, path + " has no .BTF: no annotations", {}, {}});
  auto btf = Btf::parse(btf_section->data);
  if (!btf) return std::unexpected(btf.error());

  std::vector<TestSpec> specs;
  std::map<std::string, size_t, std::less<>> by_name;
  for (const ElfSymbol& s : elf->symbols) {
    if (s.type != STT_FUNC || s.bind == STB_LOCAL || s.shndx == 0 || s.shndx >= elf->sections.size()) continue;
    const ElfSection& sec = elf->sections[s.shndx];
    if (!(sec.flags & SHF_EXECINSTR) || sec.name == ".text") continue;
    by_name[s.name] = specs.size();
    specs.push_back(TestSpec{.name = s.name, .section = sec.name, .prog_flags = kDefaultProgFlags});
  }
  std::vector<Seen> seen(specs.size());
  for (uint32_t id = 1; id < (*btf)->count(); ++id) {
    const BtfType* t = (*btf)->type(id);
    if (t->kind != BtfKind::DeclTag || t->component_idx != -1 || !starts(t->name, kPrefix)) continue;
    const BtfType* f = (*btf)->type(t->type);
    if (!f || f->kind != BtfKind::Func) continue;
    auto it = by_name.find(f->name);
    if (it == by_name.end()) continue;
    Seen& s = seen[it->second];
    apply_tag(specs[it->second], std::string_view(t->name).substr(kPrefix.size()), s);
  }
  // As the loader: a test with no mode-setting annotation is privileged;
  // the unprivileged expectation defaults to the privileged one.
  for (size_t i = 0; i < specs.size(); ++i) {
    specs[i].privileged = seen[i].priv || !seen[i].unpriv;
    specs[i].unprivileged = seen[i].unpriv;
    if (!seen[i].unpriv_result) specs[i].unpriv_expect_failure = specs[i].expect_failure;
  }
  return specs;
}

}  // namespace decade::selftests
