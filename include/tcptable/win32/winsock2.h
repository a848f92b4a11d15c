/* SPDX-License-Identifier: MIT */
/* The part of Winsock 2 that IP Helper programs use around the table, on systems without the
 * Windows SDK: in_addr with its S_un views, byte order conversions, inet_ntoa, and the socket
 * surface (WSAStartup, SOCKET, sockaddr_in, socket ... closesocket, getservbyport).
 *
 * The design (docs/WIN32_API.md, "Winsock"): Winsock's address structures are defined here
 * with Windows' layouts, which for sockaddr_in and sockaddr_in6 are also Linux's byte for byte,
 * so they go straight to the system's own socket calls. Those calls (socket, bind, listen,
 * connect, accept, send, recv, getsockname, ...) are the C library's, from <sys/socket.h>,
 * which declares them over an incomplete struct sockaddr and defines no in_addr. What
 * <netinet/in.h> would add (struct in_addr, IPPROTO_*, in6addr_loopback) comes from here in
 * Winsock's form, so that header (and <arpa/inet.h>, <netdb.h>, which include it) cannot be
 * used in the same file: a clear #error when it came first, a redefinition when after.
 *
 * Address families, socket types and SOL_SOCKET options are this system's (AF_INET6 is 10 on
 * Linux, 23 on Windows): a program built here passes what its own sockets use, and
 * GetExtendedTcpTable accepts exactly these values.
 *
 * u_char, u_short, u_int and u_long are the BSD types <sys/types.h> defines on glibc; u_long
 * is 64 bits on LP64 systems, unlike Windows. No MIB structure uses it. */
#ifndef TCPTABLE_WIN32_WINSOCK2_H
#define TCPTABLE_WIN32_WINSOCK2_H

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "in6addr.h"
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

/* Protocols: the IANA numbers, the same on every system. */
#ifndef IPPROTO_TCP
#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IPPROTO_ICMPV6 58
#define IPPROTO_RAW 255
#endif
typedef int IPPROTO;

/* Socket options at IPPROTO_IPV6 / IPPROTO_TCP level: this system's numbers. */
#ifndef IPV6_V6ONLY
#if defined(__linux__)
#define IPV6_V6ONLY 26
#endif
#endif
#ifndef TCP_NODELAY
#define TCP_NODELAY 1
#endif

/* shutdown()'s Winsock names, the same values as SHUT_RD, SHUT_WR, SHUT_RDWR. */
#define SD_RECEIVE 0
#define SD_SEND 1
#define SD_BOTH 2

typedef USHORT ADDRESS_FAMILY;

/* SOCKET is Windows' UINT_PTR. A descriptor from socket() or accept() converts to it unchanged,
 * and -1 converts to INVALID_SOCKET, so `s == INVALID_SOCKET` works as on Windows. */
typedef UINT_PTR SOCKET;
#define INVALID_SOCKET ((SOCKET)(~0))
#define SOCKET_ERROR (-1)

typedef struct sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct sockaddr_storage SOCKADDR_STORAGE, *PSOCKADDR_STORAGE, *LPSOCKADDR_STORAGE;

/* 16 bytes, Windows' and Linux's layout alike. */
struct sockaddr_in {
    ADDRESS_FAMILY sin_family;
    USHORT sin_port;
    struct in_addr sin_addr;
    CHAR sin_zero[8];
};
typedef struct sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;

/* 28 bytes, Windows' and Linux's layout alike. */
struct sockaddr_in6 {
    ADDRESS_FAMILY sin6_family;
    USHORT sin6_port;
    ULONG sin6_flowinfo;
    struct in6_addr sin6_addr;
    ULONG sin6_scope_id;
};
typedef struct sockaddr_in6 SOCKADDR_IN6, *PSOCKADDR_IN6, *LPSOCKADDR_IN6;
typedef struct sockaddr_in6 SOCKADDR_IN6_LH, *PSOCKADDR_IN6_LH;

/* WSAStartup's report; Windows x64's member order. */
#define WSADESCRIPTION_LEN 256
#define WSASYS_STATUS_LEN 128
typedef struct WSAData {
    WORD wVersion;
    WORD wHighVersion;
    unsigned short iMaxSockets;
    unsigned short iMaxUdpDg;
    char* lpVendorInfo;
    char szDescription[WSADESCRIPTION_LEN + 1];
    char szSystemStatus[WSASYS_STATUS_LEN + 1];
} WSADATA, *LPWSADATA;

/* getservbyport's result: Windows x64's member order (s_proto before s_port). */
struct servent {
    char* s_name;
    char** s_aliases;
    char* s_proto;
    short s_port;
};
typedef struct servent SERVENT, *PSERVENT, *LPSERVENT;

TCPTABLE_WIN32_BEGIN_DECLS

/* Implemented in libtcptable_win32, under names of their own so that the library never
 * replaces the C library's functions for the rest of the process; the inline wrappers below
 * give programs that include this header the Winsock names. */
TCPTABLE_WIN32_API USHORT tcptable_win32_ntohs(USHORT value);
TCPTABLE_WIN32_API ULONG tcptable_win32_ntohl(ULONG value);
TCPTABLE_WIN32_API char* tcptable_win32_inet_ntoa(ULONG network_order_address);
TCPTABLE_WIN32_API int tcptable_win32_wsa_startup(WORD version, WSADATA* data);
TCPTABLE_WIN32_API int tcptable_win32_wsa_cleanup(void);
TCPTABLE_WIN32_API int tcptable_win32_wsa_get_last_error(void);
TCPTABLE_WIN32_API void tcptable_win32_wsa_set_last_error(int error);
TCPTABLE_WIN32_API struct servent* tcptable_win32_getservbyport(int network_order_port,
                                                                const char* protocol);

/* The C library's in6addr_any and in6addr_loopback: the same sixteen bytes as IN6_ADDR. */
extern const struct in6_addr in6addr_any;
extern const struct in6_addr in6addr_loopback;

TCPTABLE_WIN32_END_DECLS

#define IN6ADDR_ANY_INIT \
    {                    \
        {                \
            { 0 }        \
        }                \
    }
#define IN6ADDR_LOOPBACK_INIT                                  \
    {                                                          \
        {                                                      \
            { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } \
        }                                                      \
    }

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

/* Nothing to start: the sockets are the system's. Versions 1.0 to 2.2 are accepted as Windows
 * accepts them; a NULL lpWSAData is WSAEFAULT, a version below 1.0 WSAVERNOTSUPPORTED. */
static inline int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData) {
    return tcptable_win32_wsa_startup(wVersionRequested, lpWSAData);
}
static inline int WSACleanup(void) { return tcptable_win32_wsa_cleanup(); }
/* The Winsock code for the calling thread's errno, which the socket calls set (EADDRINUSE is
 * WSAEADDRINUSE, ...). WSASetLastError sets errno to the matching value. */
static inline int WSAGetLastError(void) { return tcptable_win32_wsa_get_last_error(); }
static inline void WSASetLastError(int iError) { tcptable_win32_wsa_set_last_error(iError); }

static inline int closesocket(SOCKET s) { return close((int)s); }

/* The port is in network order, as Winsock takes it; the result lives in a per-thread buffer. */
static inline struct servent* getservbyport(int port, const char* proto) {
    return tcptable_win32_getservbyport(port, proto);
}

static inline int IN6_IS_ADDR_UNSPECIFIED(const IN6_ADDR* a) {
    int i;
    for (i = 0; i < 16; ++i)
        if (a->u.Byte[i] != 0) return 0;
    return 1;
}
static inline int IN6_IS_ADDR_LOOPBACK(const IN6_ADDR* a) {
    int i;
    for (i = 0; i < 15; ++i)
        if (a->u.Byte[i] != 0) return 0;
    return a->u.Byte[15] == 1;
}
static inline int IN6_IS_ADDR_LINKLOCAL(const IN6_ADDR* a) {
    return a->u.Byte[0] == 0xfe && (a->u.Byte[1] & 0xc0) == 0x80;
}
static inline int IN6_IS_ADDR_MULTICAST(const IN6_ADDR* a) { return a->u.Byte[0] == 0xff; }
static inline int IN6_IS_ADDR_V4MAPPED(const IN6_ADDR* a) {
    int i;
    for (i = 0; i < 10; ++i)
        if (a->u.Byte[i] != 0) return 0;
    return a->u.Byte[10] == 0xff && a->u.Byte[11] == 0xff;
}
static inline int IN6_ADDR_EQUAL(const IN6_ADDR* a, const IN6_ADDR* b) {
    int i;
    for (i = 0; i < 16; ++i)
        if (a->u.Byte[i] != b->u.Byte[i]) return 0;
    return 1;
}

/* Winsock passes address lengths as int*, the C library as socklen_t* (unsigned int, the
 * same size). C++ gets overloads taking SOCKET and int*; C gets function-like macros, so a
 * program may pass either. The other calls (socket, bind, listen, connect, send, recv, sendto,
 * setsockopt, shutdown) take the Winsock arguments as they are. */
#ifdef __cplusplus
extern "C++" {
inline SOCKET accept(SOCKET s, struct sockaddr* addr, int* addrlen) {
    return (SOCKET)::accept((int)s, addr, (socklen_t*)addrlen);
}
inline int getsockname(SOCKET s, struct sockaddr* name, int* namelen) {
    return ::getsockname((int)s, name, (socklen_t*)namelen);
}
inline int getpeername(SOCKET s, struct sockaddr* name, int* namelen) {
    return ::getpeername((int)s, name, (socklen_t*)namelen);
}
inline int getsockopt(SOCKET s, int level, int optname, char* optval, int* optlen) {
    return ::getsockopt((int)s, level, optname, optval, (socklen_t*)optlen);
}
inline int recvfrom(SOCKET s, char* buf, int len, int flags, struct sockaddr* from, int* fromlen) {
    return (int)::recvfrom((int)s, buf, (size_t)len, flags, from, (socklen_t*)fromlen);
}
}
#else
static inline SOCKET tcptable_win32_accept(SOCKET s, struct sockaddr* addr, void* addrlen) {
    return (SOCKET)(accept)((int)s, addr, (socklen_t*)addrlen);
}
static inline int tcptable_win32_getsockname(SOCKET s, struct sockaddr* name, void* namelen) {
    return (getsockname)((int)s, name, (socklen_t*)namelen);
}
static inline int tcptable_win32_getpeername(SOCKET s, struct sockaddr* name, void* namelen) {
    return (getpeername)((int)s, name, (socklen_t*)namelen);
}
static inline int tcptable_win32_getsockopt(SOCKET s, int level, int optname, void* optval,
                                            void* optlen) {
    return (getsockopt)((int)s, level, optname, optval, (socklen_t*)optlen);
}
static inline int tcptable_win32_recvfrom(SOCKET s, void* buf, int len, int flags,
                                          struct sockaddr* from, void* fromlen) {
    return (int)(recvfrom)((int)s, buf, (size_t)len, flags, from, (socklen_t*)fromlen);
}
#define accept(s, addr, addrlen) tcptable_win32_accept((s), (addr), (addrlen))
#define getsockname(s, name, namelen) tcptable_win32_getsockname((s), (name), (namelen))
#define getpeername(s, name, namelen) tcptable_win32_getpeername((s), (name), (namelen))
#define getsockopt(s, level, optname, optval, optlen) \
    tcptable_win32_getsockopt((s), (level), (optname), (optval), (optlen))
#define recvfrom(s, buf, len, flags, from, fromlen) \
    tcptable_win32_recvfrom((s), (buf), (len), (flags), (from), (fromlen))
#endif

#endif /* TCPTABLE_WIN32_WINSOCK2_H */
