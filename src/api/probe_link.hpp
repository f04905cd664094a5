// SPDX-License-Identifier: Apache-2.0
// ProbeLink's state, shared by the uprobe (uprobe.cpp) and USDT (usdt.cpp)
// attach paths: the program's handle, what a hit needs to run it, the
// probe attachments (one per site) and what the link undoes on detach
// beside them (USDT semaphores and argument specs).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "api/object_impl.hpp"
#include "probe/probe.hpp"
#include "runtime/trace_buffer.hpp"

namespace decade {

namespace api {

// What a hit needs to run the program.
struct HitTarget {
  Executable* exe = nullptr;
  Executable::HitEntry entry;    // exe's, resolved at attach (empty: exe->run)
  TraceBuffer* trace = nullptr;  // the object's (links do not outlive their object)
};

// The slot of a loaded uprobe program, or ProbeAttachFailed naming why not.
Result<const ProgramSlot*> probe_program(const void* impl);

}  // namespace api

struct ProbeLink::Impl {
  // Declared first, destroyed last: detach waits for running hits, which
  // use the executable.
  std::shared_ptr<ProgramHandle> handle;
  api::HitTarget target;
  std::vector<std::unique_ptr<probe::Attachment>> attachments;
  // Runs once after every attachment is detached (may be empty).
  std::function<void()> after_detach;

  // Attaches one more site running this link's program.
  Status attach(uint64_t addr, bool retprobe, uint64_t cookie, bool checked);
  Status detach();
};

}  // namespace decade
