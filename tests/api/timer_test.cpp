// SPDX-License-Identifier: Apache-2.0
// bpf_timer end to end on every engine (tests/api/progs/timer.bpf.c): the
// helpers' errors as the kernel's (init twice -EBUSY, start before a
// callback -EINVAL, cancel from the timer's own callback -EDEADLK), a
// callback that fires on the service thread with (map, key, value) and
// updates the map, cancel, restart, re-arming from the callback, updates
// and deletes that free an element's timer, and unloading an object with
// timers pending or firing.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "api_test_util.hpp"

namespace decade {
namespace {

using test::as_bytes;
using test::obj;

struct Args {
  uint32_t key = 0;
  uint32_t clock = 1;  // CLOCK_MONOTONIC
  uint64_t nsecs = 0;
  uint64_t flags = 0;
};

struct Elem {
  uint64_t fired;
  uint8_t timer[16];
  uint64_t key_seen;
  int64_t self_cancel;
  uint64_t rearm;
};
static_assert(sizeof(Elem) == 48);

constexpr int64_t kMs = 1'000'000;

class Timer : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto o = BpfObject::open(obj("api/progs/timer.bpf.o"));
    ASSERT_TRUE(o) << o.error().to_string();
    obj_.emplace(std::move(*o));
    auto s = obj_->load({.engine = GetParam()});
    ASSERT_TRUE(s) << s.error().to_string();
  }

  // The program's result (a helper's, as a signed number).
  int64_t run(const char* prog, Args a) {
    auto p = obj_->program(prog);
    EXPECT_TRUE(p) << prog;
    if (!p) return INT64_MIN;
    auto r = p->test_run({.ctx = as_bytes(a)});
    EXPECT_TRUE(r) << prog << ": " << r.error().to_string();
    return r ? static_cast<int64_t>(r->retval) : INT64_MIN;
  }
  int64_t arm(const char* map, uint32_t key, int64_t nsecs) {
    const std::string m = map;
    EXPECT_EQ(run((m + "_init").c_str(), {.key = key}), 0);
    EXPECT_EQ(run((m + "_set_callback").c_str(), {.key = key}), 0);
    return run((m + "_start").c_str(), {.key = key, .nsecs = static_cast<uint64_t>(nsecs)});
  }

  std::optional<Elem> elem(const char* map, uint32_t key) {
    Elem e{};
    auto m = obj_->map(map);
    if (!m || !m->lookup(as_bytes(key), {reinterpret_cast<uint8_t*>(&e), sizeof e})) return std::nullopt;
    return e;
  }
  // Waits (at most 5 s) until the element's callback ran `n` times.
  bool wait_fired(const char* map, uint32_t key, uint64_t n) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < give_up) {
      auto e = elem(map, key);
      if (e && e->fired >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  std::optional<BpfObject> obj_;
};

TEST_P(Timer, HelperErrorsAsTheKernel) {
  EXPECT_EQ(run("arr_start", {.key = 1, .nsecs = 1}), -EINVAL);        // not initialised
  EXPECT_EQ(run("arr_cancel", {.key = 1}), -EINVAL);
  EXPECT_EQ(run("arr_set_callback", {.key = 1}), -EINVAL);
  EXPECT_EQ(run("arr_init", {.key = 1, .clock = 2}), -EINVAL);         // CLOCK_PROCESS_CPUTIME_ID
  EXPECT_EQ(run("arr_init", {.key = 1, .clock = 16}), -EINVAL);
  EXPECT_EQ(run("arr_init", {.key = 1}), 0);
  EXPECT_EQ(run("arr_init", {.key = 1}), -EBUSY);
  EXPECT_EQ(run("arr_init", {.key = 1, .clock = 7}), -EBUSY);
  EXPECT_EQ(run("arr_start", {.key = 1, .nsecs = 1}), -EINVAL);        // no callback yet
  EXPECT_EQ(run("arr_cancel", {.key = 1}), 0);                         // not armed
  EXPECT_EQ(run("arr_set_callback", {.key = 1}), 0);
  EXPECT_EQ(run("arr_start", {.key = 1, .nsecs = 1, .flags = 4}), -EINVAL);
  EXPECT_EQ(run("arr_init", {.key = 2, .clock = 0}), 0);               // CLOCK_REALTIME
  EXPECT_EQ(run("arr_init", {.key = 3, .clock = 7}), 0);               // CLOCK_BOOTTIME
}

TEST_P(Timer, CallbackFiresWithMapKeyValue) {
  ASSERT_EQ(arm("arr", 2, kMs), 0);
  ASSERT_TRUE(wait_fired("arr", 2, 1));
  auto e = elem("arr", 2);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key_seen, 2u);
  EXPECT_EQ(e->self_cancel, -EDEADLK);  // its own timer, from its own callback
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(elem("arr", 2)->fired, 1u);  // one shot
  EXPECT_EQ(elem("arr", 0)->fired, 0u);  // nothing else ran
  // Fired, so no longer armed: cancel finds nothing to stop.
  EXPECT_EQ(run("arr_cancel", {.key = 2}), 0);
}

TEST_P(Timer, AbsoluteTimeAndPinFlag) {
  EXPECT_EQ(run("arr_init", {.key = 1}), 0);
  EXPECT_EQ(run("arr_set_callback", {.key = 1}), 0);
  EXPECT_EQ(run("arr_start", {.key = 1, .nsecs = 2 * kMs, .flags = 1 | 2}), 0);  // now + 2 ms, pinned
  EXPECT_TRUE(wait_fired("arr", 1, 1));
}

TEST_P(Timer, CancelStopsAndForgetsTheCallback) {
  ASSERT_EQ(arm("arr", 0, 10'000 * kMs), 0);
  EXPECT_EQ(run("arr_cancel", {.key = 0}), 1);  // was armed
  EXPECT_EQ(run("arr_cancel", {.key = 0}), 0);
  EXPECT_EQ(run("arr_start", {.key = 0, .nsecs = 1}), -EINVAL);  // the callback went with the cancel
  // Restart: a new callback, armed far away, then re-armed near.
  EXPECT_EQ(run("arr_set_callback", {.key = 0}), 0);
  EXPECT_EQ(run("arr_start", {.key = 0, .nsecs = 10'000 * kMs}), 0);
  EXPECT_EQ(run("arr_start", {.key = 0, .nsecs = kMs}), 0);
  ASSERT_TRUE(wait_fired("arr", 0, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(elem("arr", 0)->fired, 1u);  // the far expiry was replaced, not added
}

TEST_P(Timer, CallbackRearmsItself) {
  // rearm = 3: the callback starts its own timer three more times.
  Elem e{};
  e.rearm = 3;
  ASSERT_TRUE(obj_->map("arr")->update(as_bytes(uint32_t{3}), {reinterpret_cast<const uint8_t*>(&e), sizeof e}));
  ASSERT_EQ(arm("arr", 3, kMs), 0);
  ASSERT_TRUE(wait_fired("arr", 3, 4));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(elem("arr", 3)->fired, 4u);
  EXPECT_EQ(elem("arr", 3)->rearm, 0u);
}

TEST_P(Timer, ArrayUpdateFreesTheTimer) {
  ASSERT_EQ(arm("arr", 1, 100 * kMs), 0);
  Elem e{};
  ASSERT_TRUE(obj_->map("arr")->update(as_bytes(uint32_t{1}), {reinterpret_cast<const uint8_t*>(&e), sizeof e}));
  EXPECT_EQ(run("arr_cancel", {.key = 1}), -EINVAL);  // freed: not initialised any more
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(elem("arr", 1)->fired, 0u);
  EXPECT_EQ(arm("arr", 1, kMs), 0);  // initialised anew
  EXPECT_TRUE(wait_fired("arr", 1, 1));
}

TEST_P(Timer, HashCallbackGetsTheKey) {
  ASSERT_EQ(arm("hash", 5, kMs), 0);
  ASSERT_TRUE(wait_fired("hmap", 5, 1));
  EXPECT_EQ(elem("hmap", 5)->key_seen, 5u);
  EXPECT_EQ(elem("hmap", 5)->self_cancel, -EDEADLK);
}

TEST_P(Timer, HashDeleteCancelsTheTimer) {
  ASSERT_EQ(arm("hash", 6, 100 * kMs), 0);
  EXPECT_EQ(run("hash_delete", {.key = 6}), 0);  // from a program
  ASSERT_EQ(arm("hash", 7, 100 * kMs), 0);
  ASSERT_TRUE(obj_->map("hmap")->erase(as_bytes(uint32_t{7})));  // from the host
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(elem("hmap", 6));
  EXPECT_FALSE(elem("hmap", 7));
  // A new element for the key starts without a timer.
  EXPECT_EQ(run("hash_init", {.key = 6}), 0);
  EXPECT_EQ(run("hash_start", {.key = 6, .nsecs = 1}), -EINVAL);
  EXPECT_EQ(elem("hmap", 6)->fired, 0u);
}

TEST_P(Timer, HashUpdateFreesTheTimer) {
  ASSERT_EQ(arm("hash", 4, 100 * kMs), 0);
  Elem e{};
  ASSERT_TRUE(obj_->map("hmap")->update(as_bytes(uint32_t{4}), {reinterpret_cast<const uint8_t*>(&e), sizeof e}));
  EXPECT_EQ(run("hash_start", {.key = 4, .nsecs = 1}), -EINVAL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(elem("hmap", 4)->fired, 0u);
}

// Unloading cancels what is pending and waits for callbacks that run:
// timers due now and later on both maps, then the object goes at once.
TEST_P(Timer, UnloadWithPendingAndFiringTimers) {
  for (uint32_t k = 0; k < 4; ++k) ASSERT_EQ(arm("arr", k, k % 2 ? 0 : 50 * kMs), 0);
  for (uint32_t k = 0; k < 8; ++k) ASSERT_EQ(arm("hash", k, k % 2 ? 0 : 50 * kMs), 0);
  obj_.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // nothing fires into freed maps
}

TEST_P(Timer, TwoObjectsKeepTheirOwnTimers) {
  // The object is re-opened and loaded again while the first one's timer
  // is armed: two objects, two maps, each with its own timers.
  ASSERT_EQ(arm("arr", 0, 5 * kMs), 0);
  auto o2 = BpfObject::open(obj("api/progs/timer.bpf.o"));
  ASSERT_TRUE(o2);
  ASSERT_TRUE(o2->load({.engine = GetParam()}));
  ASSERT_TRUE(wait_fired("arr", 0, 1));
  Elem e{};
  ASSERT_TRUE(o2->map("arr")->lookup(as_bytes(uint32_t{0}), {reinterpret_cast<uint8_t*>(&e), sizeof e}));
  EXPECT_EQ(e.fired, 0u);
}

// A pin is shared with other processes, which a callback cannot follow.
TEST_P(Timer, MapsWithTimersAreNotPinned) {
  auto s = obj_->map("arr")->pin("/tmp/decade_timer_test_pin");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::MapBadType);
}

INSTANTIATE_TEST_SUITE_P(Api, Timer, ::testing::Values("interp", "jit"));

}  // namespace
}  // namespace decade
