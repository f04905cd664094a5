# SPDX-License-Identifier: Apache-2.0
# The kernel's verifier selftests against Decade (tests/selftests/):
# decade_selftests prints the agreement table; scripts/selftests_verifier.sh
# builds the selftests and runs it (`make selftests-verifier` for the whole
# table). The ctest below is the quick slice: a few files, failing on any
# unsafe acceptance, on an accepted __retval program that does not return
# its annotated value on both engines, or when fewer than 95% of the __msg
# strings of the programs both reject appear in `decade verify -v`; it
# skips where the sources or the kernel's BTF are missing.
find_package(PkgConfig REQUIRED)
add_executable(decade_selftests
  ${CMAKE_CURRENT_SOURCE_DIR}/selftests/selftests_main.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/selftests/phrases.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/selftests/retvals.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/selftests/table.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/selftests/test_specs.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/selftests/verdicts.cpp)
target_compile_options(decade_selftests PRIVATE ${DECADE_WARNINGS})
target_include_directories(decade_selftests PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(decade_selftests PRIVATE decade_loader decade_btf fmt::fmt Threads::Threads)
set_target_properties(decade_selftests PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
add_dependencies(decade_selftests decade_cli)

add_test(NAME selftests.verifier_slice
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/selftests_verifier.sh ${CMAKE_BINARY_DIR}
    --files and,array_access,bounds_deduction,bounds_deduction_non_const,direct_stack_access_wraparound,div_overflow,raw_stack,spill_fill,stack_ptr,value_ptr_arith
    --strict --retval --min-phrases 95)
set_tests_properties(selftests.verifier_slice PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
