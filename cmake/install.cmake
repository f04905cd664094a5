# SPDX-License-Identifier: Apache-2.0
# `cmake --install` (and `make install PREFIX=...`): libdecade.so and
# libdecade.a, the public headers of include/, the CMake package
# (find_package(decade) gives decade::decade and decade::decade_static),
# decade.pc for pkg-config, the CLI, its man page and the documentation.
include(CMakePackageConfigHelpers)
set(DECADE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/decade)

install(TARGETS decade_shared decade_static EXPORT decadeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/decade DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(EXPORT decadeTargets NAMESPACE decade:: DESTINATION ${DECADE_CMAKE_DIR})

# The JIT's encoder is a dependency of the static library only when built.
set(DECADE_WITH_ASMJIT ${asmjit_FOUND})
set(DECADE_WITH_ZYDIS ${zydis_FOUND})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/decadeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/decadeConfig.cmake INSTALL_DESTINATION ${DECADE_CMAKE_DIR})
# 0.x: a minor release may break the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/decadeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/decadeConfig.cmake ${PROJECT_BINARY_DIR}/decadeConfigVersion.cmake
  DESTINATION ${DECADE_CMAKE_DIR})

# pkg-config: Libs.private and Requires.private are what `--static` adds for
# libdecade.a (libdecade.so records its own dependencies).
if(asmjit_FOUND)
  set(DECADE_PC_LIBS_PRIVATE "-lasmjit -lrt")
endif()
if(zydis_FOUND)
  string(APPEND DECADE_PC_LIBS_PRIVATE " -lZydis")
endif()
string(APPEND DECADE_PC_LIBS_PRIVATE " -lstdc++ -lm -pthread")
# The prefix relative to the .pc file, so an install moved with --prefix or
# DESTDIR stays usable.
file(RELATIVE_PATH DECADE_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" DECADE_PC_TO_PREFIX "${DECADE_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/decade.pc.in ${PROJECT_BINARY_DIR}/decade.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/decade.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(TARGETS decade_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# `decade trace` finds its agent in ../lib beside bin/decade (src/cli/cmd_trace.cpp).
if(TARGET decade_agent)
  install(TARGETS decade_agent LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(FILES ${PROJECT_SOURCE_DIR}/docs/decade.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
  FILES_MATCHING PATTERN "*.md")
install(FILES ${PROJECT_SOURCE_DIR}/examples/hello_c.c ${PROJECT_SOURCE_DIR}/examples/packet_filter_host.cpp
  ${PROJECT_SOURCE_DIR}/examples/event_counter.bpf.c DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
