# SPDX-License-Identifier: Apache-2.0
# The BPF conformance suite (../shared/conformance): an in-process runner
# over every engine, the negative files (clean errors, never a crash), and
# the `decade conformance-plugin` protocol driven through a few files.
add_executable(conformance_runner ${CMAKE_CURRENT_SOURCE_DIR}/conformance/conformance_runner.cpp)
set_target_properties(conformance_runner PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
target_compile_options(conformance_runner PRIVATE ${DECADE_WARNINGS})
target_include_directories(conformance_runner PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(conformance_runner PRIVATE decade_asm decade_interp decade_jit decade_runtime)

add_test(NAME conformance.interp
         COMMAND conformance_runner --engine interp --dir ${DECADE_CONFORMANCE_DIR}/tests)
set_tests_properties(conformance.interp PROPERTIES PASS_REGULAR_EXPRESSION "\n313 passed, 0 failed\n" TIMEOUT 120)

# Negative files: each ends in a clean pass or error line and the run reaches its summary.
add_test(NAME conformance.negative
         COMMAND conformance_runner --engine interp --dir ${DECADE_CONFORMANCE_DIR}/negative --allow-failures)
set_tests_properties(conformance.negative PROPERTIES PASS_REGULAR_EXPRESSION "\n[0-9]+ passed, [0-9]+ failed\n"
                     FAIL_REGULAR_EXPRESSION "killed by signal" TIMEOUT 120)

# The official runner starts `PLUGIN [MEM]`; a one-line wrapper supplies the subcommand.
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/decade-conformance-plugin
     CONTENT "#!/bin/sh\nexec \"$<TARGET_FILE:decade_cli>\" conformance-plugin \"$@\"\n"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
add_test(NAME conformance.plugin
         COMMAND conformance_runner --plugin ${CMAKE_BINARY_DIR}/decade-conformance-plugin
                 --dir ${DECADE_CONFORMANCE_DIR}/tests
                 --match ldxb --match stxdw --match lock_cmpxchg --match call_local --match callx
                 --match sdiv64 --match be16 --match mem-len --match prime)
set_tests_properties(conformance.plugin PROPERTIES PASS_REGULAR_EXPRESSION "\n[1-9][0-9]* passed, 0 failed\n" TIMEOUT 120)

# Decade's own files in the suite's format (tests/conformance/ext: the ISA
# extensions of docs/isa-extensions.md), run the same three ways as the suite.
set(DECADE_CONFORMANCE_EXT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/conformance/ext)
foreach(engine interp jit)
  add_test(NAME conformance.ext.${engine}
           COMMAND conformance_runner --engine ${engine} --dir ${DECADE_CONFORMANCE_EXT_DIR})
  set_tests_properties(conformance.ext.${engine} PROPERTIES PASS_REGULAR_EXPRESSION "\n[1-9][0-9]* passed, 0 failed\n" TIMEOUT 120)
endforeach()
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/decade-conformance-plugin-jit
     CONTENT "#!/bin/sh\nexec \"$<TARGET_FILE:decade_cli>\" conformance-plugin --engine jit \"$@\"\n"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
foreach(plugin decade-conformance-plugin decade-conformance-plugin-jit)
  add_test(NAME conformance.ext.${plugin}
           COMMAND conformance_runner --plugin ${CMAKE_BINARY_DIR}/${plugin} --dir ${DECADE_CONFORMANCE_EXT_DIR})
  set_tests_properties(conformance.ext.${plugin} PROPERTIES PASS_REGULAR_EXPRESSION "\n[1-9][0-9]* passed, 0 failed\n" TIMEOUT 120)
endforeach()
