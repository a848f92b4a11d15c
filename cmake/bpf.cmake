# SPDX-License-Identifier: MIT
# BPF programs built into tcptable: detection of the tools, and a skeleton per program.
#
#   include(cmake/bpf.cmake)
#   if(TCPTABLE_HAVE_BPF)
#     tcptable_bpf_skeleton(NAME tcp_events SOURCE src/linux/bpf/tcp_events.bpf.c)
#     # -> target tcptable_bpf_tcp_events_skel; header ${TCPTABLE_BPF_GEN_DIR}/tcp_events.skel.h
#   endif()
#
# Everything is made at build time from what the machine has: vmlinux.h from the running
# kernel's BTF (/sys/kernel/btf/vmlinux, or TCPTABLE_BPF_BTF), the object by clang (clang-14
# by default), the skeleton by `bpftool gen skeleton`. Nothing is downloaded and nothing
# generated is committed. When a piece is missing, TCPTABLE_HAVE_BPF is OFF, with the reason in
# TCPTABLE_BPF_REASON, and the sources that need it are simply not built.
include_guard(GLOBAL)

option(TCPTABLE_BPF "Build the BPF event source when libbpf, bpftool, clang and BTF are here" ON)
set(TCPTABLE_BPF_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH "The kernel BTF vmlinux.h is made from")
set(TCPTABLE_HAVE_BPF OFF)
set(TCPTABLE_BPF_REASON "")
set(TCPTABLE_BPF_GEN_DIR ${PROJECT_BINARY_DIR}/bpf)

if(NOT TCPTABLE_BPF)
  set(TCPTABLE_BPF_REASON "TCPTABLE_BPF is OFF")
elseif(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux" OR CMAKE_CROSSCOMPILING)
  set(TCPTABLE_BPF_REASON "not a native Linux build")
else()
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(TCPTABLE_LIBBPF QUIET IMPORTED_TARGET libbpf)
  endif()
  find_program(TCPTABLE_BPFTOOL bpftool PATHS /usr/sbin /sbin)
  find_program(TCPTABLE_BPF_CLANG NAMES clang-14 clang)
  if(NOT TCPTABLE_LIBBPF_FOUND)
    set(TCPTABLE_BPF_REASON "libbpf not found (Debian: libbpf-dev)")
  elseif(NOT TCPTABLE_BPFTOOL)
    set(TCPTABLE_BPF_REASON "bpftool not found (Debian: bpftool)")
  elseif(NOT TCPTABLE_BPF_CLANG)
    set(TCPTABLE_BPF_REASON "clang not found (Debian: clang-14)")
  elseif(NOT EXISTS ${TCPTABLE_BPF_BTF})
    set(TCPTABLE_BPF_REASON "no kernel BTF at ${TCPTABLE_BPF_BTF}")
  else()
    set(TCPTABLE_HAVE_BPF ON)
  endif()
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|i.86")
  set(tcptable_bpf_arch x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(tcptable_bpf_arch arm64)
else()
  set(tcptable_bpf_arch ${CMAKE_SYSTEM_PROCESSOR})
endif()

# vmlinux.h, once per build tree.
if(TCPTABLE_HAVE_BPF AND NOT TARGET tcptable_bpf_vmlinux)
  file(MAKE_DIRECTORY ${TCPTABLE_BPF_GEN_DIR})
  add_custom_command(
    OUTPUT ${TCPTABLE_BPF_GEN_DIR}/vmlinux.h
    COMMAND sh -c "'${TCPTABLE_BPFTOOL}' btf dump file '${TCPTABLE_BPF_BTF}' format c > vmlinux.h.tmp && mv vmlinux.h.tmp vmlinux.h"
    WORKING_DIRECTORY ${TCPTABLE_BPF_GEN_DIR}
    COMMENT "Generating vmlinux.h from ${TCPTABLE_BPF_BTF}"
    VERBATIM)
  add_custom_target(tcptable_bpf_vmlinux DEPENDS ${TCPTABLE_BPF_GEN_DIR}/vmlinux.h)
endif()

# tcptable_bpf_skeleton(NAME name SOURCE file.bpf.c [DEPENDS headers...]): compiles the program
# and makes ${TCPTABLE_BPF_GEN_DIR}/<name>.skel.h; target tcptable_bpf_<name>_skel. DEPENDS: the
# headers the program includes, so editing one rebuilds it.
function(tcptable_bpf_skeleton)
  cmake_parse_arguments(arg "" "NAME;SOURCE" "DEPENDS" ${ARGN})
  get_filename_component(src ${arg_SOURCE} ABSOLUTE BASE_DIR ${PROJECT_SOURCE_DIR})
  set(obj ${TCPTABLE_BPF_GEN_DIR}/${arg_NAME}.bpf.o)
  set(skel ${TCPTABLE_BPF_GEN_DIR}/${arg_NAME}.skel.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${TCPTABLE_BPF_CLANG} -g -O2 -Wall -target bpf -D__TARGET_ARCH_${tcptable_bpf_arch}
      -I${TCPTABLE_BPF_GEN_DIR} ${TCPTABLE_LIBBPF_CFLAGS} -c ${src} -o ${obj}
    DEPENDS ${src} ${arg_DEPENDS} ${TCPTABLE_BPF_GEN_DIR}/vmlinux.h
    COMMENT "Compiling the BPF program ${arg_NAME}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND sh -c "'${TCPTABLE_BPFTOOL}' gen skeleton '${obj}' name ${arg_NAME}_bpf > '${skel}.tmp' && mv '${skel}.tmp' '${skel}'"
    DEPENDS ${obj}
    COMMENT "Generating the BPF skeleton ${arg_NAME}.skel.h"
    VERBATIM)
  add_custom_target(tcptable_bpf_${arg_NAME}_skel DEPENDS ${skel})
  add_dependencies(tcptable_bpf_${arg_NAME}_skel tcptable_bpf_vmlinux)
endfunction()
