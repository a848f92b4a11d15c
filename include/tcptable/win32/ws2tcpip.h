/* SPDX-License-Identifier: MIT */
/* The TCP/IP additions to Winsock 2 that IP Helper programs use: IN6_ADDR, inet_ntop and
 * inet_pton, and the text lengths Windows documents for them. */
#ifndef TCPTABLE_WIN32_WS2TCPIP_H
#define TCPTABLE_WIN32_WS2TCPIP_H

#include "in6addr.h"
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
 * NULL or -1 and set errno (EAFNOSUPPORT, ENOSPC), where Windows sets WSAGetLastError. */
TCPTABLE_WIN32_API PCSTR tcptable_win32_inet_ntop(INT family, const VOID* address, PSTR buffer,
                                                  size_t buffer_size);
TCPTABLE_WIN32_API INT tcptable_win32_inet_pton(INT family, PCSTR text, PVOID address);

TCPTABLE_WIN32_END_DECLS

static inline PCSTR inet_ntop(INT family, const VOID* address, PSTR buffer, size_t buffer_size) {
    return tcptable_win32_inet_ntop(family, address, buffer, buffer_size);
}
static inline INT inet_pton(INT family, PCSTR text, PVOID address) {
    return tcptable_win32_inet_pton(family, text, address);
}

#endif /* TCPTABLE_WIN32_WS2TCPIP_H */
