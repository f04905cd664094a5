// SPDX-License-Identifier: Apache-2.0
#include "runtime/helpers/bpf_format.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "runtime/helpers/helpers.hpp"

namespace decade {
namespace {

// %s, %pks and %pus dereference a number the program passes, so they read
// only what bpf_probe_read_str may (the host's readable ranges under
// kGrantReadHostMemory); anything else prints an error marker instead of
// reading or faulting.
void append_safe_string(uint64_t addr, std::string& out) {
  constexpr size_t kMax = 256;  // the kernel's per-argument string budget is similar
  uint8_t buf[kMax + 1] = {};
  if (addr == 0) return;
  const long n = probe_copy_str(buf, addr, sizeof buf);
  if (n < 0) {
    out += "(efault)";
    return;
  }
  out.append(reinterpret_cast<const char*>(buf), strnlen(reinterpret_cast<const char*>(buf), sizeof buf));
}

struct Spec {
  std::string flags;
  int width = -1;
};

// %d %i %u %x without flags or width, the common case (bpf_printk's cost
// budget is 200 ns a call): std::to_chars, no format string built or parsed.
bool append_plain(const Spec& s, char conv, int size, uint64_t v, std::string& out) {
  if (!s.flags.empty() || s.width >= 0 || (conv != 'd' && conv != 'i' && conv != 'u' && conv != 'x')) return false;
  char buf[24];
  const int base = conv == 'x' ? 16 : 10;
  std::to_chars_result r;
  if (conv == 'd' || conv == 'i') {
    const int64_t x = size == 8 ? static_cast<int64_t>(v) : static_cast<int32_t>(static_cast<uint32_t>(v));
    r = std::to_chars(buf, buf + sizeof buf, x, base);
  } else {
    r = std::to_chars(buf, buf + sizeof buf, size == 8 ? v : uint64_t{static_cast<uint32_t>(v)}, base);
  }
  out.append(buf, r.ptr);
  return true;
}

void append_number(const Spec& s, char conv, int size, uint64_t v, std::string& out) {
  if (append_plain(s, conv, size, v, out)) return;
  char fmt[32];
  char buf[128];
  const char* len = size == 8 ? "ll" : "";
  std::snprintf(fmt, sizeof fmt, "%%%s%s%s%c", s.flags.c_str(), s.width >= 0 ? std::to_string(s.width).c_str() : "",
                len, conv);
  bool is_signed = conv == 'd' || conv == 'i';
  if (size == 8) {
    if (is_signed) {
      std::snprintf(buf, sizeof buf, fmt, static_cast<long long>(v));
    } else {
      std::snprintf(buf, sizeof buf, fmt, static_cast<unsigned long long>(v));
    }
  } else if (is_signed) {
    std::snprintf(buf, sizeof buf, fmt, static_cast<int>(static_cast<uint32_t>(v)));
  } else {
    std::snprintf(buf, sizeof buf, fmt, static_cast<unsigned>(v));
  }
  out += buf;
}

}  // namespace

long bpf_format(std::string_view fmt, std::span<const uint64_t> args, std::string& out) {
  out.clear();
  size_t argi = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(fmt[i]);
    if (!std::isprint(ch) && !std::isspace(ch)) return -EINVAL;
    if (ch != '%') {
      out += char(ch);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    if (argi >= args.size()) return -EINVAL;
    ++i;
    Spec spec;
    while (i < fmt.size() && std::strchr("0+- ", fmt[i])) spec.flags += fmt[i++];
    if (i < fmt.size() && fmt[i] >= '1' && fmt[i] <= '9') {
      spec.width = 0;
      while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i])) && spec.width < 1000)
        spec.width = spec.width * 10 + (fmt[i++] - '0');
      if (spec.width >= 1000) return -EINVAL;
    }
    if (i >= fmt.size()) return -EINVAL;
    const uint64_t arg = args[argi++];
    char c = fmt[i];
    if (c == 'c') {
      out += static_cast<char>(arg);
    } else if (c == 's') {
      append_safe_string(arg, out);
    } else if (c == 'p') {
      char next = i + 1 < fmt.size() ? fmt[i + 1] : '\0';
      if ((next == 'k' || next == 'u') && i + 2 < fmt.size() && fmt[i + 2] == 's') {
        append_safe_string(arg, out);
        i += 2;
      } else if (next == 'K' || next == 'x') {
        append_number(Spec{"0", 16}, 'x', 8, arg, out);  // unhashed: the host's own addresses
        ++i;
      } else if (next == '\0' || std::isspace(static_cast<unsigned char>(next)) ||
                 std::ispunct(static_cast<unsigned char>(next))) {
        append_number(Spec{"0", 16}, 'x', 8, arg, out);
      } else {
        return -EINVAL;  // %pI4, %pB, ...: not in this platform's subset
      }
    } else {
      int size = 4;
      if (c == 'l') {
        size = 8;
        if (++i < fmt.size() && fmt[i] == 'l') ++i;
        if (i >= fmt.size()) return -EINVAL;
        c = fmt[i];
      }
      if (!std::strchr("diuxX", c)) return -EINVAL;
      append_number(spec, c, size, arg, out);
    }
  }
  return 0;
}

}  // namespace decade
