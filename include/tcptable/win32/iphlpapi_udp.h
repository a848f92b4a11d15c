/* SPDX-License-Identifier: MIT */
/* The UDP table functions of the IP Helper API (included by iphlpapi.h, which also gives their
 * C++ overloads for an `unsigned long` size). */
#ifndef TCPTABLE_WIN32_IPHLPAPI_UDP_H
#define TCPTABLE_WIN32_IPHLPAPI_UDP_H

#include "iprtrmib.h"
#include "minwindef.h"
#include "udpmib.h"

TCPTABLE_WIN32_BEGIN_DECLS

TCPTABLE_WIN32_API ULONG WINAPI GetUdpTable(PMIB_UDPTABLE UdpTable, PULONG SizePointer, BOOL Order);
TCPTABLE_WIN32_API ULONG WINAPI GetUdp6Table(PMIB_UDP6TABLE Udp6Table, PULONG SizePointer,
                                             BOOL Order);
/* ulAf is AF_INET or AF_INET6 as this system's <sys/socket.h> defines them. */
TCPTABLE_WIN32_API DWORD WINAPI GetExtendedUdpTable(PVOID pUdpTable, PDWORD pdwSize, BOOL bOrder,
                                                    ULONG ulAf, UDP_TABLE_CLASS TableClass,
                                                    ULONG Reserved);

TCPTABLE_WIN32_END_DECLS

#endif /* TCPTABLE_WIN32_IPHLPAPI_UDP_H */
