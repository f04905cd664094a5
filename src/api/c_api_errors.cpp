// SPDX-License-Identifier: Apache-2.0
// The C API's errors, versions and features. Failures return libbpf-style
// negative errno values; the Decade code stays available through
// decade_last_error_code(). The mapping (docs/embedding.md) is one table:
// codes it does not list take their group's default, so a code added later
// still maps to something sensible.
#include <cerrno>
#include <cstring>
#include <utility>

#include "api/c_api_impl.hpp"

namespace decade::capi {
namespace {

struct LastError {
  std::string text;
  int code = 0;
  int64_t insn = -1;
  uint32_t line = 0;
};
thread_local LastError g_last;

// Codes whose errno differs from their group's default (below).
constexpr std::pair<ErrorCode, int> kErrno[] = {
    {ErrorCode::IoError, EIO},
    {ErrorCode::Unsupported, EOPNOTSUPP},
    {ErrorCode::Internal, EFAULT},
    {ErrorCode::OutOfMemory, ENOMEM},
    {ErrorCode::ExecBudgetExhausted, E2BIG},
    {ErrorCode::ExecCallDepth, E2BIG},
    {ErrorCode::ExecTailCallLimit, E2BIG},
    {ErrorCode::ExecCancelled, ECANCELED},
    {ErrorCode::ExecUnsupported, EOPNOTSUPP},
    {ErrorCode::ExecTimeout, ETIMEDOUT},
    {ErrorCode::ElfNoProgram, ENOENT},
    {ErrorCode::ElfExtensionMissing, EOPNOTSUPP},
    {ErrorCode::ElfKconfigMissing, ESRCH},
    {ErrorCode::CoreNoMatch, ESRCH},
    {ErrorCode::MapNotFound, ENOENT},
    {ErrorCode::MapFull, E2BIG},
    {ErrorCode::MapKeyExists, EEXIST},
    {ErrorCode::MapKeyNotFound, ENOENT},
    {ErrorCode::MapBadType, EOPNOTSUPP},
    {ErrorCode::MapEmpty, ENOENT},
    {ErrorCode::MapMemoryLimit, ENOMEM},
    {ErrorCode::ProgramNotFound, ENOENT},
    {ErrorCode::HelperNotFound, ENOENT},
    {ErrorCode::KfuncNotFound, ENOENT},
    {ErrorCode::ProgramTypeNotFound, ENOENT},
    {ErrorCode::VerifierBudget, E2BIG},
    {ErrorCode::VerifierMemoryLimit, ENOMEM},
    {ErrorCode::VerifierNotGranted, EPERM},
    {ErrorCode::ProbeSymbolNotFound, ENOENT},
    {ErrorCode::ProbeUsdtNotFound, ENOENT},
    {ErrorCode::ProbeBadAddress, EFAULT},
    {ErrorCode::ProbeNoProcess, ESRCH},
};

// Group defaults: input that is malformed or refused is EINVAL, a fault at
// run time EFAULT, a rejection by the verifier EACCES (as the kernel's).
int group_errno(int code) {
  if (code >= 300 && code < 400) return EFAULT;
  if (code >= 700 && code < 800) return EACCES;
  return EINVAL;
}

// Features of this build, beside the engines (from decade::engines()) and
// the ISA extensions ("ext:bitmanip", from decade::extensions()).
constexpr const char* kFeatures[] = {
    "btf", "core", "global_data", "kconfig", "kfuncs", "tail_calls", "ringbuf", "arena",
    "map_batch", "verifier_log", "verify_only", "cancel", "timeout", "host_program_types",
};

// Computed once (a build's engines do not change); null when out of memory.
const std::vector<std::string>* features() noexcept {
  try {
    static const std::vector<std::string> all = [] {
      std::vector<std::string> out = engines();
      out.insert(out.end(), std::begin(kFeatures), std::end(kFeatures));
      for (const std::string& e : extensions()) out.push_back("ext:" + e);
      return out;
    }();
    return &all;
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

int errno_of(ErrorCode code) {
  for (const auto& [c, e] : kErrno) {
    if (c == code) return e;
  }
  return group_errno(static_cast<int>(code));
}

int fail(const Error& e) {
  g_last.text = e.to_string();
  g_last.code = static_cast<int>(e.code);
  g_last.insn = e.insn;
  g_last.line = e.where.line;
  return -errno_of(e.code);
}

int fail(ErrorCode code, const char* msg) { return fail(Error{code, -1, msg, {}, {}}); }

void clear_last_error() { g_last = LastError{}; }

bool copy_opts(const void* user, size_t known_sz, void* out, const char* what) {
  size_t user_sz = 0;
  std::memcpy(&user_sz, user, sizeof user_sz);
  if (user_sz < sizeof(size_t)) {
    fail(ErrorCode::InvalidArgument, (std::string(what) + ": sz is smaller than the sz field").c_str());
    return false;
  }
  const auto* p = static_cast<const unsigned char*>(user);
  for (size_t i = known_sz; i < user_sz; ++i) {
    if (p[i]) {
      fail(ErrorCode::InvalidArgument, (std::string(what) + ": non-zero fields this library does not know").c_str());
      return false;
    }
  }
  std::memcpy(out, user, user_sz < known_sz ? user_sz : known_sz);
  return true;
}

void write_log(char* buf, size_t size, const std::string& text) {
  if (!buf || size == 0) return;
  const size_t n = text.size() < size - 1 ? text.size() : size - 1;
  std::memcpy(buf, text.data(), n);
  buf[n] = '\0';
}

}  // namespace decade::capi

// The header's version macros and the project's (CMakeLists.txt) must agree.
static_assert(DECADE_VERSION == DECADE_VERSION_CODE(DECADE_PROJECT_VERSION_MAJOR, DECADE_PROJECT_VERSION_MINOR,
                                                    DECADE_PROJECT_VERSION_PATCH));

extern "C" {

const char* decade_last_error(void) { return decade::capi::g_last.text.c_str(); }
int decade_last_error_code(void) { return decade::capi::g_last.code; }
int64_t decade_last_error_insn(void) { return decade::capi::g_last.insn; }
uint32_t decade_last_error_line(void) { return decade::capi::g_last.line; }

const char* decade_error_name(int code) {
  // Names are string literals: safe to hand out.
  return decade::error_code_name(static_cast<decade::ErrorCode>(code < 0 ? -code : code)).data();
}

int decade_error_errno(int code) {
  return code == 0 ? 0 : -decade::capi::errno_of(static_cast<decade::ErrorCode>(code < 0 ? -code : code));
}

const char* decade_strerror(int err) {
  thread_local char buf[128];
  // The GNU strerror_r returns its text, in buf or a static string.
  return strerror_r(err < 0 ? -err : err, buf, sizeof buf);
}

uint32_t decade_version(void) { return DECADE_VERSION; }

const char* decade_version_string(void) {
#define DECADE_STR2(x) #x
#define DECADE_STR(x) DECADE_STR2(x)
  return DECADE_STR(DECADE_VERSION_MAJOR) "." DECADE_STR(DECADE_VERSION_MINOR) "." DECADE_STR(DECADE_VERSION_PATCH);
#undef DECADE_STR
#undef DECADE_STR2
}

int decade_has_feature(const char* name) {
  const auto* all = decade::capi::features();
  if (!name || !all) return 0;
  for (const auto& f : *all) {
    if (f == name) return 1;
  }
  return 0;
}

const char* decade_feature_at(size_t i) {
  const auto* all = decade::capi::features();
  return all && i < all->size() ? (*all)[i].c_str() : nullptr;
}

}  // extern "C"
