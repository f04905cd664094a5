/* SPDX-License-Identifier: Apache-2.0 */
/* A C host of a generated skeleton (decade gen skeleton shapes.bpf.o):
 * sets skel->rodata->limit before load, runs the program once on the
 * engine named by argv[1], and reads skel->bss and skel->data after.
 * Prints "skeleton_host: ok" when every value is what the program wrote. */
#include <stdio.h>
#include <string.h>

#include "shapes.skel.h"

static int check(int ok, const char *what) {
  if (!ok) fprintf(stderr, "skeleton_host: %s\n", what);
  return ok;
}

int main(int argc, char **argv) {
  struct decade_load_opts lo;
  struct decade_test_run run;
  unsigned char pkt[64] = {0};
  struct stats st;
  unsigned int key = 6;
  int ok = 1;
  struct shapes *skel = shapes__open();

  if (!skel) return fprintf(stderr, "open: %s\n", decade_last_error()), 1;
  ok &= check(skel->rodata && skel->rodata->limit == 5, "rodata before load");
  skel->rodata->limit = 9;
  memset(&lo, 0, sizeof(lo));
  lo.sz = sizeof(lo);
  lo.engine = argc > 1 ? argv[1] : NULL;
  if (shapes__load_opts(skel, &lo)) return fprintf(stderr, "load: %s\n", decade_last_error()), 1;
  memset(&run, 0, sizeof(run));
  run.sz = sizeof(run);
  run.data_in = pkt;
  run.data_size_in = sizeof(pkt);
  if (decade_program_test_run(skel->progs.shapes, &run)) return fprintf(stderr, "run: %s\n", decade_last_error()), 1;
  ok &= check(run.retval == 2, "retval");
  ok &= check(skel->rodata->limit == 9, "rodata after load");
  ok &= check(skel->bss->hits == 7 + 9, "bss hits");
  ok &= check(skel->bss->last.packets == sizeof(pkt) && skel->bss->last.bytes == 9, "bss struct");
  ok &= check(skel->data->counter == 4, "data counter");
  ok &= check(decade_map_lookup(skel->maps.hmap, &key, &st) == 0 && st.packets == 1 && st.bytes == 2, "hmap");
  shapes__destroy(skel);
  if (!ok) return 1;
  puts("skeleton_host: ok");
  return 0;
}
