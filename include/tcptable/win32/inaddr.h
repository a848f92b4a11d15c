/* SPDX-License-Identifier: MIT */
/* IN_ADDR as Winsock lays it out (learn.microsoft.com, "IN_ADDR structure"): four bytes in
 * network order, viewed as bytes, as two 16-bit words or as one 32-bit S_addr.
 *
 * This struct in_addr replaces the one in glibc's <netinet/in.h>; a translation unit can have
 * only one of them. Including <netinet/in.h> (or <arpa/inet.h>, <netdb.h>) as well is a
 * compile error, reported here if it came first and as a redefinition if it comes after. */
#ifndef TCPTABLE_WIN32_INADDR_H
#define TCPTABLE_WIN32_INADDR_H

#include "minwindef.h"

#if defined(_NETINET_IN_H) || defined(_NETINET_IN_H_)
#error "tcptable/win32: <netinet/in.h> came before the Winsock headers; use one or the other"
#endif

typedef struct in_addr {
    union {
        struct {
            UCHAR s_b1, s_b2, s_b3, s_b4;
        } S_un_b;
        struct {
            USHORT s_w1, s_w2;
        } S_un_w;
        ULONG S_addr;
    } S_un;
} IN_ADDR, *PIN_ADDR, *LPIN_ADDR;

/* The BSD member names, as Winsock spells them over the union. */
#define s_addr S_un.S_addr
#define s_host S_un.S_un_b.s_b2
#define s_net S_un.S_un_b.s_b1
#define s_imp S_un.S_un_w.s_w2
#define s_impno S_un.S_un_b.s_b4
#define s_lh S_un.S_un_b.s_b3

#endif /* TCPTABLE_WIN32_INADDR_H */
