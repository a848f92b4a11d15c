/* SPDX-License-Identifier: MIT */
/* The TCP and UDP functions of the IP Helper API, implemented by libtcptable_win32 on systems
 * without Windows (see docs/WIN32_API.md). They read the table through tcptable's public API
 * and fill the caller's buffer exactly as Windows documents: NULL size pointer ->
 * ERROR_INVALID_PARAMETER; NULL table or a buffer too small -> ERROR_INSUFFICIENT_BUFFER with
 * the required size written back; nothing is ever written past the size the caller gave. */
#ifndef TCPTABLE_WIN32_IPHLPAPI_H
#define TCPTABLE_WIN32_IPHLPAPI_H

#include "iprtrmib.h"
#include "minwindef.h"
#include "tcpestats.h" /* GetPerTcpConnectionEStats and its family */
#include "tcpmib.h"
#include "udpmib.h"
#include "winerror.h"

/* iptypes.h's lengths. */
#ifndef MAX_HOSTNAME_LEN
#define MAX_HOSTNAME_LEN 128
#define MAX_DOMAIN_NAME_LEN 128
#define MAX_SCOPE_ID_LEN 256
#endif

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

/* Only MIB_TCP_STATE_DELETE_TCB, on an IPv4 connection: it is reset and removed (Linux's
 * SOCK_DESTROY; needs CAP_NET_ADMIN). */
TCPTABLE_WIN32_API DWORD WINAPI SetTcpEntry(PMIB_TCPROW pTcpRow);

/* The owner's executable: pModuleName is its file name, pModulePath its full path (the target
 * of /proc/<pid>/exe), both in the caller's buffer after the structure. */
TCPTABLE_WIN32_API DWORD WINAPI GetOwnerModuleFromTcpEntry(PMIB_TCPROW_OWNER_MODULE pTcpEntry,
                                                           TCPIP_OWNER_MODULE_INFO_CLASS Class,
                                                           PVOID pBuffer, PDWORD pdwSize);
TCPTABLE_WIN32_API DWORD WINAPI GetOwnerModuleFromTcp6Entry(PMIB_TCP6ROW_OWNER_MODULE pTcpEntry,
                                                            TCPIP_OWNER_MODULE_INFO_CLASS Class,
                                                            PVOID pBuffer, PDWORD pdwSize);
TCPTABLE_WIN32_API DWORD WINAPI GetOwnerModuleFromUdpEntry(PMIB_UDPROW_OWNER_MODULE pUdpEntry,
                                                           TCPIP_OWNER_MODULE_INFO_CLASS Class,
                                                           PVOID pBuffer, PDWORD pdwSize);
TCPTABLE_WIN32_API DWORD WINAPI GetOwnerModuleFromUdp6Entry(PMIB_UDP6ROW_OWNER_MODULE pUdpEntry,
                                                            TCPIP_OWNER_MODULE_INFO_CLASS Class,
                                                            PVOID pBuffer, PDWORD pdwSize);

TCPTABLE_WIN32_END_DECLS

#include "iphlpapi_udp.h"

/* In C++, a size variable declared `unsigned long` (64 bits here, 32 on Windows, where it is
 * the same type as ULONG) is accepted as it is: these overloads pass a 32-bit copy and write
 * back what the function wrote. They are templates that only `unsigned long*` selects, so a
 * NULL or nullptr size still means the C function. In C the variable must be ULONG or DWORD
 * (docs/WIN32_API.md). */
#ifdef __cplusplus
extern "C++" {
template <class T>
struct tcptable_win32_ulong_only {};
template <>
struct tcptable_win32_ulong_only<unsigned long> {
    typedef DWORD type;
};
template <class Call>
inline DWORD tcptable_win32_with_ulong_size(unsigned long* size, Call call) {
    DWORD narrow = *size > 0xffffffffUL ? 0xffffffffU : static_cast<DWORD>(*size);
    const DWORD before = narrow;
    const DWORD result = call(&narrow);
    if (narrow != before) *size = narrow;
    return result;
}
#define TCPTABLE_WIN32_ULONG_OVERLOAD(Name, Params, Args)                                 \
    template <class T>                                                                    \
    inline typename tcptable_win32_ulong_only<T>::type Name Params {                      \
        return tcptable_win32_with_ulong_size(size, [&](DWORD* s) { return Name Args; }); \
    }
TCPTABLE_WIN32_ULONG_OVERLOAD(GetTcpTable, (PMIB_TCPTABLE t, T* size, BOOL order), (t, s, order))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetTcp6Table, (PMIB_TCP6TABLE t, T* size, BOOL order), (t, s, order))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetTcpTable2, (PMIB_TCPTABLE2 t, T* size, BOOL order), (t, s, order))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetTcp6Table2, (PMIB_TCP6TABLE2 t, T* size, BOOL order),
                              (t, s, order))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetExtendedTcpTable,
                              (PVOID t, T* size, BOOL order, ULONG af, TCP_TABLE_CLASS cls,
                               ULONG reserved),
                              (t, s, order, af, cls, reserved))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetUdpTable, (PMIB_UDPTABLE t, T* size, BOOL order), (t, s, order))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetUdp6Table, (PMIB_UDP6TABLE t, T* size, BOOL order), (t, s, order))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetExtendedUdpTable,
                              (PVOID t, T* size, BOOL order, ULONG af, UDP_TABLE_CLASS cls,
                               ULONG reserved),
                              (t, s, order, af, cls, reserved))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetOwnerModuleFromTcpEntry,
                              (PMIB_TCPROW_OWNER_MODULE e, TCPIP_OWNER_MODULE_INFO_CLASS c, PVOID b,
                               T* size),
                              (e, c, b, s))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetOwnerModuleFromTcp6Entry,
                              (PMIB_TCP6ROW_OWNER_MODULE e, TCPIP_OWNER_MODULE_INFO_CLASS c,
                               PVOID b, T* size),
                              (e, c, b, s))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetOwnerModuleFromUdpEntry,
                              (PMIB_UDPROW_OWNER_MODULE e, TCPIP_OWNER_MODULE_INFO_CLASS c, PVOID b,
                               T* size),
                              (e, c, b, s))
TCPTABLE_WIN32_ULONG_OVERLOAD(GetOwnerModuleFromUdp6Entry,
                              (PMIB_UDP6ROW_OWNER_MODULE e, TCPIP_OWNER_MODULE_INFO_CLASS c,
                               PVOID b, T* size),
                              (e, c, b, s))
#undef TCPTABLE_WIN32_ULONG_OVERLOAD
}
#endif

#endif /* TCPTABLE_WIN32_IPHLPAPI_H */
