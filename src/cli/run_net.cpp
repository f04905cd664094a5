// SPDX-License-Identifier: Apache-2.0
#include "cli/run_net.hpp"

#include <cstdio>
#include <string>

#include "cli/command.hpp"

namespace decade::cli {

Status apply_fib(BpfObject& obj, const std::string& path) {
  if (path.empty()) return ok();
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  FibTable fib;
  if (auto s = fib.parse({reinterpret_cast<const char*>(text->data()), text->size()}); !s)
    return make_error(s.error().code, path + ": " + s.error().message);
  return obj.set_fib(fib);
}

void print_redirect(const Redirect& r) {
  const char* kind = r.kind == Redirect::Kind::Cpu ? "cpu" : r.kind == Redirect::Kind::Xsk ? "xsk queue" : "ifindex";
  std::string targets;
  for (uint32_t t : r.targets) targets += (targets.empty() ? "" : ",") + std::to_string(t);
  if (targets.empty()) targets = "none";
  std::printf("redirect: %s %s flags 0x%llx", kind, targets.c_str(), static_cast<unsigned long long>(r.flags));
  if (!r.map.empty()) {
    std::printf(" map %s key %u", r.map.c_str(), r.key);
    if (r.kind == Redirect::Kind::Cpu) std::printf(" qsize %u", r.value);
    if (r.kind == Redirect::Kind::Xsk) std::printf(" socket %u", r.value);
  }
  std::printf("\n");
}

}  // namespace decade::cli
