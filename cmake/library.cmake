# SPDX-License-Identifier: Apache-2.0
# The library embedders link: one shared object (libdecade.so.0) and one
# static archive (libdecade.a), both made of the objects of every module of
# src/, so a host links one library instead of ten archives in a group.
# Their only include directory is include/: src/ stays private to the build.
#
# Exports: every module is compiled with -fvisibility=hidden and
# -fvisibility-inlines-hidden (decade_module), and include/decade/export.h's
# DECADE_API marks the public C API (decade_*) and the public C++ classes and
# functions. cmake/decade.map (a version script) lists the same names as a
# second guard; every other symbol, asmjit's included, is local to
# libdecade.so. The soname's
# number is DECADE_ABI_VERSION, raised when the C ABI breaks
# (docs/embedding.md, "Versions and ABI").
include(GNUInstallDirs)
set(DECADE_ABI_VERSION 0)
get_property(decade_modules GLOBAL PROPERTY DECADE_MODULES)  # every decade_module()

# The C API checks its header's version macros against the project's.
set_source_files_properties(${PROJECT_SOURCE_DIR}/src/api/c_api_errors.cpp PROPERTIES COMPILE_DEFINITIONS
  "DECADE_PROJECT_VERSION_MAJOR=${PROJECT_VERSION_MAJOR};DECADE_PROJECT_VERSION_MINOR=${PROJECT_VERSION_MINOR};DECADE_PROJECT_VERSION_PATCH=${PROJECT_VERSION_PATCH}")

set(decade_objects)
foreach(m ${decade_modules})
  list(APPEND decade_objects $<TARGET_OBJECTS:${m}>)
endforeach()

# What the modules link, as the two libraries need it: fmt and libelf are
# shared system libraries, asmjit a static one folded into libdecade.so.
set(decade_deps fmt::fmt PkgConfig::LIBELF Threads::Threads)
if(asmjit_FOUND)
  list(APPEND decade_deps asmjit::asmjit)
endif()
if(zydis_FOUND)
  list(APPEND decade_deps Zydis::Zydis)  # shared system library (src/probe)
endif()

add_library(decade_shared SHARED ${decade_objects})
set_target_properties(decade_shared PROPERTIES
  OUTPUT_NAME decade EXPORT_NAME decade LINKER_LANGUAGE CXX
  VERSION ${PROJECT_VERSION} SOVERSION ${DECADE_ABI_VERSION}
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/decade.map
  CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
target_link_libraries(decade_shared PRIVATE ${decade_deps})
if(asmjit_FOUND)
  # libasmjit.a reads stderr PC-relatively: see cmake/asmjit_stderr.cpp.
  target_sources(decade_shared PRIVATE ${PROJECT_SOURCE_DIR}/cmake/asmjit_stderr.cpp)
  target_link_options(decade_shared PRIVATE "LINKER:--wrap=stderr")
endif()
target_link_options(decade_shared PRIVATE "LINKER:--version-script=${PROJECT_SOURCE_DIR}/cmake/decade.map")
# Every symbol resolved at link time; not under the sanitizers, whose
# runtime a shared library leaves to the executable.
if(NOT DECADE_FUZZ)
  target_link_options(decade_shared PRIVATE "LINKER:--no-undefined")
endif()

add_library(decade_static STATIC ${decade_objects})
set_target_properties(decade_static PROPERTIES
  OUTPUT_NAME decade EXPORT_NAME decade_static LINKER_LANGUAGE CXX
  ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
# LINK_ONLY: a host needs the dependencies' libraries, not their headers.
foreach(d ${decade_deps})
  target_link_libraries(decade_static INTERFACE $<LINK_ONLY:${d}>)
endforeach()

foreach(t decade_shared decade_static)
  target_include_directories(${t} INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # The public headers need C++20 (C++23 is used when the host has it).
  target_compile_features(${t} INTERFACE cxx_std_20)
endforeach()

# The names an installed package gives (cmake/decadeConfig.cmake.in), so a
# host's CMake code reads the same with add_subdirectory and find_package.
add_library(decade::decade ALIAS decade_shared)
add_library(decade::decade_static ALIAS decade_static)
