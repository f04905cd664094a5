// SPDX-License-Identifier: Apache-2.0
// The kernel's side of scripts/corpus_measure.sh: loads each program of a
// BPF object into the running kernel on its own (libbpf, every other program
// of the object with autoload off) and prints one line per program:
//   PROG<TAB>SECTION<TAB>TYPE<TAB>ok
//   PROG<TAB>SECTION<TAB>TYPE<TAB>fail<TAB>REASON   (errno text, then the verifier's last log line)
// TYPE is libbpf's name of the program type, with a leading '+' when the
// section named none and the program got DEFAULT_TYPE (`xdp`, `tc`,
// `socket`, ... as libbpf's section names), as `bpftool prog load ...
// type TYPE` gives it; '-' when it has none.
//   cc -O2 -o corpus_kload scripts/corpus_kload.c -lbpf
//   corpus_kload OBJ [DEFAULT_TYPE]
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char log_buf[1 << 20];

static int quiet(enum libbpf_print_level level, const char* fmt, va_list args) {
  (void)level;
  (void)fmt;
  (void)args;
  return 0;
}

// The last non-empty line of the verifier's log: usually the reason.
static const char* last_line(void) {
  static char line[512];
  size_t n = strlen(log_buf);
  while (n > 0 && (log_buf[n - 1] == '\n' || log_buf[n - 1] == ' ')) log_buf[--n] = 0;
  const char* start = strrchr(log_buf, '\n');
  start = start ? start + 1 : log_buf;
  snprintf(line, sizeof line, "%s", start);
  return line;
}

static int load_one(const char* path, int index, const char* default_type) {
  struct bpf_object_open_opts opts = {.sz = sizeof(opts)};
  struct bpf_object* obj = bpf_object__open_file(path, &opts);
  if (!obj) return -1;
  struct bpf_program* prog;
  struct bpf_program* mine = NULL;
  int i = 0;
  bpf_object__for_each_program(prog, obj) {
    bpf_program__set_autoload(prog, i == index);
    if (i == index) mine = prog;
    i++;
  }
  if (!mine) {
    bpf_object__close(obj);
    return 1;
  }
  const char* mark = "";
  if (bpf_program__type(mine) == BPF_PROG_TYPE_UNSPEC && default_type) {
    enum bpf_prog_type t;
    enum bpf_attach_type a;
    if (libbpf_prog_type_by_name(default_type, &t, &a) == 0) {
      bpf_program__set_type(mine, t);
      bpf_program__set_expected_attach_type(mine, a);
      mark = "+";
    }
  }
  const char* type = libbpf_bpf_prog_type_str(bpf_program__type(mine));
  // Pinned maps (LIBBPF_PIN_BY_NAME) would be shared between the loads and
  // left in bpffs: each load gets maps of its own.
  struct bpf_map* map;
  bpf_object__for_each_map(map, obj) bpf_map__set_pin_path(map, NULL);
  log_buf[0] = 0;
  bpf_program__set_log_buf(mine, log_buf, sizeof log_buf);
  int err = bpf_object__load(obj);
  printf("%s\t%s\t%s%s\t", bpf_program__name(mine), bpf_program__section_name(mine), mark,
         bpf_program__type(mine) == BPF_PROG_TYPE_UNSPEC || !type ? "-" : type);
  if (err == 0) {
    printf("ok\n");
  } else {
    printf("fail\t%s: %s\n", strerror(-err), last_line());
  }
  bpf_object__close(obj);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s OBJ [DEFAULT_TYPE]\n", argv[0]);
    return 2;
  }
  if (!getenv("KLOAD_DEBUG")) libbpf_set_print(quiet);
  struct bpf_object_open_opts opts = {.sz = sizeof(opts)};
  struct bpf_object* obj = bpf_object__open_file(argv[1], &opts);
  if (!obj) {
    printf("-\t-\t-\tfail\topen: %s\n", strerror(errno));
    return 1;
  }
  int n = 0;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, obj) n++;
  bpf_object__close(obj);
  for (int i = 0; i < n; i++) load_one(argv[1], i, argc > 2 ? argv[2] : NULL);
  return 0;
}
