# SPDX-License-Identifier: Apache-2.0
# The installed package used from outside the tree (tests/install/install_test.sh):
# needs the whole build (the library, the CLI and the examples' BPF objects).
add_test(NAME install.package
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/install/install_test.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
set_tests_properties(install.package PROPERTIES TIMEOUT 300 PASS_REGULAR_EXPRESSION "install_test: ok")
