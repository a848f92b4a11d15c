/* SPDX-License-Identifier: MIT */
/* The part of Winsock 2 that programs using the IP Helper API need, on systems without the
 * Windows SDK: in_addr with its S_un views, the BSD integer types, byte order conversions and
 * inet_ntoa.
 *
 * Address families come from the system's <sys/socket.h>, so AF_INET6 is the local value (10
 * on Linux, where Windows says 23): a program built here passes what this system's sockets
 * use, and GetExtendedTcpTable accepts exactly these values.
 *
 * u_char, u_short, u_int and u_long are the BSD types <sys/types.h> already defines on
 * glibc; u_long is therefore 64 bits wide on LP64 systems, unlike Windows. Nothing in a MIB
 * structure uses it: fixed-size fields are ULONG or DWORD, 32 bits everywhere. */
#ifndef TCPTABLE_WIN32_WINSOCK2_H
#define TCPTABLE_WIN32_WINSOCK2_H

#include <sys/socket.h>
#include <sys/types.h>

#include "inaddr.h"
#include "minwindef.h"
#include "windows.h"

#if !defined(__u_char_defined) && !defined(__APPLE__) && !defined(__FreeBSD__)
/* Strict standard modes hide glibc's BSD types; these are the same types, so a later
 * definition that matches is allowed (C11, C++). */
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef unsigned long u_long;
#endif

#ifndef INADDR_ANY
#define INADDR_ANY ((ULONG)0x00000000)
#define INADDR_LOOPBACK 0x7f000001
#define INADDR_BROADCAST ((ULONG)0xffffffff)
#define INADDR_NONE 0xffffffff
#endif

TCPTABLE_WIN32_BEGIN_DECLS

/* Implemented in libtcptable, which does every byte order conversion in one place. They are
 * not named ntohs and so on, so that the library never replaces the C library's own functions
 * for the rest of the process; the inline wrappers below give the Winsock names to the
 * programs that include this header. */
TCPTABLE_WIN32_API USHORT tcptable_win32_ntohs(USHORT value);
TCPTABLE_WIN32_API ULONG tcptable_win32_ntohl(ULONG value);
TCPTABLE_WIN32_API char* tcptable_win32_inet_ntoa(ULONG network_order_address);

TCPTABLE_WIN32_END_DECLS

static inline u_short ntohs(u_short value) { return tcptable_win32_ntohs((USHORT)value); }
static inline u_short htons(u_short value) { return tcptable_win32_ntohs((USHORT)value); }
/* Windows' u_long is 32 bits; these take and give ULONG so the result is the same here. */
static inline ULONG ntohl(ULONG value) { return tcptable_win32_ntohl(value); }
static inline ULONG htonl(ULONG value) { return tcptable_win32_ntohl(value); }

/* The dotted-quad text of an address, in a buffer owned by the calling thread that the next
 * call on that thread overwrites (as Winsock documents it). */
static inline char* inet_ntoa(struct in_addr in) {
    return tcptable_win32_inet_ntoa(in.S_un.S_addr);
}

#endif /* TCPTABLE_WIN32_WINSOCK2_H */
