/* SPDX-License-Identifier: Apache-2.0 */
/* The C API of the host sides of runs (include/decade/decade.h), from C:
 * redirects and tunnel metadata of test runs, the fib table, the trace
 * buffer and perf buffers, on the engine named by argv[1] (ctest
 * api.c_host_sides_interp / _jit). argv[2] is the directory of the built
 * test objects (build/bpf). Prints "c_host_sides: ok" when every check holds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decade/decade.h"

static int failures;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: %s failed (%s)\n", __FILE__, __LINE__, #cond, decade_last_error()); \
      ++failures;                                                     \
    }                                                                 \
  } while (0)

static const char *engine, *objdir;

static decade_object *open_obj(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", objdir, rel);
  decade_object *obj = NULL;
  if (decade_object_open(path, &obj)) {
    fprintf(stderr, "open %s: %s\n", path, decade_last_error());
    exit(1);
  }
  return obj;
}

static decade_object *load_obj(decade_object *obj) {
  struct decade_load_opts lo = {.sz = sizeof lo, .engine = engine};
  if (decade_object_load(obj, &lo)) {
    fprintf(stderr, "load: %s\n", decade_last_error());
    exit(1);
  }
  return obj;
}

static decade_object *load(const char *rel) { return load_obj(open_obj(rel)); }

static void redirects(void) {
  decade_object *obj = load("api/progs/redirect.bpf.o");
  unsigned char pkt[64] = {1, 0};
  uint32_t targets[4] = {0};
  struct decade_redirect rd = {.sz = sizeof rd, .targets = targets, .targets_cap = 4};
  struct decade_test_run run = {.sz = sizeof run, .data_in = pkt, .data_size_in = sizeof pkt, .redirect = &rd};
  CHECK(decade_program_test_run(decade_object_find_program(obj, "to_ifindex"), &run) == 0);
  CHECK(run.retval == 4 /* XDP_REDIRECT */ && run.outcome == DECADE_RUN_REDIRECTED);
  CHECK(rd.kind == DECADE_REDIRECT_IFINDEX && rd.map == NULL && rd.target_count == 1 && targets[0] == 7);

  /* A cpumap entry: the map's handle, the key, the entry's qsize. */
  decade_map *cpus = decade_object_find_map(obj, "cpus");
  uint32_t key = 1, val[2] = {192, 0};
  CHECK(decade_map_update(cpus, &key, val, DECADE_ANY) == 0);
  memset(&rd, 0, sizeof rd);
  rd.sz = sizeof rd;
  CHECK(decade_program_test_run(decade_object_find_program(obj, "to_cpu"), &run) == 0);
  CHECK(run.outcome == DECADE_RUN_REDIRECTED && rd.kind == DECADE_REDIRECT_CPU && rd.map == cpus);
  CHECK(rd.key == 1 && rd.value == 192 && rd.target_count == 1 && rd.targets == NULL);

  /* No redirect: outcome 0, the struct untouched. */
  rd.kind = 99;
  CHECK(decade_program_test_run(decade_object_find_program(obj, "redirect_then_pass"), &run) == 0);
  CHECK(run.retval == 2 && run.outcome == 0 && rd.kind == 99);

  /* An older caller's struct (sz up to timeout_ns) still runs. */
  struct decade_test_run old = {.sz = offsetof(struct decade_test_run, tunnel_in), .data_in = pkt, .data_size_in = sizeof pkt};
  CHECK(decade_program_test_run(decade_object_find_program(obj, "to_ifindex"), &old) == 0 && old.retval == 4);
  decade_object_close(obj);
}

static void tunnels(void) {
  decade_object *obj = load("api/progs/packet_helpers.bpf.o");
  unsigned char pkt[128] = {0};
  pkt[12] = 0x08; /* IPv4 */
  pkt[14] = 0x45;
  uint32_t params[4] = {42, 0x0a000002, 0x0a000001, 0};
  memcpy(pkt + 64, params, sizeof params);
  struct decade_tunnel_key out = {.sz = sizeof out};
  struct decade_test_run run = {.sz = sizeof run, .data_in = pkt, .data_size_in = sizeof pkt, .tunnel_out = &out};
  CHECK(decade_program_test_run(decade_object_find_program(obj, "tc_tunnel"), &run) == 0);
  CHECK(run.retval == 8 && run.outcome == DECADE_RUN_TUNNEL_SET);
  CHECK(out.id == 42 && out.remote[0] == 0x0a000002 && out.local[0] == 0x0a000001 && out.ttl == 64 && out.tos == 4);
  CHECK(out.ipv6 == 0 && out.options_size == 8 && out.options[0] == 1 && out.options[7] == 8);

  /* What the packet arrived with, read by bpf_skb_get_tunnel_key. */
  struct decade_tunnel_key in = {.sz = sizeof in, .id = 5, .remote = {0x0a000009}, .ttl = 3, .options_size = 8,
                                 .options = {9, 8, 7, 6, 5, 4, 3, 2}};
  unsigned char got[128];
  memset(params, 0, sizeof params);
  memcpy(pkt + 64, params, sizeof params);
  struct decade_test_run get = {.sz = sizeof get, .data_in = pkt, .data_size_in = sizeof pkt, .data_out = got,
                                .data_size_out = sizeof got, .tunnel_in = &in};
  CHECK(decade_program_test_run(decade_object_find_program(obj, "tc_get_tunnel"), &get) == 0);
  uint32_t id, remote; /* struct bpf_tunnel_key: tunnel_id, remote_ipv4 */
  memcpy(&id, got + 16, 4);
  memcpy(&remote, got + 20, 4);
  CHECK(get.retval == 8 && id == 5 && remote == 0x0a000009 && got[60] == 9 && get.outcome == 0);
  in.options_size = DECADE_TUNNEL_OPTS_MAX + 1;
  CHECK(decade_program_test_run(decade_object_find_program(obj, "tc_get_tunnel"), &get) == -EINVAL);
  decade_object_close(obj);
}

/* bpf_clone_redirect's copies: counted always, copied up to the caller's
 * capacity, each with its length even when the buffer is short. */
static void clones(void) {
  decade_object *obj = load("api/progs/packet_helpers.bpf.o");
  unsigned char pkt[96] = {0};
  pkt[0] = 7;
  pkt[12] = 0x08; /* IPv4 */
  pkt[14] = 0x45;
  uint32_t params[4] = {1 /* ifindex */, 1 /* BPF_F_INGRESS */, 0, 0};
  memcpy(pkt + 64, params, sizeof params);
  unsigned char first[96], second[8];
  struct decade_cloned_packet got[1] = {{.data = first, .data_size = sizeof first}};
  struct decade_test_run run = {.sz = sizeof run, .data_in = pkt, .data_size_in = sizeof pkt, .clones = got,
                                .clones_capacity = 1};
  CHECK(decade_program_test_run(decade_object_find_program(obj, "tc_clone"), &run) == 0);
  CHECK(run.retval == 100 && run.outcome == DECADE_RUN_CLONED && run.clone_count == 2);
  CHECK(got[0].ifindex == 1 && got[0].ingress == 1 && got[0].data_size == sizeof pkt && first[0] == 7);
  struct decade_cloned_packet two[2] = {{.data = NULL}, {.data = second, .data_size = sizeof second}};
  run.clones = two;
  run.clones_capacity = 2;
  CHECK(decade_program_test_run(decade_object_find_program(obj, "tc_clone"), &run) == 0);
  CHECK(two[0].data_size == sizeof pkt && two[1].data_size == sizeof pkt && second[0] == 0xee && second[7] == 0);
  /* An older caller's struct (up to outcome) still runs and learns of them. */
  struct decade_test_run old = {.sz = offsetof(struct decade_test_run, clones), .data_in = pkt, .data_size_in = sizeof pkt};
  CHECK(decade_program_test_run(decade_object_find_program(obj, "tc_clone"), &old) == 0);
  CHECK(old.retval == 100 && old.outcome == DECADE_RUN_CLONED);
  decade_object_close(obj);
}

static void fib(void) {
  /* Without a table every lookup is -ENODEV. */
  decade_object *bare = load("api/progs/fib.bpf.o");
  unsigned char pkt[72] = {0}, out[72];
  pkt[0] = 2;  /* family AF_INET */
  pkt[8] = 1;  /* ifindex 1 (ingress) */
  const unsigned char dst[4] = {10, 1, 2, 3};
  memcpy(pkt + 32, dst, 4); /* ipv4_dst */
  struct decade_test_run run = {.sz = sizeof run, .data_in = pkt, .data_size_in = sizeof pkt, .data_out = out,
                                .data_size_out = sizeof out};
  int32_t rc;
  CHECK(decade_program_test_run(decade_object_find_program(bare, "fib_xdp"), &run) == 0);
  memcpy(&rc, out + 68, 4);
  CHECK(rc == -ENODEV);
  decade_object_close(bare);

  decade_fib *table = decade_fib_new();
  CHECK(table != NULL);
  CHECK(decade_fib_parse(table, "dev 1 mac 02:00:00:00:00:01\ndev 2 mac 02:00:00:00:00:02\n"
                                "route 10.1.2.0/24 dev 2\n") == 0);
  CHECK(decade_fib_parse(table, "route 10.1.2.0/33 dev 2\n") == -EINVAL);
  decade_object *obj = open_obj("api/progs/fib.bpf.o");
  CHECK(decade_object_set_fib(obj, table) == 0); /* before load, as BpfObject::set_fib */
  load_obj(obj);
  CHECK(decade_object_set_fib(obj, table) == -EINVAL);
  /* Shared: an entry added after set_fib is seen by the next lookup. */
  CHECK(decade_fib_parse(table, "neigh 10.1.2.3 dev 2 lladdr 02:00:00:00:00:aa\n") == 0);
  decade_fib_free(table);
  CHECK(decade_program_test_run(decade_object_find_program(obj, "fib_xdp"), &run) == 0);
  memcpy(&rc, out + 68, 4);
  uint32_t ifindex;
  memcpy(&ifindex, out + 8, 4);
  CHECK(rc == 0 && ifindex == 2 && out[58 + 5] == 0xaa /* dmac */);
  decade_object_close(obj);
}

static void on_line(void *ctx, const char *line, size_t len) {
  int *n = ctx;
  if (len >= 4 && memcmp(line, "len ", 4) == 0) ++*n;
}

static void trace(void) {
  decade_object *obj = load("api/progs/printk.bpf.o");
  unsigned char pkt[20] = {0};
  struct decade_test_run run = {.sz = sizeof run, .data_in = pkt, .data_size_in = sizeof pkt};
  CHECK(decade_program_test_run(decade_object_find_program(obj, "say"), &run) == 0);
  char *text = decade_object_drain_trace(obj);
  CHECK(text && strcmp(text, "len 20\ndone 7 x\n") == 0);
  free(text);
  text = decade_object_drain_trace(obj);
  CHECK(text && text[0] == 0);
  free(text);
  CHECK(decade_object_trace_dropped(obj) == 0);
  int lines = 0;
  CHECK(decade_object_set_trace_callback(obj, on_line, &lines) == 0);
  CHECK(decade_program_test_run(decade_object_find_program(obj, "say"), &run) == 0);
  CHECK(lines == 1);
  CHECK(decade_object_set_trace_callback(obj, NULL, NULL) == 0);
  CHECK(decade_object_drain_trace(NULL) == NULL);
  decade_object_close(obj);
}

struct perf_seen {
  int samples;
  uint32_t size;
  unsigned char first[9];
};

static void on_sample(void *ctx, int cpu, const void *data, uint32_t size) {
  struct perf_seen *s = ctx;
  (void)cpu;
  ++s->samples;
  s->size = size;
  memcpy(s->first, data, size < 9 ? size : 9);
}

static void perf(void) {
  decade_object *obj = load("api/progs/perf.bpf.o");
  struct perf_seen seen = {0};
  decade_perf_buffer *pb = NULL;
  decade_map *events = decade_object_find_map(obj, "events");
  struct decade_perf_buffer_opts bad = {.sz = 1};
  CHECK(decade_perf_buffer_new(events, 8, on_sample, &seen, &bad, &pb) == -EINVAL);
  CHECK(decade_perf_buffer_new(events, 8, on_sample, &seen, NULL, &pb) == 0);
  unsigned char pkt[16] = {0, 0xb1, 0xb2, 0xb3};
  struct decade_test_run run = {.sz = sizeof run, .data_in = pkt, .data_size_in = sizeof pkt};
  CHECK(decade_program_test_run(decade_object_find_program(obj, "perf_out"), &run) == 0 && run.retval == 0);
  CHECK(decade_perf_buffer_poll(pb, 100) == 1);
  CHECK(seen.samples == 1 && seen.size >= 9 && seen.first[0] == 0xa1 && seen.first[4] == 0xa5 && seen.first[6] == 0xb1);
  CHECK(decade_perf_buffer_consume(pb) == 0);
  decade_perf_buffer_free(pb);
  decade_object_close(obj);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: c_host_sides ENGINE OBJDIR\n");
    return 2;
  }
  engine = argv[1];
  objdir = argv[2];
  redirects();
  tunnels();
  clones();
  fib();
  trace();
  perf();
  if (failures) return 1;
  printf("c_host_sides: ok\n");
  return 0;
}
