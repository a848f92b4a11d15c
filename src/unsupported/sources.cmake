# SPDX-License-Identifier: MIT
# Any other system: every call answers errc::not_supported. Also the template for a new platform:
# copy this directory, fill in the three functions of src/common/backend.hpp (platform.cpp) and
# the one of src/common/process.hpp (process_name.cpp), and map the system to it in the
# top-level CMakeLists.txt (or pick it with -DTCPTABLE_PLATFORM=<name>).
set(tcptable_platform_backends "none (unsupported platform)")
set(tcptable_platform_sources ${CMAKE_CURRENT_LIST_DIR}/destroy.cpp ${CMAKE_CURRENT_LIST_DIR}/namespaces.cpp ${CMAKE_CURRENT_LIST_DIR}/platform.cpp ${CMAKE_CURRENT_LIST_DIR}/process_name.cpp)
set(tcptable_platform_libraries)
