# SPDX-License-Identifier: Apache-2.0
# The C API's host sides (redirects, tunnels, fib, trace, perf buffers)
# exercised from C against libdecade.so, on both engines (tests/api/c_host_sides.c).
add_executable(c_host_sides ${CMAKE_CURRENT_SOURCE_DIR}/api/c_host_sides.c)
target_link_libraries(c_host_sides PRIVATE decade::decade)
set_target_properties(c_host_sides PROPERTIES LINKER_LANGUAGE C C_STANDARD 11)
target_compile_options(c_host_sides PRIVATE -Wall -Wextra)
add_dependencies(c_host_sides bpf_objects)
foreach(engine interp jit)
  add_test(NAME api.c_host_sides_${engine} COMMAND c_host_sides ${engine} ${PROJECT_BINARY_DIR}/bpf)
  set_tests_properties(api.c_host_sides_${engine} PROPERTIES PASS_REGULAR_EXPRESSION "c_host_sides: ok" TIMEOUT 60)
endforeach()
