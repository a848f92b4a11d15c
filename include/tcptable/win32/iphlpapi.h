/* SPDX-License-Identifier: MIT */
/* The TCP functions of the IP Helper API, implemented by libtcptable on systems without
 * Windows (see docs/WIN32_API.md). They read the table through tcptable::snapshot and fill the
 * caller's buffer exactly as Windows documents: NULL size pointer -> ERROR_INVALID_PARAMETER;
 * NULL table or a buffer too small -> ERROR_INSUFFICIENT_BUFFER with the required size
 * written back; nothing is ever written past the size the caller gave. */
#ifndef TCPTABLE_WIN32_IPHLPAPI_H
#define TCPTABLE_WIN32_IPHLPAPI_H

#include "iprtrmib.h"
#include "minwindef.h"
#include "tcpestats.h" /* GetPerTcpConnectionEStats and its family */
#include "tcpmib.h"
#include "winerror.h"

TCPTABLE_WIN32_BEGIN_DECLS

TCPTABLE_WIN32_API ULONG WINAPI GetTcpTable(PMIB_TCPTABLE TcpTable, PULONG SizePointer, BOOL Order);
TCPTABLE_WIN32_API ULONG WINAPI GetTcp6Table(PMIB_TCP6TABLE TcpTable, PULONG SizePointer,
                                             BOOL Order);
TCPTABLE_WIN32_API ULONG WINAPI GetTcpTable2(PMIB_TCPTABLE2 TcpTable, PULONG SizePointer,
                                             BOOL Order);
TCPTABLE_WIN32_API ULONG WINAPI GetTcp6Table2(PMIB_TCP6TABLE2 TcpTable, PULONG SizePointer,
                                              BOOL Order);
/* ulAf is AF_INET or AF_INET6 as this system's <sys/socket.h> defines them. */
TCPTABLE_WIN32_API DWORD WINAPI GetExtendedTcpTable(PVOID pTcpTable, PDWORD pdwSize, BOOL bOrder,
                                                    ULONG ulAf, TCP_TABLE_CLASS TableClass,
                                                    ULONG Reserved);
TCPTABLE_WIN32_API ULONG WINAPI GetTcpStatistics(PMIB_TCPSTATS Statistics);
TCPTABLE_WIN32_API ULONG WINAPI GetTcpStatisticsEx(PMIB_TCPSTATS Statistics, ULONG Family);

TCPTABLE_WIN32_END_DECLS

#endif /* TCPTABLE_WIN32_IPHLPAPI_H */
