/* SPDX-License-Identifier: MIT */
/* IN6_ADDR as Winsock lays it out (learn.microsoft.com, "IN6_ADDR structure"): sixteen bytes in
 * network order, viewed as bytes or as eight 16-bit words. Like in_addr, it replaces glibc's
 * struct in6_addr from <netinet/in.h>, so the two headers do not mix. */
#ifndef TCPTABLE_WIN32_IN6ADDR_H
#define TCPTABLE_WIN32_IN6ADDR_H

#include "minwindef.h"

#if defined(_NETINET_IN_H) || defined(_NETINET_IN_H_)
#error "tcptable/win32: <netinet/in.h> came before the Winsock headers; use one or the other"
#endif

typedef struct in6_addr {
    union {
        UCHAR Byte[16];
        USHORT Word[8];
    } u;
} IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;

#define in_addr6 in6_addr
#define s6_addr u.Byte
#define s6_bytes u.Byte
#define s6_words u.Word

#endif /* TCPTABLE_WIN32_IN6ADDR_H */
