// SPDX-License-Identifier: Apache-2.0
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "cli/command.hpp"
#include "cli/json_writer.hpp"
#include "common/file.hpp"

namespace decade::cli {

std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}

int report(const Error& e, int exit_code) {
  std::cerr << "decade: " << e.to_string() << "\n";
  return exit_code;
}

Result<std::vector<uint8_t>> read_file(const std::string& path) { return read_file_bytes(path); }

Result<std::string> read_text(const std::string& path) {
  auto bytes = path == "-" ? read_fd_bytes(0, "standard input") : read_file_bytes(path);
  if (!bytes) return std::unexpected(bytes.error());
  return std::string(bytes->begin(), bytes->end());
}

// The first argument that is not an option: the subcommand's name when
// the global options (flags without values) come first.
std::string first_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') return argv[i];
  return {};
}

namespace {

// Cold start (docs/cli.md, "Cold start"): a short command touches a few
// hundred KB of fresh heap, and every first touch of a page is a fault of
// its own (about 14 us on a loaded VM, well under 1 us on bare metal).
// One MADV_POPULATE_WRITE over the first kHeapBytes of the heap maps them
// in a single call: about 80 fewer faults for `decade verify` and `run`
// of a small program, 30 for `--version`. The block is taken from the heap (not a
// mapping of its own) and kept there when freed, so the command's next
// allocations come out of the populated pages. Before Linux 5.14 madvise
// fails with EINVAL and the pages fault in one by one as before.
constexpr size_t kHeapBytes = 384 << 10;

void populate_heap() {
  // Blocks up to 32 MB come from the heap, this one included: the most
  // glibc's dynamic threshold rises to after large frees, but set now,
  // since the initial 128 KB would give this block a mapping of its own.
  // free() keeps up to 4 MB at the top of the heap.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
  void* block = std::malloc(kHeapBytes);
  if (!block) return;
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto at = reinterpret_cast<uintptr_t>(block);
  const uintptr_t begin = at & ~(page - 1);
  const uintptr_t end = (at + kHeapBytes + page - 1) & ~(page - 1);
#ifdef MADV_POPULATE_WRITE
  (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#else
  (void)begin;
  (void)end;
#endif
  std::free(block);
}

}  // namespace

}  // namespace decade::cli

int main(int argc, char** argv) {
  using namespace decade::cli;
  populate_heap();
  CLI::App app{"decade: a BPF platform for user space (load, verify, run, JIT)", "decade"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "decade 0.1.0");
  // bpftool's global options, accepted before or after the subcommand.
  OutputMode& mode = output_mode();
  app.add_flag("-j,--json", mode.json, "JSON output (compact)");
  app.add_flag("-p,--pretty", mode.pretty, "JSON output, indented (implies --json)");
  app.fallthrough();
  std::function<int()> action;
  // Only the chosen subcommand builds its options: building every command's
  // CLI11 options and validators was a third of a short command's
  // instructions (`decade verify` cold start). Help, errors and an unknown
  // name still see every command.
  const std::string chosen = first_word(argc, argv);
  const bool known = std::any_of(registry().begin(), registry().end(), [&](const Command& c) { return c.name == chosen; });
  for (auto& c : registry()) {
    if (known && c.name != chosen) continue;
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    auto run = c.setup(*sub);
    sub->callback([&action, run] { action = run; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  }
  if (mode.pretty) mode.json = true;
  if (!action) return kExitBadInput;
  return action();
}
