/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Embedding Decade from C: open an object, configure it, load it (every
 * program verified), run a program on events, read a map and consume a ring
 * buffer. Usage: hello_c event_counter.bpf.o
 * Exits 0 when every result is what the program should compute.
 */
#include <decade/decade.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct event {
  uint32_t pid;
  uint32_t bytes;
};

static int alerts_seen;

static int on_alert(void *ctx, const void *data, size_t size) {
  (void)ctx;
  struct event ev;
  if (size != sizeof ev) return -1;
  memcpy(&ev, data, sizeof ev);
  printf("alert: pid %u wrote %u bytes\n", ev.pid, ev.bytes);
  alerts_seen++;
  return 0;
}

static int fail(const char *what) {
  fprintf(stderr, "hello_c: %s: %s\n", what, decade_last_error());
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s event_counter.bpf.o\n", argv[0]);
    return 2;
  }
  /* The headers and the library loaded must be the same release. */
  if (decade_version() != DECADE_VERSION) {
    fprintf(stderr, "hello_c: built for decade %d.%d, running %s\n", DECADE_VERSION_MAJOR, DECADE_VERSION_MINOR,
            decade_version_string());
    return 1;
  }
  printf("decade %s, jit: %s\n", decade_version_string(), decade_has_feature("jit") ? "yes" : "no");
  decade_object *obj;
  if (decade_object_open(argv[1], &obj)) return fail("open");

  /* const volatile configuration, before load. */
  size_t size = 0;
  uint32_t *alert_bytes = decade_object_global_var(obj, "alert_bytes", &size);
  if (!alert_bytes || size != sizeof *alert_bytes) return fail("alert_bytes");
  *alert_bytes = 500;

  if (decade_object_load(obj, NULL)) return fail("load");
  decade_program *prog = decade_object_find_program(obj, "count_event");
  decade_map *counts = decade_object_find_map(obj, "bytes_by_pid");
  decade_map *alerts = decade_object_find_map(obj, "alerts");
  if (!prog || !counts || !alerts) return fail("lookup");
  decade_ring_buffer *rb;
  if (decade_ring_buffer_new(alerts, on_alert, NULL, &rb)) return fail("ring buffer");

  const struct event events[] = {{100, 200}, {101, 700}, {100, 300}, {102, 50}, {100, 900}};
  for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
    struct decade_test_run run = {.sz = sizeof run, .ctx_in = &events[i], .ctx_size_in = sizeof events[i]};
    if (decade_program_test_run(prog, &run)) return fail("run");
    printf("event pid %u bytes %u -> total %llu\n", events[i].pid, events[i].bytes, (unsigned long long)run.retval);
  }
  if (decade_ring_buffer_consume(rb) < 0) return fail("consume");

  uint32_t pid = 100;
  uint64_t total = 0;
  if (decade_map_lookup(counts, &pid, &total)) return fail("map lookup");
  printf("pid 100 total: %llu\n", (unsigned long long)total);
  uint32_t absent = 999;
  int rc = decade_map_lookup(counts, &absent, &total); /* -ENOENT, code 605 MapKeyNotFound */
  const int code = decade_last_error_code();
  printf("pid 999: %s (%s)\n", decade_strerror(rc), decade_error_name(code));

  char *dump = decade_map_dump(counts);
  if (!dump) return fail("dump");
  printf("bytes_by_pid:\n%s", dump);
  free(dump);

  decade_ring_buffer_free(rb);
  decade_object_close(obj);
  const int ok = total == 1400 && alerts_seen == 2 && rc == -ENOENT && code == 605;
  printf("%s\n", ok ? "hello_c: ok" : "hello_c: unexpected results");
  return ok ? 0 : 1;
}
