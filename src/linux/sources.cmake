# SPDX-License-Identifier: MIT
# The Linux backends: NETLINK_SOCK_DIAG (the default) and /proc/net/tcp{,6}; owner pids from
# /proc/*/fd; MIB_TCPSTATS from /proc/net/snmp; other network namespaces.
set(tcptable_platform_backends "netlink procfs")
set(tcptable_platform_sources
  ${CMAKE_CURRENT_LIST_DIR}/cgroup.cpp
  ${CMAKE_CURRENT_LIST_DIR}/destroy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/destroy_events.cpp
  ${CMAKE_CURRENT_LIST_DIR}/events.cpp
  ${CMAKE_CURRENT_LIST_DIR}/linux_states.cpp
  ${CMAKE_CURRENT_LIST_DIR}/netlink_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/netlink_parser.cpp
  ${CMAKE_CURRENT_LIST_DIR}/netns.cpp
  ${CMAKE_CURRENT_LIST_DIR}/netns_all.cpp
  ${CMAKE_CURRENT_LIST_DIR}/owner_cache_proc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/owner_pids.cpp
  ${CMAKE_CURRENT_LIST_DIR}/platform.cpp
  ${CMAKE_CURRENT_LIST_DIR}/process_name.cpp
  ${CMAKE_CURRENT_LIST_DIR}/procfs_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/procfs_parser.cpp
  ${CMAKE_CURRENT_LIST_DIR}/snmp_parser.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sockstat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/statistics.cpp
  # The bpf backend; without the BPF tools it only says it is not built.
  ${CMAKE_CURRENT_LIST_DIR}/bpf/bpf_iter_backend.cpp)
set(tcptable_platform_libraries)

# The bpf event source, when the tools are here (cmake/bpf.cmake says why not otherwise).
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/bpf.cmake)
if(TCPTABLE_HAVE_BPF)
  tcptable_bpf_skeleton(NAME tcp_events SOURCE ${CMAKE_CURRENT_LIST_DIR}/bpf/tcp_events.bpf.c)
  list(APPEND tcptable_platform_sources ${CMAKE_CURRENT_LIST_DIR}/bpf/bpf_events.cpp)
  list(APPEND tcptable_platform_libraries bpf)
  set(tcptable_platform_bpf_skeletons tcptable_bpf_tcp_events_skel)
  # The bpf backend's iter/tcp program (bpf/bpf_iter_backend.cpp loads it).
  tcptable_bpf_skeleton(NAME tcp_iter SOURCE ${CMAKE_CURRENT_LIST_DIR}/bpf/tcp_iter.bpf.c
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/bpf/tcp_iter.h)
  list(APPEND tcptable_platform_bpf_skeletons tcptable_bpf_tcp_iter_skel)
  set(tcptable_platform_backends "${tcptable_platform_backends} bpf")
endif()

# Owner pids from the kernel in one pass (iter/task_file); owner_pids.cpp falls back to /proc.
if(TCPTABLE_HAVE_BPF)
  tcptable_bpf_skeleton(NAME task_sockets SOURCE ${CMAKE_CURRENT_LIST_DIR}/bpf/task_sockets.bpf.c)
  list(APPEND tcptable_platform_sources ${CMAKE_CURRENT_LIST_DIR}/bpf/bpf_owner_pids.cpp)
  list(APPEND tcptable_platform_bpf_skeletons tcptable_bpf_task_sockets_skel)
endif()
