# SPDX-License-Identifier: Apache-2.0
# `decade trace` (tests/cli/trace_test.cpp) attaches to this target: built
# with frame pointers so traced_add is long enough for a probe, with a USDT
# probe from <sys/sdt.h> (systemtap-sdt-dev).
if(TARGET test_cli AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  add_executable(trace_target ${CMAKE_CURRENT_SOURCE_DIR}/cli/trace/trace_target.c)
  set_target_properties(trace_target PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  target_compile_options(trace_target PRIVATE -O2 -fno-omit-frame-pointer -Wall -Wextra)
  add_dependencies(test_cli trace_target decade_agent)
  target_compile_definitions(test_cli PRIVATE DECADE_TRACE_TARGET="$<TARGET_FILE:trace_target>")
endif()
