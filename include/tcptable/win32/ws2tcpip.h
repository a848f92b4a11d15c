/* SPDX-License-Identifier: MIT */
/* The TCP/IP additions to Winsock 2 that IP Helper programs use: IN6_ADDR, sockaddr_in6 (in
 * winsock2.h), inet_ntop and inet_pton, their Windows forms InetNtopA/W and InetPtonA/W, and the
 * text lengths Windows documents for them. */
#ifndef TCPTABLE_WIN32_WS2TCPIP_H
#define TCPTABLE_WIN32_WS2TCPIP_H

#include "in6addr.h"
#include "winnt.h"
#include "winsock2.h"

/* Windows' lengths, longer than POSIX's 16 and 46: buffers sized for Windows fit here too. */
#ifndef INET_ADDRSTRLEN
#define INET_ADDRSTRLEN 22
#endif
#ifndef INET6_ADDRSTRLEN
#define INET6_ADDRSTRLEN 65
#endif

TCPTABLE_WIN32_BEGIN_DECLS

/* See winsock2.h for why the library's names differ from Winsock's. On failure they return
 * NULL, 0 or -1 and set errno, so WSAGetLastError gives Windows' codes: WSAEAFNOSUPPORT for a
 * family other than AF_INET/AF_INET6, WSAEFAULT for a NULL address or text,
 * WSA_INVALID_PARAMETER (87) for a NULL or too small text buffer. */
TCPTABLE_WIN32_API PCSTR tcptable_win32_inet_ntop(INT family, const VOID* address, PSTR buffer,
                                                  size_t buffer_size);
TCPTABLE_WIN32_API INT tcptable_win32_inet_pton(INT family, PCSTR text, PVOID address);
TCPTABLE_WIN32_API PCWSTR tcptable_win32_inet_ntop_w(INT family, const VOID* address, PWSTR buffer,
                                                     size_t buffer_chars);
TCPTABLE_WIN32_API INT tcptable_win32_inet_pton_w(INT family, PCWSTR text, PVOID address);

TCPTABLE_WIN32_END_DECLS

static inline PCSTR inet_ntop(INT family, const VOID* address, PSTR buffer, size_t buffer_size) {
    return tcptable_win32_inet_ntop(family, address, buffer, buffer_size);
}
static inline INT inet_pton(INT family, PCSTR text, PVOID address) {
    return tcptable_win32_inet_pton(family, text, address);
}
static inline PCSTR InetNtopA(INT Family, const VOID* pAddr, PSTR pStringBuf,
                              size_t StringBufSize) {
    return tcptable_win32_inet_ntop(Family, pAddr, pStringBuf, StringBufSize);
}
/* StringBufSize counts WCHARs, as on Windows. */
static inline PCWSTR InetNtopW(INT Family, const VOID* pAddr, PWSTR pStringBuf,
                               size_t StringBufSize) {
    return tcptable_win32_inet_ntop_w(Family, pAddr, pStringBuf, StringBufSize);
}
static inline INT InetPtonA(INT Family, PCSTR pszAddrString, PVOID pAddrBuf) {
    return tcptable_win32_inet_pton(Family, pszAddrString, pAddrBuf);
}
static inline INT InetPtonW(INT Family, PCWSTR pszAddrString, PVOID pAddrBuf) {
    return tcptable_win32_inet_pton_w(Family, pszAddrString, pAddrBuf);
}
#ifdef UNICODE
#define InetNtop InetNtopW
#define InetPton InetPtonW
#else
#define InetNtop InetNtopA
#define InetPton InetPtonA
#endif

#endif /* TCPTABLE_WIN32_WS2TCPIP_H */
