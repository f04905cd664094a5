# SPDX-License-Identifier: Apache-2.0
# The CLI tests run build/decade: build it before them.
if(TARGET test_cli)
  add_dependencies(test_cli decade_cli)
endif()

# `decade features` lists the engines and the ISA extensions of this build.
add_test(NAME cli.features COMMAND decade_cli features)
set_tests_properties(cli.features PROPERTIES PASS_REGULAR_EXPRESSION "extension bitmanip\n(extension [a-z]+\n)*extension divstack\nextension alloca\n")

# --stack-size: four nested 1600-byte frames verify with 8192 bytes, not
# with the default 512 (docs/isa-extensions.md, "stack").
set(bigstack ${PROJECT_BINARY_DIR}/bpf/api/progs/bigstack.stk.bpf.o)
add_test(NAME cli.stack_size COMMAND decade_cli verify ${bigstack} --stack-size 8192)
add_test(NAME cli.stack_size_default COMMAND decade_cli verify ${bigstack})
set_tests_properties(cli.stack_size_default PROPERTIES WILL_FAIL TRUE)

# A generated skeleton compiled into a C host (tests/cli/skeleton_host.c)
# against libdecade.so, run on both engines.
set(skel_dir ${PROJECT_BINARY_DIR}/skel)
add_custom_command(OUTPUT ${skel_dir}/shapes.skel.h
                   COMMAND ${CMAKE_COMMAND} -E make_directory ${skel_dir}
                   COMMAND sh -c "$<TARGET_FILE:decade_cli> gen skeleton ${PROJECT_BINARY_DIR}/bpf/cli/progs/shapes.bpf.o > ${skel_dir}/shapes.skel.h"
                   DEPENDS decade_cli ${PROJECT_BINARY_DIR}/bpf/cli/progs/shapes.bpf.o
                   COMMENT "decade gen skeleton shapes.bpf.o" VERBATIM)
add_executable(skeleton_host ${CMAKE_CURRENT_SOURCE_DIR}/cli/skeleton_host.c ${skel_dir}/shapes.skel.h)
target_include_directories(skeleton_host PRIVATE ${skel_dir})
target_link_libraries(skeleton_host PRIVATE decade::decade)
set_target_properties(skeleton_host PROPERTIES LINKER_LANGUAGE C C_STANDARD 11)
target_compile_options(skeleton_host PRIVATE -Wall -Wextra)
foreach(engine interp jit)
  add_test(NAME cli.skeleton_${engine} COMMAND skeleton_host ${engine})
  set_tests_properties(cli.skeleton_${engine} PROPERTIES PASS_REGULAR_EXPRESSION "skeleton_host: ok" TIMEOUT 60)
endforeach()

# Every example and demo object gets a skeleton that compiles and loads.
file(GLOB skel_srcs CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/examples/*.bpf.c" "${PROJECT_SOURCE_DIR}/demo/*.bpf.c")
foreach(src ${skel_srcs})
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${src})
  string(REGEX REPLACE "\\.c$" ".o" rel ${rel})
  get_filename_component(name ${src} NAME)
  string(REGEX REPLACE "\\..*$" "" name ${name})
  add_custom_command(OUTPUT ${skel_dir}/${name}.skel.h
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${skel_dir}
                     COMMAND sh -c "$<TARGET_FILE:decade_cli> gen skeleton ${PROJECT_BINARY_DIR}/bpf/${rel} > ${skel_dir}/${name}.skel.h"
                     DEPENDS decade_cli ${PROJECT_BINARY_DIR}/bpf/${rel}
                     COMMENT "decade gen skeleton ${rel}" VERBATIM)
  add_executable(skeleton_${name} ${CMAKE_CURRENT_SOURCE_DIR}/cli/skeleton_any.c ${skel_dir}/${name}.skel.h)
  target_compile_definitions(skeleton_${name} PRIVATE SKEL_NAME=${name} SKEL_HEADER="${name}.skel.h")
  target_include_directories(skeleton_${name} PRIVATE ${skel_dir})
  target_link_libraries(skeleton_${name} PRIVATE decade::decade)
  set_target_properties(skeleton_${name} PROPERTIES LINKER_LANGUAGE C C_STANDARD 11)
  target_compile_options(skeleton_${name} PRIVATE -Wall -Wextra)
  add_test(NAME cli.skeleton_of_${name} COMMAND skeleton_${name})
  set_tests_properties(cli.skeleton_of_${name} PROPERTIES PASS_REGULAR_EXPRESSION "skeleton_any: ok" TIMEOUT 60)
endforeach()

# Cold start (docs/cli.md): with DECADE_CLI_STATIC the executable needs no
# shared libstdc++, libgcc_s, libfmt, libelf or zlib; libc stays shared.
if(DECADE_CLI_STATIC AND DECADE_LIBELF_ARCHIVES AND CMAKE_READELF)
  add_test(NAME cli.shared_libraries COMMAND ${CMAKE_READELF} -d $<TARGET_FILE:decade_cli>)
  set_tests_properties(cli.shared_libraries PROPERTIES
    PASS_REGULAR_EXPRESSION "NEEDED[^\n]*libc\\.so"
    FAIL_REGULAR_EXPRESSION "lib(stdc\\+\\+|gcc_s|fmt|elf|z)\\.so")
endif()
