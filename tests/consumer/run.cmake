# SPDX-License-Identifier: MIT
# Installs the build tree into a temporary prefix, then builds and runs consumers against it:
# a CMake project with find_package(tcptable) (core, tcptable::asio, and the seed's Win32
# example through tcptable::win32), a program built with pkg-config alone, and the same
# program with tcptable added by add_subdirectory.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
set(expected include/tcptable/tcptable.hpp include/tcptable/export.hpp
  include/tcptable/version.hpp include/tcptable/asio.hpp lib/cmake/tcptable/tcptable-config.cmake
  lib/pkgconfig/tcptable.pc share/doc/tcptable/LICENSE bin/tcptable)
if(WIN32_LAYER)
  list(APPEND expected include/tcptable/win32/iphlpapi.h lib/pkgconfig/tcptable-win32.pc)
endif()
foreach(f IN LISTS expected)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# The seed's example program (Microsoft's GetTcpTable page), extracted as the Win32 programs
# test does: from the marker comment to the last closing brace before "Requirements".
set(seed_args "")
if(WIN32_LAYER AND EXISTS "${SEED_FILE}")
  file(STRINGS "${SEED_FILE}" seed_lines)
  set(program "")
  set(inside OFF)
  foreach(line IN LISTS seed_lines)
    string(REGEX REPLACE "\r$" "" line "${line}")
    if(line STREQUAL "// Need to link with Iphlpapi.lib and Ws2_32.lib")
      set(inside ON)
    endif()
    if(inside AND line MATCHES "^Requirements")
      break()
    endif()
    if(inside)
      string(APPEND program "${line}\n")
    endif()
  endforeach()
  string(FIND "${program}" "\n}\n" last_brace REVERSE)
  if(last_brace LESS 0)
    message(FATAL_ERROR "no example program in ${SEED_FILE}")
  endif()
  math(EXPR program_end "${last_brace} + 3")
  string(SUBSTRING "${program}" 0 ${program_end} program)
  file(WRITE "${WORK_DIR}/seed_example.c" "${program}")
  set(seed_args "-DSEED_PROGRAM=${WORK_DIR}/seed_example.c")
endif()

set(socket_table_args "")
if(WIN32_LAYER)
  set(socket_table_args "-DSOCKET_TABLE_PROGRAM=${SOURCE_DIR}/tests/win32/programs/socket_table.c")
endif()

# Public headers must not need Boost or platform headers: only tcptable::asio brings Boost.
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}"
    "-DCMAKE_C_FLAGS=${CONSUMER_FLAGS}" ${seed_args} ${socket_table_args})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer")
if(NOT last_output MATCHES "^tcptable [0-9.]+: [0-9]+ rows")
  message(FATAL_ERROR "unexpected consumer output: ${last_output}")
endif()
message(STATUS "consumer: ${last_output}")
run("${WORK_DIR}/build/consumer_asio")
if(NOT last_output MATCHES "^tcptable [0-9.]+ \\(asio\\): [0-9]+ rows")
  message(FATAL_ERROR "unexpected asio consumer output: ${last_output}")
endif()
message(STATUS "asio consumer: ${last_output}")
if(seed_args)
  run("${WORK_DIR}/build/seed_example")
  if(NOT last_output MATCHES "Number of entries: [0-9]+")
    message(FATAL_ERROR "unexpected seed example output: ${last_output}")
  endif()
  message(STATUS "seed example through tcptable::win32: ran")
endif()
if(WIN32_LAYER)
  foreach(program socket_table_c socket_table_cxx)
    run("${WORK_DIR}/build/${program}")
    if(NOT last_output MATCHES "RESULT ok")
      message(FATAL_ERROR "unexpected ${program} output: ${last_output}")
    endif()
  endforeach()
  message(STATUS "socket_table (C and C++) through the installed tcptable::win32: ran")
endif()

# pkg-config alone: the flags it gives build and link the same program.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig")
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs tcptable RESULT_VARIABLE rc
  OUTPUT_VARIABLE pc_flags OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs tcptable failed")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(consumer_flags UNIX_COMMAND "${CONSUMER_FLAGS}")
run(${CXX} -std=c++20 ${consumer_flags} "${SOURCE_DIR}/tests/consumer/main.cpp" ${pc_flags}
    -Wl,-rpath,${prefix}/lib -o "${WORK_DIR}/pkgconfig_consumer")
run("${WORK_DIR}/pkgconfig_consumer")
message(STATUS "pkg-config consumer: ${last_output}")

# The same program, with tcptable added by add_subdirectory.
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer_subdir" -B "${WORK_DIR}/subdir" -G "${GENERATOR}"
    "-DTCPTABLE_SOURCE_DIR=${SOURCE_DIR}" "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/subdir")
run("${WORK_DIR}/subdir/consumer")
message(STATUS "add_subdirectory consumer: ${last_output}")
