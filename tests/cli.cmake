# SPDX-License-Identifier: Apache-2.0
# The CLI tests run build/decade: build it before them.
if(TARGET test_cli)
  add_dependencies(test_cli decade_cli)
endif()

# `decade features` lists the engines and the ISA extensions of this build.
add_test(NAME cli.features COMMAND decade_cli features)
set_tests_properties(cli.features PROPERTIES PASS_REGULAR_EXPRESSION "extension bitmanip\n")
