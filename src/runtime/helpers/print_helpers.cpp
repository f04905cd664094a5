// SPDX-License-Identifier: Apache-2.0
// bpf_trace_printk and bpf_trace_vprintk (to the thread's TraceBuffer in a
// TraceScope, else the run's trace sink) and bpf_snprintf.
#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/helpers/bpf_format.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/run_context.hpp"
#include "runtime/trace_buffer.hpp"

namespace decade {
namespace {

constexpr size_t kTraceBuf = 1024;      // the kernel's per-call trace_printk buffer
constexpr uint64_t kMaxVarargs = 12;    // MAX_BPRINTF_VARARGS
constexpr uint32_t kHelperTraceVprintk = 177;  // only here: helpers.hpp lists the ids several files use

// The line bpf_trace_printk and bpf_trace_vprintk emit: fmt must be
// NUL-terminated inside fmt_size. Returns the number of bytes emitted.
uint64_t emit_printk(uint64_t fmt, uint64_t fmt_size, std::span<const uint64_t> args) {
  const char* f = reinterpret_cast<const char*>(fmt);
  if (!f || fmt_size == 0 || f[fmt_size - 1] != '\0') return static_cast<uint64_t>(-EINVAL);
  // One string per thread, reused: a call allocates nothing once warm.
  thread_local std::string out;
  out.clear();
  if (long rc = bpf_format(std::string_view(f, strnlen(f, fmt_size)), args, out); rc) return static_cast<uint64_t>(rc);
  if (out.size() > kTraceBuf - 1) out.resize(kTraceBuf - 1);
  uint64_t n = out.size();
  std::string_view line(out);
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (TraceBuffer* b = current_trace_buffer()) {
    b->push(line);
  } else {
    emit_trace(line);
  }
  return n;
}

// trace_printk(fmt, fmt_size, a1, a2, a3).
uint64_t trace_printk(uint64_t fmt, uint64_t fmt_size, uint64_t a1, uint64_t a2, uint64_t a3) {
  const uint64_t args[3] = {a1, a2, a3};
  return emit_printk(fmt, fmt_size, args);
}

// trace_vprintk(fmt, fmt_size, data, data_len): bpf_printk with more than
// three arguments (libbpf's macro switches to it); data holds u64
// arguments as for bpf_snprintf, at most 12 of them.
uint64_t trace_vprintk(uint64_t fmt, uint64_t fmt_size, uint64_t data, uint64_t data_len, uint64_t) {
  if (data_len % 8 || data_len / 8 > kMaxVarargs || (data_len && !data)) return static_cast<uint64_t>(-EINVAL);
  return emit_printk(fmt, fmt_size, std::span<const uint64_t>(reinterpret_cast<const uint64_t*>(data), data_len / 8));
}

// snprintf(str, str_size, fmt, data, data_len): data holds u64 arguments.
// Returns the formatted length including the NUL, even if truncated.
// The verifier counts all str_size bytes as written (ARG_PTR_TO_UNINIT_MEM),
// so every path writes all of them: the text, then zeros, or only zeros on
// an error. Before, an error or a short text left the rest of a stack
// buffer holding what an earlier function had spilled there (host
// addresses), which the program then read as initialised bytes.
uint64_t bpf_snprintf(uint64_t str, uint64_t str_size, uint64_t fmt, uint64_t data, uint64_t data_len) {
  auto* s = reinterpret_cast<char*>(str);
  auto fail = [&](long rc) {
    if (str_size) std::memset(s, 0, str_size);
    return static_cast<uint64_t>(rc);
  };
  if (data_len % 8 || data_len / 8 > kMaxVarargs || (data_len && !data)) return fail(-EINVAL);
  const char* f = reinterpret_cast<const char*>(fmt);
  std::span<const uint64_t> args(reinterpret_cast<const uint64_t*>(data), data_len / 8);
  std::string out;  // formatted first: data may overlap str
  if (long rc = bpf_format(std::string_view(f, std::strlen(f)), args, out); rc) return fail(rc);
  if (str_size) {
    size_t n = std::min<size_t>(out.size(), str_size - 1);
    std::memcpy(s, out.data(), n);
    std::memset(s + n, 0, str_size - n);
  }
  return out.size() + 1;
}

}  // namespace

void append_print_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  out.push_back(make_proto("bpf_trace_printk", kHelperTracePrintk, trace_printk, RetKind::Integer,
                           {A::PtrToMem, A::ConstSize, A::AnyPtrOrNull, A::AnyPtrOrNull, A::AnyPtrOrNull}));
  // The kernel's ARG_PTR_TO_MEM | PTR_MAYBE_NULL data: NULL with data_len 0.
  out.push_back(make_proto("bpf_trace_vprintk", kHelperTraceVprintk, trace_vprintk, RetKind::Integer,
                           {A::PtrToMem, A::ConstSize, A::PtrToMem, A::ConstSizeOrZero}, kHelperNullable));
  out.push_back(make_proto("bpf_snprintf", kHelperSnprintf, bpf_snprintf, RetKind::Integer,
                           {A::PtrToUninitMem, A::ConstSizeOrZero, A::PtrToConstStr, A::PtrToMem, A::ConstSizeOrZero},
                           kHelperNullable));
}

}  // namespace decade
