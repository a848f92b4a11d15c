# SPDX-License-Identifier: MIT
# Cross-builds tcptable for 64-bit Windows with Debian's MinGW-w64 (g++-mingw-w64-x86-64) and
# runs the tests under Wine. Use: cmake -S . -B build-mingw -G Ninja
#   --toolchain cmake/toolchains/mingw-w64-x86_64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(tcptable_mingw_triple x86_64-w64-mingw32)
# The posix thread model: the default win32 one has no std::thread or std::mutex in GCC 12.
set(CMAKE_C_COMPILER ${tcptable_mingw_triple}-gcc-posix)
set(CMAKE_CXX_COMPILER ${tcptable_mingw_triple}-g++-posix)
set(CMAKE_RC_COMPILER ${tcptable_mingw_triple}-windres)

# Libraries and headers come from the MinGW sysroot only, never from the Linux host.
set(CMAKE_FIND_ROOT_PATH /usr/${tcptable_mingw_triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Static libgcc/libstdc++/winpthread: Wine has no copies of MinGW's runtime DLLs, and a
# program missing them exits with status 53 and no message.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Header-only Boost, CLI11, nlohmann-json and fmt, and GoogleTest from source, out of the host's
# Debian packages: a dependency provider answers find_package for them.
list(APPEND CMAKE_PROJECT_TOP_LEVEL_INCLUDES ${CMAKE_CURRENT_LIST_DIR}/../mingw-deps.cmake)

# ctest runs every test program under Wine through this wrapper; test discovery waits for
# ctest (PRE_TEST), so building never starts Wine.
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/wine-run.sh)
set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
