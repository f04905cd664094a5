# SPDX-License-Identifier: Apache-2.0
# The vendored public corpus (tests/corpus/<project>/, README.md there): each
# project's BPF programs built unchanged with clang-19 and the flags its own
# build uses, into build/bpf/corpus/<project>/<path>.o, for test_corpus
# (tests/corpus/corpus_test.cpp). Warnings of the vendored code are not ours
# to fix: -w.
set(corpus_dir ${PROJECT_SOURCE_DIR}/tests/corpus)
set(corpus_common -target bpf -O2 -g -w -I${corpus_dir}/include -I/usr/include/${DECADE_HOST_ARCH}-linux-gnu)
set(corpus_xdp-tutorial_flags -I${corpus_dir}/xdp-tutorial)
# xdp-tools' configure defines these for a libbpf that has the functions (Debian's 1.1 has).
set(corpus_xdp-tools_flags -std=gnu2x -DHAVE_LIBBPF_BPF_PROGRAM__TYPE -DHAVE_LIBBPF_BPF_PROGRAM__FLAGS
    -I${corpus_dir}/xdp-tools/headers)
set(corpus_outs)
foreach(project xdp-tutorial xdp-tools)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS "${corpus_dir}/${project}/*.c")
  foreach(src ${srcs})
    file(RELATIVE_PATH rel ${corpus_dir} ${src})
    string(REGEX REPLACE "\\.c$" ".o" rel ${rel})
    set(out ${PROJECT_BINARY_DIR}/bpf/corpus/${rel})
    get_filename_component(outdir ${out} DIRECTORY)
    get_filename_component(srcdir ${src} DIRECTORY)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${outdir}
      COMMAND ${DECADE_CLANG19_PATH} ${corpus_common} ${corpus_${project}_flags} -I${srcdir} -c ${src} -o ${out}
      DEPENDS ${src}
      IMPLICIT_DEPENDS C ${src}
      COMMENT "BPF corpus/${rel}" VERBATIM)
    list(APPEND corpus_outs ${out})
  endforeach()
endforeach()
add_custom_target(corpus_objects DEPENDS ${corpus_outs})
if(TARGET test_corpus)
  add_dependencies(test_corpus corpus_objects)
  # The kernel's side of the comparison (BPF_PROG_TEST_RUN) goes through libbpf.
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(CORPUS_LIBBPF IMPORTED_TARGET libbpf)
  endif()
  if(CORPUS_LIBBPF_FOUND)
    target_link_libraries(test_corpus PRIVATE PkgConfig::CORPUS_LIBBPF)
  else()
    target_compile_definitions(test_corpus PRIVATE DECADE_CORPUS_NO_LIBBPF)
  endif()
endif()
