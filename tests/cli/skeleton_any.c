/* SPDX-License-Identifier: Apache-2.0 */
/* Compiles against the skeleton SKEL_HEADER of object SKEL_NAME (the
 * CMake loop of tests/cli.cmake makes one per example and demo object)
 * and opens and loads it: the generated header is valid C and its
 * embedded object loads. Prints "skeleton_any: ok". */
#include <stdio.h>

#include SKEL_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

int main(void) {
  struct SKEL_NAME *skel = CAT(SKEL_NAME, __open_and_load)();
  if (!skel) return fprintf(stderr, "skeleton_any: %s\n", decade_last_error()), 1;
  CAT(SKEL_NAME, __destroy)(skel);
  puts("skeleton_any: ok");
  return 0;
}
