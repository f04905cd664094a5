// SPDX-License-Identifier: Apache-2.0
#include <poll.h>

#include <atomic>
#include <thread>
#include <vector>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/ringbuf.hpp"
#include "runtime/run_context.hpp"
#include "runtime_test_util.hpp"

namespace decade::test {
namespace {

bool eventfd_ready(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1;
}

TEST(Ringbuf, ReserveSubmitDiscardConsume) {
  auto m = make(MapType::Ringbuf, 0, 0, 4096);
  RingBufMap* rb = as_ringbuf(m.get());
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ(rb->query(kRbRingSize), 4096u);
  auto* a = static_cast<uint32_t*>(rb->reserve(4, 0));
  auto* b = static_cast<uint32_t*>(rb->reserve(12, 0));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(rb->query(kRbAvailData), 16u + 24u);
  *a = 1;
  *b = 2;
  EXPECT_EQ(rb->reserve(8, 1), nullptr);  // flags must be 0
  std::vector<uint32_t> got;
  auto collect = [&](std::span<const uint8_t> s) {
    got.push_back(*reinterpret_cast<const uint32_t*>(s.data()));
    return 0;
  };
  rb->commit(b, 0, false);
  EXPECT_EQ(rb->consume(collect), 0);  // a is still busy: records come in order
  rb->commit(a, 0, true);               // discard a
  EXPECT_EQ(rb->consume(collect), 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], 2u);
  EXPECT_EQ(rb->query(kRbAvailData), 0u);
  EXPECT_EQ(rb->query(kRbConsPos), rb->query(kRbProdPos));
}

TEST(Ringbuf, FullRingAndWrapAround) {
  auto m = make(MapType::Ringbuf, 0, 0, 4096);
  RingBufMap* rb = as_ringbuf(m.get());
  EXPECT_EQ(rb->reserve(4096, 0), nullptr);  // header does not fit
  int consumed = 0;
  auto count = [&](std::span<const uint8_t> s) {
    EXPECT_EQ(s.size(), 1000u);
    EXPECT_EQ(s[999], 0xab);
    ++consumed;
    return 0;
  };
  std::vector<uint8_t> payload(1000, 0xab);
  // Records take round_up(1000 + 8, 8) = 1008 bytes and the producer may run
  // up to size - 1 bytes ahead of the consumer, so four fit in 4096 and the
  // fifth fails (Linux 6.18 via bpftool prog run: 0, 0, 0, 0, -EAGAIN).
  // Rounds after the first start mid-ring, so records wrap around its end.
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 4; ++i) ASSERT_EQ(rb->output(payload.data(), payload.size(), 0), 0) << round;
    EXPECT_EQ(rb->output(payload.data(), payload.size(), 0), -EAGAIN);
    EXPECT_EQ(rb->consume(count), 4);
  }
  EXPECT_EQ(consumed, 40);
}

TEST(Ringbuf, EventfdWakeupRules) {
  auto m = make(MapType::Ringbuf, 0, 0, 4096);
  RingBufMap* rb = as_ringbuf(m.get());
  uint32_t x = 7;
  ASSERT_EQ(rb->output(&x, 4, kRbNoWakeup), 0);
  EXPECT_FALSE(eventfd_ready(rb->event_fd()));
  ASSERT_EQ(rb->output(&x, 4, 0), 0);  // consumer is behind: no wakeup needed
  EXPECT_FALSE(eventfd_ready(rb->event_fd()));
  ASSERT_EQ(rb->output(&x, 4, kRbForceWakeup), 0);
  EXPECT_TRUE(eventfd_ready(rb->event_fd()));
  RingBufferConsumer c;
  int n = 0;
  ASSERT_TRUE(c.add(m.get(), [&](std::span<const uint8_t>) { return ++n, 0; }));
  EXPECT_EQ(c.poll(0), 3);
  EXPECT_FALSE(eventfd_ready(rb->event_fd()));
  ASSERT_EQ(rb->output(&x, 4, 0), 0);  // consumer caught up: wakes
  EXPECT_TRUE(eventfd_ready(rb->event_fd()));
  EXPECT_EQ(c.poll(100), 1);
  auto bad = make(MapType::Hash, 4, 4, 4);
  EXPECT_EQ(c.add(bad.get(), nullptr).error().code, ErrorCode::MapBadType);
}

TEST(Ringbuf, ConsumerCallbackErrorStops) {
  auto m = make(MapType::Ringbuf, 0, 0, 4096);
  RingBufMap* rb = as_ringbuf(m.get());
  uint64_t x = 1;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(rb->output(&x, 8, 0), 0);
  int calls = 0;
  EXPECT_EQ(rb->consume([&](std::span<const uint8_t>) { return ++calls == 2 ? -42 : 0; }), -42);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(rb->consume([](std::span<const uint8_t>) { return 0; }), 1);
}

// Records of 24 bytes do not divide the ring, so some header lands in its
// last 8 bytes and the record's body starts in the second mapping (this
// used to be reported as a foreign pointer, leaving the record busy forever).
TEST(Ringbuf, ProducersAndConsumerThreads) {
  auto m = make(MapType::Ringbuf, 0, 0, 1 << 16);
  constexpr int kPerThread = 20000;
  std::atomic<int> done{0};
  std::atomic<bool> stuck{false}, faulted{false};
  std::vector<std::thread> producers;
  for (int t = 0; t < 2; ++t) {
    producers.emplace_back([&, t] {
      RunContext rc;
      RunScope scope(rc);
      uint64_t failures = 0;  // consecutive full-ring retries: bounds the wait on a broken consumer
      for (int i = 0; i < kPerThread && !stuck;) {
        uint64_t rec[2] = {uint64_t(t), uint64_t(i)};
        // Through the helpers, as a program would.
        uint64_t p = call(kHelperRingbufReserve, u(m.get()), 16, 0);
        if (!p) {
          if (++failures > 20'000'000) stuck = true;
          std::this_thread::yield();
          continue;
        }
        failures = 0;
        std::memcpy(reinterpret_cast<void*>(p), rec, 16);
        call(kHelperRingbufSubmit, p, 0);
        if (rc.fault) faulted = true;
        ++i;
      }
      ++done;
    });
  }
  RingBufferConsumer c;
  std::vector<uint64_t> next(2, 0);
  bool in_order = true;
  long total = 0;
  ASSERT_TRUE(c.add(m.get(), [&](std::span<const uint8_t> s) {
    uint64_t rec[2];
    std::memcpy(rec, s.data(), 16);
    in_order &= rec[1] == next[rec[0]]++;
    return 0;
  }));
  while (total < 2 * kPerThread) {
    bool finished = done == 2;  // read before polling: nothing new can arrive after
    long n = c.poll(finished ? 0 : 10);
    if (n < 0) {  // stop the producers before failing: threads must be joined
      ADD_FAILURE() << "poll returned " << n;
      stuck = true;
      break;
    }
    total += n;
    if (finished && n == 0) break;
  }
  for (auto& p : producers) p.join();
  EXPECT_FALSE(stuck.load());
  EXPECT_FALSE(faulted.load());
  EXPECT_TRUE(in_order);
  EXPECT_EQ(total, 2 * kPerThread);
}

TEST(Ringbuf, HelpersQueryOutputDiscard) {
  auto m = make(MapType::Ringbuf, 0, 0, 4096);
  uint64_t v = 5;
  EXPECT_EQ(call(kHelperRingbufOutput, u(m.get()), u(&v), 8, 0), 0u);
  EXPECT_EQ(call(kHelperRingbufQuery, u(m.get()), kRbAvailData), 16u);
  uint64_t p = call(kHelperRingbufReserve, u(m.get()), 8, 0);
  ASSERT_NE(p, 0u);
  call(kHelperRingbufDiscard, p, 0);
  int n = 0;
  EXPECT_EQ(as_ringbuf(m.get())->consume([&](std::span<const uint8_t>) { return ++n, 0; }), 1);
  // A pointer that is no reserved record is a fault in the current run, never a crash.
  RunContext rc;
  RunScope scope(rc);
  call(kHelperRingbufSubmit, u(&v), 0);
  ASSERT_TRUE(rc.fault.has_value());
  EXPECT_EQ(rc.fault->code, ErrorCode::ExecHelperFault);
}

}  // namespace
}  // namespace decade::test
