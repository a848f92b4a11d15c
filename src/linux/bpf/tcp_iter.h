/* SPDX-License-Identifier: MIT */
/* One row of the TCP table as the iter/tcp program (tcp_iter.bpf.c) writes it with
 * bpf_seq_write and the bpf backend (bpf_iter_backend.cpp) reads it: byte for byte the layout of
 * tcptable::tcp_row (include/tcptable/tcp_row.hpp), so user space copies whole rows with memcpy.
 * bpf_iter_backend.cpp proves the two layouts equal at compile time (std::bit_cast). */
#ifndef TCPTABLE_BPF_TCP_ITER_H
#define TCPTABLE_BPF_TCP_ITER_H

/* tcptable::ip_address: 16 network-order address bytes (IPv4 uses the first four, the rest
 * zero), the IPv6 scope id as four bytes, least significant first, and the family. */
#define TCPTABLE_ROW_FAMILY_V4 4 /* tcptable::ip_family::ipv4 */
#define TCPTABLE_ROW_FAMILY_V6 6 /* tcptable::ip_family::ipv6 */

struct tcptable_bpf_address {
    __u8 bytes[16];
    __u8 scope[4];
    __u8 family;
};

struct tcptable_bpf_row {
    struct tcptable_bpf_address local;  /* offset 0 */
    struct tcptable_bpf_address remote; /* offset 21 */
    __u16 local_port;                   /* offset 42, host order */
    __u16 remote_port;                  /* offset 44, host order */
    __u8 state;                         /* offset 46, MIB_TCP_STATE numbering (1-12) */
    __u8 owner_count;                   /* offset 47, always 0: owners come from user space */
    __u32 pid;                          /* offset 48, always 0 */
    __u32 uid;                          /* offset 52 */
    __u32 inode;                        /* offset 56 */
    __u32 padding;                      /* offset 60, zero */
    __u64 cookie;                       /* offset 64 */
};

/* Linux states are 1..13 (include/net/tcp_states.h): the program's state table has a slot for
 * each value below this. */
#define TCPTABLE_ITER_STATE_SLOTS 16

#endif
