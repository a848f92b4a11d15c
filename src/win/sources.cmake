# SPDX-License-Identifier: MIT
# The Windows backend: iphlpapi's GetTcpTable, GetTcp6Table, GetExtendedTcpTable and
# GetTcpStatisticsEx; GetExtendedUdpTable for the UDP table.
set(tcptable_platform_backends "iphlpapi")
set(tcptable_platform_sources
  ${CMAKE_CURRENT_LIST_DIR}/destroy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/estats_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/iphlpapi_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mib_convert.cpp
  ${CMAKE_CURRENT_LIST_DIR}/namespaces.cpp
  ${CMAKE_CURRENT_LIST_DIR}/platform.cpp
  ${CMAKE_CURRENT_LIST_DIR}/process_name.cpp
  ${CMAKE_CURRENT_LIST_DIR}/statistics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/win32_error.cpp)
set(tcptable_platform_libraries iphlpapi ws2_32)
