# SPDX-License-Identifier: Apache-2.0
# The CLI tests run build/decade: build it before them.
if(TARGET test_cli)
  add_dependencies(test_cli decade_cli)
endif()
