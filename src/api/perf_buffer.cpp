// SPDX-License-Identifier: Apache-2.0
// PerfBuffer: libbpf's perf_buffer over a perf event array's rings
// (runtime/maps/perf_event_array.hpp): one ring per CPU, one wakeup for all.
#include <fmt/format.h>

#include "api/object_impl.hpp"
#include "runtime/cpu.hpp"
#include "runtime/maps/perf_event_array.hpp"

namespace decade {

struct PerfBuffer::Impl {
  std::shared_ptr<Map> map;  // kept alive while the buffer reads it
  std::vector<std::shared_ptr<PerfRing>> rings;
  std::shared_ptr<PerfWakeup> wakeup = std::make_shared<PerfWakeup>();
  uint64_t seen = 0;  // wakeup sequence already handled
  SampleFn sample;
  LostFn lost;

  ~Impl() {
    if (auto* a = as_perf_event_array(map.get()))
      for (const auto& r : rings) (void)a->attach(r->cpu(), nullptr);
  }

  int handle() {
    int n = 0;
    for (const auto& r : rings) {
      for (PerfRing::Record& rec : r->drain()) {
        ++n;
        if (rec.lost) {
          if (lost) lost(static_cast<int>(r->cpu()), rec.lost_count);
        } else if (sample) {
          sample(static_cast<int>(r->cpu()), rec.data);
        }
      }
    }
    return n;
  }
};

PerfBuffer::PerfBuffer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PerfBuffer::PerfBuffer(PerfBuffer&&) noexcept = default;
PerfBuffer& PerfBuffer::operator=(PerfBuffer&&) noexcept = default;
PerfBuffer::~PerfBuffer() = default;

Result<PerfBuffer> PerfBuffer::create(const BpfMap& map, size_t page_cnt, SampleFn sample, LostFn lost) {
  auto& slot = *static_cast<api::MapSlot*>(map.impl_);
  if (!slot.map)
    return make_error(ErrorCode::InvalidArgument, fmt::format("map '{}' is not created until load()", slot.name));
  PerfEventArray* array = as_perf_event_array(slot.map.get());
  if (!array)
    return make_error(ErrorCode::MapBadType, fmt::format("map '{}' is a {}, not a perf_event_array", slot.name,
                                                         map.type_name()));
  // libbpf: page_cnt must be a power of two.
  if (page_cnt == 0 || (page_cnt & (page_cnt - 1)) || page_cnt > (size_t{1} << 18))
    return make_error(ErrorCode::InvalidArgument, fmt::format("page_cnt {} is not a power of two up to 2^18", page_cnt));
  auto impl = std::make_unique<Impl>();
  impl->map = slot.map;
  impl->sample = std::move(sample);
  impl->lost = std::move(lost);
  const uint32_t cpus = std::min<uint32_t>(possible_cpus(), slot.map->def().max_entries);
  for (uint32_t cpu = 0; cpu < cpus; ++cpu) {
    auto ring = std::make_shared<PerfRing>(cpu, uint64_t{page_cnt} * 4096, impl->wakeup);
    (void)array->attach(cpu, ring);
    impl->rings.push_back(std::move(ring));
  }
  return PerfBuffer(std::move(impl));
}

Result<int> PerfBuffer::poll(int timeout_ms) {
  Impl& i = *impl_;
  {
    std::unique_lock lock(i.wakeup->mu);
    auto ready = [&] { return i.wakeup->seq != i.seen; };
    if (timeout_ms < 0) i.wakeup->cv.wait(lock, ready);
    else i.wakeup->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready);
    i.seen = i.wakeup->seq;
  }
  return i.handle();
}

Result<int> PerfBuffer::consume() { return impl_->handle(); }

}  // namespace decade
