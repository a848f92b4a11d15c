# SPDX-License-Identifier: MIT
# The MinGW-w64 cross build's dependencies, taken from the Linux host's Debian packages.
# Included by cmake/toolchains/mingw-w64-x86_64.cmake (CMAKE_PROJECT_TOP_LEVEL_INCLUDES) and
# nowhere else: it installs a dependency provider, so the project's find_package calls stay
# as they are.
#
# Boost (Endian, Asio), CLI11 and nlohmann-json are header-only; fmt is used header-only
# (FMT_HEADER_ONLY), since Debian ships its library for Linux only. Each gets an include
# directory holding just a symlink to its /usr/include directory: exposing all of /usr/include
# to MinGW would shadow its own C headers with glibc's. GoogleTest builds from /usr/src/googletest.

set(tcptable_mingw_include_dir ${CMAKE_BINARY_DIR}/mingw-include)
file(MAKE_DIRECTORY ${tcptable_mingw_include_dir})
foreach(dir IN ITEMS boost CLI nlohmann fmt)
  if(NOT EXISTS /usr/include/${dir})
    message(FATAL_ERROR "/usr/include/${dir} is missing: run scripts/install-deps.sh")
  endif()
  file(CREATE_LINK /usr/include/${dir} ${tcptable_mingw_include_dir}/${dir} SYMBOLIC)
endforeach()

# tcptable_mingw_header_target(TARGET [PROPERTY VALUE]...): an imported header-only target.
function(tcptable_mingw_header_target target)
  if(NOT TARGET ${target})
    add_library(${target} INTERFACE IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES ${tcptable_mingw_include_dir})
    if(ARGC EQUAL 3)
      set_target_properties(${target} PROPERTIES ${ARGV1} "${ARGV2}")
    endif()
  endif()
endfunction()

macro(tcptable_mingw_provide method package)
  if("${package}" STREQUAL "Boost")
    # Asio on Windows needs Winsock and the Microsoft extensions (AcceptEx, ConnectEx).
    tcptable_mingw_header_target(Boost::headers INTERFACE_LINK_LIBRARIES "ws2_32;mswsock")
    set(Boost_FOUND TRUE)
  elseif("${package}" STREQUAL "CLI11")
    tcptable_mingw_header_target(CLI11::CLI11)
    set(CLI11_FOUND TRUE)
  elseif("${package}" STREQUAL "nlohmann_json")
    tcptable_mingw_header_target(nlohmann_json::nlohmann_json)
    set(nlohmann_json_FOUND TRUE)
  elseif("${package}" STREQUAL "fmt")
    tcptable_mingw_header_target(fmt::fmt INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
    set(fmt_FOUND TRUE)
  elseif("${package}" STREQUAL "GTest")
    if(NOT TARGET gtest)
      set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
      add_subdirectory(/usr/src/googletest ${CMAKE_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)
      # GoogleTest 1.11 and later name their targets GTest::* themselves.
      foreach(lib IN ITEMS gtest gtest_main gmock gmock_main)
        if(NOT TARGET GTest::${lib})
          add_library(GTest::${lib} ALIAS ${lib})
        endif()
      endforeach()
    endif()
    set(GTest_FOUND TRUE)
  endif()
endmacro()

cmake_language(SET_DEPENDENCY_PROVIDER tcptable_mingw_provide SUPPORTED_METHODS FIND_PACKAGE)
