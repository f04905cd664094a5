# SPDX-License-Identifier: Apache-2.0
# BPF objects compiled during the build, the way users compile them:
#   tests/**/NAME.bpf.c     clang-19 -target bpf -O2 -g            (default cpu)
#   tests/**/NAME.v4.bpf.c  clang-19 -target bpf -O2 -g -mcpu=v4
#   tests/**/NAME.c22.bpf.c clang-22 -target bpf -O2 -g -mcpu=v4   (skipped when clang-22 is missing)
#   tests/**/NAME.jt.c22.bpf.c  the same plus -mllvm -bpf-min-jump-table-entries=4 (switches become jump tables)
#   tests/**/NAME.stk[.c22].bpf.c  either compiler plus -mllvm -bpf-stack-size=8192 (frames over 512 bytes)
# Each lands at ${PROJECT_BINARY_DIR}/bpf/<path below tests/>/NAME....o, e.g.
# tests/loader/progs/maps.bpf.c -> build/bpf/loader/progs/maps.bpf.o.
# Every test binary depends on the `bpf_objects` target. Tests find objects
# through DECADE_BINARY_DIR "/bpf/...".
find_program(DECADE_CLANG19_PATH ${DECADE_CLANG_BPF})
find_program(DECADE_CLANG22_PATH ${DECADE_CLANG22_BPF})
execute_process(COMMAND uname -m OUTPUT_VARIABLE DECADE_HOST_ARCH OUTPUT_STRIP_TRAILING_WHITESPACE)
set(DECADE_BPF_CFLAGS -target bpf -O2 -g -Wall -Wno-unused-function
    -I/usr/include/${DECADE_HOST_ARCH}-linux-gnu -I${PROJECT_SOURCE_DIR}/tests/include -I${PROJECT_SOURCE_DIR}/include)

file(GLOB_RECURSE bpf_srcs CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/*.bpf.c" "${PROJECT_SOURCE_DIR}/bench/*.bpf.c"
     "${PROJECT_SOURCE_DIR}/demo/*.bpf.c" "${PROJECT_SOURCE_DIR}/examples/*.bpf.c")
# The vendored corpus builds with its projects' own flags (tests/corpus.cmake).
list(FILTER bpf_srcs EXCLUDE REGEX "/tests/corpus/")
set(bpf_outs)
foreach(src ${bpf_srcs})
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${src})
  string(REGEX REPLACE "^tests/" "" rel ${rel})
  string(REGEX REPLACE "\\.c$" ".o" rel ${rel})
  set(out ${PROJECT_BINARY_DIR}/bpf/${rel})
  get_filename_component(outdir ${out} DIRECTORY)
  set(cc ${DECADE_CLANG19_PATH})
  set(extra)
  if(src MATCHES "\\.v4\\.bpf\\.c$")
    set(extra -mcpu=v4)
  elseif(src MATCHES "\\.c22\\.bpf\\.c$")
    if(NOT DECADE_CLANG22_PATH)
      continue()
    endif()
    set(cc ${DECADE_CLANG22_PATH})
    set(extra -mcpu=v4)
    if(src MATCHES "\\.jt\\.c22\\.bpf\\.c$")
      list(APPEND extra -mllvm -bpf-min-jump-table-entries=4)
    endif()
  endif()
  if(src MATCHES "\\.stk\\.(c22\\.)?bpf\\.c$")
    list(APPEND extra -mllvm -bpf-stack-size=8192)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${outdir}
    COMMAND ${cc} ${DECADE_BPF_CFLAGS} ${extra} -c ${src} -o ${out}
    DEPENDS ${src}
    IMPLICIT_DEPENDS C ${src}
    COMMENT "BPF ${rel}" VERBATIM)
  list(APPEND bpf_outs ${out})
endforeach()
add_custom_target(bpf_objects ALL DEPENDS ${bpf_outs})
