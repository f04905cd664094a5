// SPDX-License-Identifier: Apache-2.0
#include "cli/cli_util.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "cli/command.hpp"

namespace decade::cli {

bool is_elf(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), "\x7f" "ELF", 4) == 0;
}

Result<BpfObject> open_input(const std::string& path, bool* raw) {
  auto bytes = read_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  const bool elf = is_elf(*bytes);
  if (raw) *raw = !elf;
  if (elf) {
    auto slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (auto dot = name.find('.'); dot != std::string::npos && dot > 0) name.resize(dot);
    return BpfObject::open(*bytes, name);
  }
  return BpfObject::from_bytecode(*bytes, "prog", "raw");
}

Result<std::vector<uint8_t>> parse_hex_text(std::string_view text, std::string_view what) {
  std::vector<uint8_t> out;
  std::string digits;
  uint32_t line = 1;
  bool comment = false;
  auto flush = [&]() -> Status {
    if (digits.size() % 2) {
      Error e{ErrorCode::InvalidArgument, -1, std::string(what) + ": odd number of hex digits in '" + digits + "'", {}, {}};
      e.where.line = line;
      return std::unexpected(e);
    }
    for (size_t i = 0; i < digits.size(); i += 2)
      out.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
    digits.clear();
    return ok();
  };
  for (char c : text) {
    if (c == '\n') {
      comment = false;
      if (auto s = flush(); !s) return std::unexpected(s.error());
      ++line;
      continue;
    }
    if (comment) continue;
    if (c == '#') {
      comment = true;
    } else if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
      if (auto s = flush(); !s) return std::unexpected(s.error());
    } else if (std::isxdigit(static_cast<unsigned char>(c))) {
      digits += c;
    } else {
      Error e{ErrorCode::InvalidArgument, -1, std::string(what) + ": '" + std::string(1, c) + "' is not a hex digit", {}, {}};
      e.where.line = line;
      return std::unexpected(e);
    }
  }
  if (auto s = flush(); !s) return std::unexpected(s.error());
  return out;
}

Result<std::vector<uint8_t>> read_hex_file(const std::string& path) {
  auto text = read_text(path);
  if (!text) return std::unexpected(text.error());
  auto bytes = parse_hex_text(*text, path);
  if (!bytes) {
    Error e = bytes.error();
    e.where.file = path;
    return std::unexpected(e);
  }
  return bytes;
}

Status apply_grants(BpfObject& obj, const std::vector<std::string>& grants, bool unpriv) {
  if (!unpriv)
    if (auto s = obj.grant(Grant::Privileged); !s) return s;
  for (const std::string& g : grants) {
    if (g != "read-host-memory") return make_error(ErrorCode::InvalidArgument, "unknown grant " + g);
    if (auto s = obj.grant(Grant::ReadHostMemory); !s) return s;
  }
  return ok();
}

void add_unpriv_option(CLI::App& sub, bool& unpriv) {
  sub.add_flag("--unpriv", unpriv,
               "verify with the kernel's rules for unprivileged users: no pointer leaks, no uninitialised "
               "stack reads (default: root's rules, as bpftool run by root)");
}

Status apply_target_btf(BpfObject& obj, const std::string& path) {
  if (path == "none") return ok();
  if (!path.empty()) return obj.set_target_btf_file(path);
  // Only an object with CO-RE relocations pays for reading the kernel's BTF
  // (warnings() counts them while they resolve against the object's own).
  if (obj.warnings().empty() || access(kKernelBtf, R_OK) != 0) return ok();
  return obj.set_target_btf_file(kKernelBtf);
}

void print_warnings(const BpfObject& obj) {
  for (const std::string& w : obj.warnings()) std::fprintf(stderr, "decade: warning: %s\n", w.c_str());
}

Status apply_program_flags(BpfObject& obj, const VerifierBudgets& b, const std::string& prog) {
  if (!b.strict_alignment) return ok();
  if (!prog.empty()) return obj.set_program_flags(prog, kProgFlagStrictAlignment);
  for (const std::string& name : obj.program_names())
    if (auto s = obj.set_program_flags(name, kProgFlagStrictAlignment); !s) return s;
  return ok();
}

Status apply_type(BpfObject& obj, const std::string& type, const std::string& prog) {
  if (type.empty()) return ok();
  if (!prog.empty()) return obj.set_program_type(prog, type);
  for (const std::string& name : obj.program_names())
    if (auto s = obj.set_program_type(name, type); !s) return s;
  return ok();
}

namespace {

// One NAME=VALUE of a repeatable option (`option` and `form` name it in the error).
Result<std::pair<std::string, std::string>> split_assignment(const std::string& s, const char* option, const char* form) {
  const auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0)
    return make_error(ErrorCode::InvalidArgument, std::string(option) + " expects " + form + ", got '" + s + "'");
  return std::pair{s.substr(0, eq), s.substr(eq + 1)};
}

}  // namespace

Status apply_sets(BpfObject& obj, const std::vector<std::string>& sets) {
  for (const std::string& s : sets) {
    auto kv = split_assignment(s, "--set", "NAME=VALUE");
    if (!kv) return std::unexpected(kv.error());
    const auto& [name, text] = *kv;
    uint64_t value = 0;
    try {
      size_t used = 0;
      value = text.starts_with("-") ? static_cast<uint64_t>(std::stoll(text, &used, 0)) : std::stoull(text, &used, 0);
      if (used != text.size()) throw std::invalid_argument(text);
    } catch (const std::exception&) {
      return make_error(ErrorCode::InvalidArgument, "--set " + name + ": '" + text + "' is not an integer");
    }
    auto var = obj.global_var(name);
    if (!var) return std::unexpected(var.error());
    if (var->size() != 1 && var->size() != 2 && var->size() != 4 && var->size() != 8)
      return make_error(ErrorCode::InvalidArgument, "--set " + name + ": the variable is not an integer of 1, 2, 4 or 8 bytes");
    std::memcpy(var->data(), &value, var->size());  // little-endian host, as BPF's
  }
  return ok();
}

Status apply_max_entries(BpfObject& obj, const std::vector<std::string>& sizes) {
  for (const std::string& s : sizes) {
    auto kv = split_assignment(s, "--max-entries", "MAP=N");
    if (!kv) return std::unexpected(kv.error());
    const auto& [name, text] = *kv;
    uint64_t n = 0;
    try {
      size_t used = 0;
      n = std::stoull(text, &used, 0);
      if (used != text.size() || text.starts_with("-") || n > UINT32_MAX) throw std::invalid_argument(text);
    } catch (const std::exception&) {
      return make_error(ErrorCode::InvalidArgument, "--max-entries " + name + ": '" + text + "' is not a u32");
    }
    if (auto st = obj.set_max_entries(name, static_cast<uint32_t>(n)); !st) return st;
  }
  return ok();
}

void add_max_entries_option(CLI::App& sub, std::vector<std::string>& sizes) {
  sub.add_option("--max-entries", sizes,
                 "MAP=N: a map's max_entries before load (libbpf's bpf_map__set_max_entries), for maps the "
                 "loading program sizes; repeatable");
}

void add_verifier_options(CLI::App& sub, VerifierBudgets& b) {
  sub.add_option("--max-insns", b.max_insns, "verifier budget of processed instructions (default 1,000,000)");
  sub.add_option("--verifier-memory", b.max_memory,
                 "verifier memory budget per program, e.g. 256M or 2G (default 1G; k, M, G are powers of 1024)")
      ->transform(CLI::AsSizeValue(false));
  sub.add_flag("--strict-alignment", b.strict_alignment,
               "refuse misaligned packet, map value and context accesses (BPF_F_STRICT_ALIGNMENT)");
  sub.add_option("--stack-size", b.stack_size,
                 "stack bytes a program may use, per frame and per call chain (per frame with divstack); "
                 "a multiple of 8 from 512 (the default, the kernel's) to 65536");
}

void add_btf_option(CLI::App& sub, std::string& path) {
  sub.add_option("--btf", path,
                 "BTF that CO-RE relocations resolve against: raw BTF or an ELF with .BTF (default: "
                 "/sys/kernel/btf/vmlinux when the object has CO-RE relocations; 'none': the object's own, with a warning)");
}

void MemoryArgs::add_to(CLI::App& app) {
  app.add_option("--map-memory", map, "most host memory one map may hold (default 1GiB)")
      ->transform(CLI::AsSizeValue(false));
  app.add_option("--object-map-memory", object, "host memory the object's maps may hold together (default 4GiB)")
      ->transform(CLI::AsSizeValue(false));
}

int exit_code_for(const Error& e) {
  const auto c = static_cast<unsigned>(e.code);
  if ((c >= 300 && c < 400) || (c >= 700 && c < 800)) return kExitRejected;
  return kExitBadInput;
}

}  // namespace decade::cli
